// The agent end to end, side by side with what hwsim and the VM link do on their own, in one run on
// one machine (shared and noisy: compare the ratios, not the absolute figures):
//   (a) wpa_supplicant start → wpa_state=COMPLETED over the tunnel vs. both radios in one VM;
//   (b) iperf3 TCP throughput over the tunnel vs. that one-VM baseline (the radios' own ceiling)
//       and vs. the two VMs' Ethernet link alone (the carrier's ceiling);
//   (c) iperf3 UDP offered at 20 Mbit/s over the tunnel: what the agents deliver when TCP's
//       congestion control is out of the picture, and how much is lost.
// Runs alternate the scenarios ROUNDS times so load drifts hit all alike.
//
//   npx tsc -p tsconfig.json && node dist/bench/tunnel.js [ROUNDS]

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runEthernetIperf, runLocalBaseline, runTunnelPair } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/tunnel: ${unavailable}`);
  process.exit(1);
}
const rounds = Number(process.argv[2] ?? 1);
const UDP_OFFERED = "20M";

const samples = {
  baselineAssoc: [] as number[],
  baselineMbps: [] as number[],
  tunnelAssoc: [] as number[],
  tunnelMbps: [] as number[],
  ethernetMbps: [] as number[],
  udpMbps: [] as number[],
  udpLossPercent: [] as number[],
};

/** iperf3's UDP summary as the server saw it. */
function udpSummary(shareDir: string): { mbps: number; lossPercent: number } | undefined {
  try {
    const report = JSON.parse(readFileSync(join(shareDir, "iperf3.json"), "utf8")) as {
      end: { sum_received?: { bits_per_second: number; lost_percent: number } };
    };
    const received = report.end.sum_received;
    return received
      ? { mbps: received.bits_per_second / 1e6, lossPercent: received.lost_percent }
      : undefined;
  } catch {
    return undefined;
  }
}

for (let round = 1; round <= rounds; round++) {
  const local = await runLocalBaseline();
  if (local.results) {
    samples.baselineAssoc.push(local.results.assoc_seconds);
    samples.baselineMbps.push(local.results.bits_per_second / 1e6);
  }
  const pair = await runTunnelPair();
  const station = pair.station.results;
  if (station?.assoc_seconds != null) samples.tunnelAssoc.push(station.assoc_seconds);
  if (station?.bits_per_second != null) samples.tunnelMbps.push(station.bits_per_second / 1e6);
  const ethernet = await runEthernetIperf();
  if (ethernet.results?.bits_per_second != null)
    samples.ethernetMbps.push(ethernet.results.bits_per_second / 1e6);
  const udp = await runTunnelPair({ env: { IPERF3_ARGS: `-u -b ${UDP_OFFERED} -l 1400` } });
  const summary = udpSummary(udp.station.vm.shareDir);
  if (summary) {
    samples.udpMbps.push(summary.mbps);
    samples.udpLossPercent.push(summary.lossPercent);
  }
  console.error(`round ${round}/${rounds} done`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)];
};
const m = Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)])) as Record<
  keyof typeof samples,
  number
>;
console.log(`| measure (median of ${rounds}) | reference | two VMs, wifi-tunnel | ratio | goal |`);
console.log("|---|---|---|---|---|");
console.log(
  `| association + 4-way handshake | one VM: ${m.baselineAssoc.toFixed(2)} s | ${m.tunnelAssoc.toFixed(2)} s | ${(m.tunnelAssoc / m.baselineAssoc).toFixed(2)}x | <= 1.5x |`,
);
console.log(
  `| iperf3 TCP throughput | one VM: ${m.baselineMbps.toFixed(1)} Mbit/s | ${m.tunnelMbps.toFixed(2)} Mbit/s | ${(m.tunnelMbps / m.baselineMbps).toFixed(3)} | >= 0.5 |`,
);
console.log(
  `| iperf3 TCP throughput | VM-to-VM Ethernet: ${m.ethernetMbps.toFixed(0)} Mbit/s | ${m.tunnelMbps.toFixed(2)} Mbit/s | ${(m.tunnelMbps / m.ethernetMbps).toFixed(4)} | - |`,
);
console.log(
  `| iperf3 UDP, ${UDP_OFFERED}bit/s offered | - | ${m.udpMbps.toFixed(2)} Mbit/s delivered, ${m.udpLossPercent.toFixed(1)}% lost | - | - |`,
);
