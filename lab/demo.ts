// The README's main job: two throwaway VMs, this agent in each, hostapd (WPA2-PSK) in one and
// wpa_supplicant in the other; shows the guests' progress live and a short result summary.
//
//   node dist/lab/demo.js            (scripts/demo.sh builds and runs it)

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runTunnelPair } from "./scenarios.js";
import { labUnavailableReason } from "./vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`demo: ${unavailable}`);
  process.exit(1);
}

console.log(
  "demo: booting two VMs (QEMU, TCG): 'ap' runs hostapd, 'sta' runs wpa_supplicant; each runs wifi-tunnel",
);
// Guest scripts log "HH:MM:SS.mmm <vm>: <step>" lines; those are the progress worth showing.
const step = /^\d\d:\d\d:\d\d\.\d+ (ap|sta): /;
let pending = "";
const pair = await runTunnelPair({
  timeoutMs: 600_000,
  onConsole: (text) => {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (step.test(line)) console.log(`  ${line}`);
  },
});

const station = pair.station.results;
const ok =
  station?.associated === true &&
  station.handshake_completed &&
  station.ping_received === station.ping_transmitted &&
  (station.bits_per_second ?? 0) > 0;
const agentLog = readFileSync(join(pair.station.vm.shareDir, "agent.log"), "utf8").trim().split("\n");
console.log("\ndemo: the station's agent, last lines:");
for (const line of agentLog.slice(-6)) console.log(`  ${line}`);
console.log("\ndemo: result");
console.log(
  `  associated + WPA2 4-way handshake: ${station?.associated && station.handshake_completed ? "yes" : "no"} (${station?.assoc_seconds ?? "-"} s from wpa_supplicant start)`,
);
console.log(
  `  ping over Wi-Fi:                   ${station?.ping_received ?? 0}/${station?.ping_transmitted ?? 0}`,
);
console.log(
  `  iperf3 TCP over Wi-Fi:             ${station?.bits_per_second ? `${(station.bits_per_second / 1e6).toFixed(2)} Mbit/s` : "-"}`,
);
console.log(
  `  agents stopped cleanly:            ${pair.ap.results?.agent_exit_code === 0 && station?.agent_exit_code === 0 ? "yes" : "no"}`,
);
console.log(`  VM logs and results:               ${pair.station.vm.shareDir}, ${pair.ap.vm.shareDir}`);
process.exit(ok ? 0 : 1);
