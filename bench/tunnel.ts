// The agent end to end, side by side with what hwsim does on its own, in one run on one machine
// (shared and noisy: compare the ratios, not the absolute figures):
//   (a) wpa_supplicant start → wpa_state=COMPLETED over the tunnel vs. both radios in one VM;
//   (b) iperf3 TCP throughput over the tunnel vs. that one-VM baseline (the radios' own ceiling).
// Runs alternate baseline and tunnel ROUNDS times so load drifts hit both alike.
//
//   npx tsc -p tsconfig.json && node dist/bench/tunnel.js [ROUNDS]

import { runLocalBaseline, runTunnelPair } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/tunnel: ${unavailable}`);
  process.exit(1);
}
const rounds = Number(process.argv[2] ?? 1);

interface Sample {
  readonly assocSeconds: number;
  readonly mbps: number;
}
const baseline: Sample[] = [];
const tunnel: Sample[] = [];

for (let round = 1; round <= rounds; round++) {
  const local = await runLocalBaseline();
  if (local.results)
    baseline.push({ assocSeconds: local.results.assoc_seconds, mbps: local.results.bits_per_second / 1e6 });
  const pair = await runTunnelPair();
  const station = pair.station.results;
  if (station?.assoc_seconds != null && station.bits_per_second != null) {
    tunnel.push({ assocSeconds: station.assoc_seconds, mbps: station.bits_per_second / 1e6 });
  }
  console.error(`round ${round}/${rounds} done`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)];
};
const b = { assoc: median(baseline.map((s) => s.assocSeconds)), mbps: median(baseline.map((s) => s.mbps)) };
const t = { assoc: median(tunnel.map((s) => s.assocSeconds)), mbps: median(tunnel.map((s) => s.mbps)) };
console.log(`| measure (median of ${rounds}) | one VM, no tunnel | two VMs, wifi-tunnel | ratio | goal |`);
console.log("|---|---|---|---|---|");
console.log(
  `| association + 4-way handshake | ${b.assoc.toFixed(2)} s | ${t.assoc.toFixed(2)} s | ${(t.assoc / b.assoc).toFixed(2)}x | <= 1.5x |`,
);
console.log(
  `| iperf3 TCP throughput | ${b.mbps.toFixed(1)} Mbit/s | ${t.mbps.toFixed(2)} Mbit/s | ${(t.mbps / b.mbps).toFixed(3)} | >= 0.5 |`,
);
