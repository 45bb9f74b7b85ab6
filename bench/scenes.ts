// The Wi-Fi scenes of lab/guest/scenes.sh (5 GHz, channel switch, open, a lossy link, WPA2-Enterprise,
// VHT80, iwd with WPA2 and WPA3) across two VMs joined by the agents (AGENT_ARGS, default --medium
// netlink as the test), beside the same scenes in one VM with two radios and no tunnel (the baseline; it has no
// lossy scene). One boot of each per run; runs one after the other.
//
//   npm run build && node dist/bench/scenes.js [RUNS]

import { runLocalScenes, runWifiScenes, type SceneResult } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/scenes: ${unavailable}`);
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 1);
const agentArgs = process.env.AGENT_ARGS ?? "--medium netlink";

function row(where: string, s: SceneResult): string {
  const mbit = s.bits_per_second ? (s.bits_per_second / 1e6).toFixed(1) : "-";
  const connect =
    s.scene === "chanswitch"
      ? `lost ${s.lost_during}/${s.pings_during}, gap ${((s.longest_gap_pings ?? 0) * 0.1).toFixed(1)} s`
      : s.scene === "lossy"
        ? `at ${s.loss_percent}%: tx ${s.tx_packets}, retries ${s.tx_retries}, failed ${s.tx_failed}; agent: tries lost ${s.link_tries_lost}, dropped on receipt ${s.link_dropped} (clean: tx ${s.clean_tx_packets}, retries ${s.clean_tx_retries})`
        : `${s.assoc_seconds ?? "never"} s`;
  const width = s.width_mhz ? ` (${s.width_mhz} MHz)` : "";
  return `| ${s.scene} | ${where} | ${s.freq_mhz ?? "-"}${width} | ${connect} | ${s.ping_received}/${s.ping_transmitted} | ${mbit} | ${(s.tx_bitrates ?? []).join("; ") || "-"} | ${s.beacon_loss ?? "-"} |`;
}

console.log(
  "| scene | where | MHz (width) | connected after (chanswitch: pings lost, longest gap; lossy: counters) | ping | iperf3 Mbit/s | tx bitrates (8 voice pings) | beacon loss |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (let run = 1; run <= runs; run++) {
  const local = await runLocalScenes();
  const tunnel = await runWifiScenes({ env: { AGENT_ARGS: agentArgs } });
  const localScenes = local.results?.scenes ?? [];
  for (const s of tunnel.station.results?.scenes ?? []) {
    const baseline = localScenes.find((l) => l.scene === s.scene);
    if (baseline) console.log(row("one VM", baseline));
    console.log(row("two VMs, tunnel", s));
  }
  console.error(`run ${run}/${runs} done (${tunnel.station.vm.shareDir})`);
}
