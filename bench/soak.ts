// The long soak (issue 12; test/vm/soak.test.ts is its two-minute form in CI): two VMs, WPA2,
// started together, then iperf3 TCP from the station to the AP for SECONDS. Prints per agent the
// memory a minute into the run and at its end, CPU, worst loop delay and whether the counters
// close; for the station the throughput and the beacon losses during iperf3.
//
//   npm run build && node dist/bench/soak.js [SECONDS]      (default 600)

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { exitCounters, parseRss, sumOf } from "../lab/agent-log.js";
import { consoleTail, runTunnelPair } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";
import { RECEIVE_DELIVERY_DROPS } from "../src/agent/receive.js";
import { agentFigures } from "./medium-cpu.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/soak: ${unavailable}`);
  process.exit(1);
}
const seconds = Number(process.argv[2] ?? 600);
if (!Number.isInteger(seconds) || seconds < 90) {
  console.error(
    "bench/soak: SECONDS must be a whole number of at least 90 (memory is compared after the first minute)",
  );
  process.exit(2);
}

const pair = await runTunnelPair({
  // The AP waits STATION_TIMEOUT (600 s by default) for the station to finish; past that it stops
  // its agent and hostapd, which a soak of 600 s would otherwise run into.
  env: {
    IPERF3_SECONDS: `${seconds}`,
    RSS_SAMPLES: "1",
    RSS_INTERVAL: "10",
    STATION_TIMEOUT: `${seconds + 600}`,
  },
  timeoutMs: 900_000 + seconds * 1500,
});
const station = pair.station.results;
if (station === undefined) {
  console.error(`bench/soak: the station wrote no results\n${consoleTail(pair.station.vm)}`);
  process.exit(1);
}
const mib = (kib: number | undefined): string => (kib === undefined ? "-" : (kib / 1024).toFixed(1));
console.log(
  `soak of ${seconds} s: associated in ${station.assoc_seconds ?? "-"} s, iperf3 ${station.bits_per_second ? (station.bits_per_second / 1e6).toFixed(2) : "-"} Mbit/s, ` +
    `beacon loss ${station.beacon_loss_iperf ?? "-"} during iperf3, still associated: ${station.still_associated}\n`,
);
console.log(
  "| agent | RSS at 1 min (MiB) | RSS at end (MiB) | growth | peak (MiB) | CPU (s) | worst loop delay (ms) | send closes | receive closes |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const [name, vm] of [
  ["AP", pair.ap.vm],
  ["station", pair.station.vm],
] as const) {
  const read = (file: string): string => readFileSync(join(vm.shareDir, file), "utf8");
  const rss = parseRss(read("agent-rss.txt"));
  const start = rss.marks["iperf-start"] ?? Number.NaN;
  const end = rss.marks["iperf-end"] ?? Number.NaN;
  const after = rss.samples.filter(([time]) => time >= start + 60 && time <= end).map(([, kib]) => kib);
  const send = exitCounters(read("agent.log"), "send");
  const receive = exitCounters(read("agent.log"), "receive");
  const sendCloses = send["frames-in"] === send.sent + sumOf(send, (n) => n.startsWith("dropped-"));
  const receiveCloses =
    receive["frames-in"] ===
    (receive.delivered ?? 0) + sumOf(receive, (n) => RECEIVE_DELIVERY_DROPS.has(n as never));
  const growth =
    after.length >= 2
      ? `${((after.at(-1) as number) / after[0] - 1) * 100 > 0 ? "+" : ""}${(((after.at(-1) as number) / after[0] - 1) * 100).toFixed(1)}%`
      : "-";
  const { cpuS, loopMaxMs } = agentFigures(vm.shareDir);
  console.log(
    `| ${name} | ${mib(after[0])} | ${mib(after.at(-1))} | ${growth} | ${mib(after.length ? Math.max(...after) : undefined)} | ${cpuS.toFixed(1)} | ${loopMaxMs} | ${sendCloses ? "yes" : "NO"} (${send["frames-in"]}) | ${receiveCloses ? "yes" : "NO"} (${receive["frames-in"]}) |`,
  );
}
