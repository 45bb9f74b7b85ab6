// The agent end to end, side by side with what hwsim and the VM link do on their own, in one run on
// one machine (shared and noisy: compare the ratios, not the absolute figures):
//   (a) wpa_supplicant start → wpa_state=COMPLETED over the tunnel vs. both radios in one VM;
//   (b) iperf3 TCP throughput over the tunnel vs. that one-VM baseline (the radios' own ceiling)
//       and vs. the two VMs' Ethernet link alone (the carrier's ceiling);
//   (c) iperf3 UDP offered at 20 Mbit/s over the tunnel: what the agents deliver when TCP's
//       congestion control is out of the picture, and how much is lost.
// (d) the same two VMs with vwifi 7.1 as the medium instead (vwifi-ap.sh / vwifi-sta.sh:
//       vwifi-server in the AP's VM, a vwifi-client in each): association, TCP, UDP, if VWIFI_DIR
//       holds its binaries (scripts/build-vwifi.sh) and --no-vwifi is not given.
// Also the CPU seconds of each system's processes in both VMs over the whole TCP run (association,
// pings, iperf3). Runs alternate the scenarios ROUNDS times so load drifts hit all alike.
//
//   npx tsc -p tsconfig.json && VWIFI_DIR=/work/vwifi-build node dist/bench/tunnel.js [--no-vwifi] [ROUNDS]

import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  runEthernetIperf,
  runLocalBaseline,
  runTunnelPair,
  runVwifiLab,
  vwifiDir,
} from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";
import { agentFigures, vwifiCpuSeconds } from "./medium-cpu.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/tunnel: ${unavailable}`);
  process.exit(1);
}
const args = process.argv.slice(2);
const rounds = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 1);
const vwifi = args.includes("--no-vwifi") ? undefined : vwifiDir();
if (vwifi === undefined && !args.includes("--no-vwifi"))
  console.error("vwifi: skipped (no binaries; see docs/benchmarks.md)");
const UDP_OFFERED = "20M";

const samples = {
  baselineAssoc: [] as number[],
  baselineMbps: [] as number[],
  tunnelAssoc: [] as number[],
  tunnelMbps: [] as number[],
  ethernetMbps: [] as number[],
  udpMbps: [] as number[],
  udpLossPercent: [] as number[],
  tunnelCpuS: [] as number[],
  vwifiAssoc: [] as number[],
  vwifiMbps: [] as number[],
  vwifiUdpMbps: [] as number[],
  vwifiUdpLossPercent: [] as number[],
  vwifiCpuS: [] as number[],
};
const UDP_ARGS = { IPERF3_ARGS: `-u -b ${UDP_OFFERED} -l 1400` };
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * iperf3's UDP summary: what the server received, and the share of the datagrams the client sent
 * that never arrived. (The server's own lost_percent counts only gaps before the last datagram it
 * saw: in one run it received 107 of 866 and reported 0% lost.)
 */
function udpSummary(shareDir: string): { mbps: number; lossPercent: number } | undefined {
  interface Sum {
    bits_per_second: number;
    packets: number;
    lost_packets: number;
  }
  try {
    const report = JSON.parse(readFileSync(join(shareDir, "iperf3.json"), "utf8")) as {
      end: { sum_sent?: Sum; sum_received?: Sum };
    };
    const { sum_sent: sent, sum_received: received } = report.end;
    if (!sent || !received || sent.packets === 0) return undefined;
    const arrived = received.packets - received.lost_packets;
    return { mbps: received.bits_per_second / 1e6, lossPercent: 100 * (1 - arrived / sent.packets) };
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
  const tunnelCpu = sum([pair.ap, pair.station].map((vm) => agentFigures(vm.vm.shareDir).cpuS));
  if (!Number.isNaN(tunnelCpu)) samples.tunnelCpuS.push(tunnelCpu);
  const ethernet = await runEthernetIperf();
  if (ethernet.results?.bits_per_second != null)
    samples.ethernetMbps.push(ethernet.results.bits_per_second / 1e6);
  const udp = await runTunnelPair({ env: UDP_ARGS });
  const summary = udpSummary(udp.station.vm.shareDir);
  if (summary) {
    samples.udpMbps.push(summary.mbps);
    samples.udpLossPercent.push(summary.lossPercent);
  }
  if (vwifi !== undefined) {
    const lab = await runVwifiLab(vwifi);
    const vwifiStation = lab.stations[0].results;
    if (vwifiStation?.assoc_seconds != null) samples.vwifiAssoc.push(vwifiStation.assoc_seconds);
    if (vwifiStation?.bits_per_second != null) samples.vwifiMbps.push(vwifiStation.bits_per_second / 1e6);
    const vwifiCpu = sum([lab.ap, ...lab.stations].map((vm) => vwifiCpuSeconds(vm.results)));
    if (!Number.isNaN(vwifiCpu)) samples.vwifiCpuS.push(vwifiCpu);
    const vwifiUdp = await runVwifiLab(vwifi, { env: UDP_ARGS });
    const vwifiSummary = udpSummary(vwifiUdp.stations[0].vm.shareDir);
    if (vwifiSummary) {
      samples.vwifiUdpMbps.push(vwifiSummary.mbps);
      samples.vwifiUdpLossPercent.push(vwifiSummary.lossPercent);
    }
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
const vs = (value: number, reference: number, digits: number, unit = ""): string =>
  Number.isNaN(value) || Number.isNaN(reference) ? "-" : `${(value / reference).toFixed(digits)}${unit}`;
const vwifiCells = (cell: string, ratio: string): string =>
  vwifi === undefined ? "skipped | -" : `${cell} | ${ratio}`;
console.log(
  `| measure (median of ${rounds}) | reference | two VMs, wifi-tunnel | ratio | two VMs, vwifi 7.1 | ratio | goal |`,
);
console.log("|---|---|---|---|---|---|---|");
console.log(
  `| association + 4-way handshake | one VM: ${m.baselineAssoc.toFixed(2)} s | ${m.tunnelAssoc.toFixed(2)} s | ${vs(m.tunnelAssoc, m.baselineAssoc, 2, "x")} | ` +
    `${vwifiCells(`${m.vwifiAssoc.toFixed(2)} s`, `${vs(m.vwifiAssoc, m.baselineAssoc, 2, "x")}`)} | <= 1.5x |`,
);
console.log(
  `| iperf3 TCP throughput | one VM: ${m.baselineMbps.toFixed(1)} Mbit/s | ${m.tunnelMbps.toFixed(2)} Mbit/s | ${vs(m.tunnelMbps, m.baselineMbps, 3)} | ` +
    `${vwifiCells(`${m.vwifiMbps.toFixed(2)} Mbit/s`, vs(m.vwifiMbps, m.baselineMbps, 3))} | >= 0.5 |`,
);
console.log(
  `| iperf3 TCP throughput | VM-to-VM Ethernet: ${m.ethernetMbps.toFixed(0)} Mbit/s | ${m.tunnelMbps.toFixed(2)} Mbit/s | ${vs(m.tunnelMbps, m.ethernetMbps, 4)} | ` +
    `${vwifiCells(`${m.vwifiMbps.toFixed(2)} Mbit/s`, vs(m.vwifiMbps, m.ethernetMbps, 4))} | - |`,
);
console.log(
  `| iperf3 UDP, ${UDP_OFFERED}bit/s offered | - | ${m.udpMbps.toFixed(2)} Mbit/s delivered, ${m.udpLossPercent.toFixed(1)}% lost | - | ` +
    `${vwifiCells(`${m.vwifiUdpMbps.toFixed(2)} Mbit/s delivered, ${m.vwifiUdpLossPercent.toFixed(1)}% lost`, "-")} | - |`,
);
console.log(
  `| medium CPU, both VMs, whole TCP run | - | ${m.tunnelCpuS.toFixed(1)} s (agents) | - | ` +
    `${vwifiCells(`${m.vwifiCpuS.toFixed(1)} s (clients + server)`, "-")} | - |`,
);
if (vwifi !== undefined)
  console.log(
    `\nwifi-tunnel / vwifi: association ${vs(m.tunnelAssoc, m.vwifiAssoc, 2, "x")}, TCP ${vs(m.tunnelMbps, m.vwifiMbps, 2, "x")}, ` +
      `UDP delivered ${vs(m.udpMbps, m.vwifiUdpMbps, 2, "x")}, CPU ${vs(m.tunnelCpuS, m.vwifiCpuS, 2, "x")}`,
  );
