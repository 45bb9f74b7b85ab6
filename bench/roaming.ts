// Roaming between two APs of one network (lab/guest/roam.sh: `wpa_cli roam` there and back,
// bgscan after AP 1 fades, 802.11r FT over the air there and back) across three VMs joined by the
// agents, beside the same APs and station in one VM with three radios and no tunnel (the
// baseline). Per roam: the time from the trigger to CTRL-EVENT-CONNECTED with the new BSSID, the
// pings to the gateway (0.1 s apart) lost through it and the longest gap, and whether a 4-way
// handshake ran. One boot of each per run; runs one after the other; the host's load average is
// printed with each run. AGENT_ARGS is passed to every agent (default --medium netlink, as the test).
//
//   npm run build && node dist/bench/roaming.js [RUNS]

import { loadavg } from "node:os";
import { type RoamResult, runLocalRoam, runRoamLab } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/roaming: ${unavailable}`);
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 1);
const agentArgs = process.env.AGENT_ARGS ?? "--medium netlink";

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

function row(where: string, r: RoamResult): string {
  const roamed = r.bssid_after === r.to_bssid && r.roam_seconds !== null;
  const time = r.roam_seconds === null ? "never" : `${r.roam_seconds.toFixed(2)}`;
  const tries = r.tries > 1 ? ` (${r.tries} tries)` : "";
  return (
    `| ${r.name} | ${where} | ${r.key_mgmt || "-"} | ${roamed ? "yes" : "no"} | ${time}${tries} | ` +
    `${r.auth_after_seconds ?? "-"} | ${r.lost_during}/${r.pings_during} | ${(r.longest_gap_pings * 0.1).toFixed(1)} | ` +
    `${r.handshakes} | ${r.ping_received}/${r.ping_transmitted} |`
  );
}

console.log(
  "| roam | where | key_mgmt | roamed | trigger to connected (s) | trigger to authentication (s) | pings lost | longest gap (s) | 4-way handshakes | 20 pings after |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (let run = 1; run <= runs; run++) {
  const loadBefore = load();
  const local = await runLocalRoam({ timeoutMs: 900_000 });
  const tunnel = await runRoamLab({ timeoutMs: 900_000, env: { AGENT_ARGS: agentArgs } });
  const baseline = local.results?.roams ?? [];
  console.log(
    `| run ${run}: first connection | one VM | | | ${local.results?.assoc_seconds ?? "never"} | | | | | |`,
  );
  console.log(
    `| run ${run}: first connection | three VMs, tunnel (${agentArgs}) | | | ${tunnel.station.results?.assoc_seconds ?? "never"} | | | | | |`,
  );
  for (const r of tunnel.station.results?.roams ?? []) {
    const same = baseline.find((b) => b.name === r.name);
    if (same) console.log(row("one VM", same));
    console.log(row("three VMs, tunnel", r));
  }
  const exits = [...tunnel.aps, tunnel.station].map((vm) => vm.results?.agent_exit_code ?? "none").join(", ");
  console.error(
    `run ${run}/${runs} done: load ${loadBefore} before, ${load()} after; agents exited ${exits} ` +
      `(${local.vm.shareDir} ${tunnel.station.vm.shareDir})`,
  );
}
