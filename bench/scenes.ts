// The Wi-Fi scenes of lab/guest/scenes.sh (5 GHz, channel switch, open, WPA2-Enterprise, iwd with
// WPA2 and WPA3) across two VMs joined by the agents, beside the same scenes in one VM with two
// radios and no tunnel (the baseline). One boot of each per run; runs one after the other.
//
//   npx tsc -p tsconfig.json && node dist/bench/scenes.js [RUNS]

import { runLocalScenes, runWifiScenes, type SceneResult } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/scenes: ${unavailable}`);
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 1);

function row(where: string, s: SceneResult): string {
  const mbit = s.bits_per_second ? (s.bits_per_second / 1e6).toFixed(1) : "-";
  const connect =
    s.scene === "chanswitch"
      ? `lost ${s.lost_during}/${s.pings_during}, gap ${((s.longest_gap_pings ?? 0) * 0.1).toFixed(1)} s`
      : `${s.assoc_seconds ?? "never"} s`;
  return `| ${s.scene} | ${where} | ${s.freq_mhz ?? "-"} | ${connect} | ${s.ping_received}/${s.ping_transmitted} | ${mbit} | ${s.beacon_loss ?? "-"} |`;
}

console.log(
  "| scene | where | MHz | connected after (chanswitch: pings lost, longest gap) | ping | iperf3 Mbit/s | beacon loss |",
);
console.log("|---|---|---|---|---|---|---|");
for (let run = 1; run <= runs; run++) {
  const local = await runLocalScenes();
  const tunnel = await runWifiScenes();
  const localScenes = local.results?.scenes ?? [];
  for (const s of tunnel.station.results?.scenes ?? []) {
    const baseline = localScenes.find((l) => l.scene === s.scene);
    if (baseline) console.log(row("one VM", baseline));
    console.log(row("two VMs, tunnel", s));
  }
  console.error(`run ${run}/${runs} done (${tunnel.station.vm.shareDir})`);
}
