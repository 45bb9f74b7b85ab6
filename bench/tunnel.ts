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
// The agent runs once per hwsim data path (--medium netlink, --medium monitor; --media=netlink picks),
// "netlink-sealed" is the registered medium with --key-file (a key made for the run): what
// authenticating and encrypting every datagram costs in the same VMs (issue 11: at most 10%), and
// "netlink-thread" the registered medium on a worker thread of its own (WIFI_TUNNEL_MEDIUM_THREAD=1),
// "netlink-unbundled" without bundles (WIFI_TUNNEL_BUNDLE_BYTES=0: one UDP datagram per frame, the
// default since the soak failed with them, src/agent/agent.ts), "netlink-bundles" with (8192).
// For each system also the sending station's medium CPU during iperf3 TCP alone, per TCP segment
// sent (1448 bytes; it includes the ACKs that station receives).
// `--build=LABEL:PATH` (repeatable) adds a column: --medium netlink run by another build's command
// (WIFI_TUNNEL_CMD=PATH, e.g. a copy of an older dist/bundle, which must sit two directories below a
// node_modules, as dist/bundle does): A/B of two builds in the same VMs and the same run.
// `--no-udp` leaves out the UDP runs (half the time, for TCP A/Bs). `--ht` makes every lab's AP
// 802.11n (WIFI_MODE=n: HT20 and WMM, as most labs run) instead of the lab's default 802.11g.
//
//   npx tsc -p tsconfig.json && VWIFI_DIR=/work/vwifi-build node dist/bench/tunnel.js [--no-vwifi] [--no-udp] [--ht] [--media=netlink,netlink-sealed,netlink-thread,netlink-unbundled,netlink-bundles,monitor] [--build=LABEL:PATH ...] [--tcp-seconds=N] [ROUNDS]

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { workDir } from "../lab/paths.js";
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

/** The agent's hwsim data paths (--medium), each a column; --media=netlink,netlink-sealed,monitor picks. */
const MEDIA_ARGS: Readonly<Record<string, () => string>> = {
  netlink: () => "--medium netlink",
  "netlink-sealed": () => `--medium netlink --key-file ${benchKeyFile()}`,
  "netlink-thread": () => "--medium netlink",
  "netlink-unbundled": () => "--medium netlink",
  "netlink-bundles": () => "--medium netlink",
  monitor: () => "--medium monitor",
};
/** The agent's environment per column, beside AGENT_ARGS. */
const MEDIA_ENV: Readonly<Record<string, Record<string, string>>> = {
  "netlink-thread": { WIFI_TUNNEL_MEDIUM_THREAD: "1" },
  "netlink-unbundled": { WIFI_TUNNEL_BUNDLE_BYTES: "0" },
  "netlink-bundles": { WIFI_TUNNEL_BUNDLE_BYTES: "8192" },
};
/** What tells columns of the same flags apart in the table's header. */
const COLUMN_NOTES: Readonly<Record<string, string>> = {
  "netlink-thread": " (medium thread)",
  "netlink-unbundled": " (no bundles)",
  "netlink-bundles": " (bundles)",
};
/** iperf3 TCP's length: a 6-second run ends while TCP still opens its window behind the tunnel. */
const TCP_SECONDS =
  args.find((arg) => arg.startsWith("--tcp-seconds="))?.slice("--tcp-seconds=".length) ?? "20";
/** What every lab of the run gets: the AP's mode (--ht). */
const LAB_ENV: Record<string, string> = args.includes("--ht") ? { WIFI_MODE: "n" } : {};
const TCP_ENV = { ...LAB_ENV, IPERF3_SECONDS: TCP_SECONDS };
const MEDIA = (
  args.find((arg) => arg.startsWith("--media="))?.slice("--media=".length) ?? "netlink,netlink-sealed,monitor"
)
  .split(",")
  .filter((medium) => medium in MEDIA_ARGS);
/** --build=LABEL:PATH columns, keyed "build:LABEL": the registered medium as another build runs it. */
const BUILDS = new Map<string, string>(
  args
    .filter((arg) => arg.startsWith("--build="))
    .map((arg) => {
      const spec = arg.slice("--build=".length);
      const colon = spec.indexOf(":");
      if (colon <= 0 || colon === spec.length - 1) {
        console.error(`bench/tunnel: ${arg} is not --build=LABEL:PATH (PATH: a wifi-tunnel.cjs)`);
        process.exit(2);
      }
      return [`build:${spec.slice(0, colon)}`, spec.slice(colon + 1)];
    }),
);
const WITH_UDP = !args.includes("--no-udp");
const columnArgs = (medium: string): string =>
  BUILDS.has(medium) ? "--medium netlink" : (MEDIA_ARGS[medium]?.() ?? "");
const columnEnv = (medium: string): Record<string, string> => {
  const build = BUILDS.get(medium);
  return build === undefined ? (MEDIA_ENV[medium] ?? {}) : { WIFI_TUNNEL_CMD: build };
};

/** A fresh pre-shared key for this run, where the guests see it (they mount the host's root). */
let keyFile: string | undefined;
function benchKeyFile(): string {
  if (keyFile === undefined) {
    mkdirSync(workDir, { recursive: true });
    keyFile = join(workDir, "bench-tunnel.key");
    writeFileSync(keyFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  }
  return keyFile;
}

interface SystemSamples {
  assoc: number[];
  mbps: number[];
  /** TCP over the run's second half, from the sender's per-second report (lateTcpMbps). */
  lateMbps: number[];
  udpMbps: number[];
  udpLossPercent: number[];
  cpuS: number[];
  /** µs of the sending station's medium CPU per TCP segment during iperf3. */
  usPerSegment: number[];
}
const systemSamples = (): SystemSamples => ({
  assoc: [],
  mbps: [],
  lateMbps: [],
  udpMbps: [],
  udpLossPercent: [],
  cpuS: [],
  usPerSegment: [],
});
const TCP_SEGMENT_BYTES = 1448;
function addCpuPerSegment(
  samples: SystemSamples,
  station: { medium_cpu_iperf_seconds: number | null; iperf_bytes: number | null } | undefined,
): void {
  if (station?.medium_cpu_iperf_seconds == null || !station.iperf_bytes) return;
  samples.usPerSegment.push(
    (station.medium_cpu_iperf_seconds * 1e6) / (station.iperf_bytes / TCP_SEGMENT_BYTES),
  );
}
const tunnels = new Map([...MEDIA, ...BUILDS.keys()].map((medium) => [medium, systemSamples()]));
const vwifiSamples = systemSamples();
const baseline = { assoc: [] as number[], mbps: [] as number[] };
const ethernetMbps: number[] = [];
const UDP_ARGS = { ...LAB_ENV, IPERF3_ARGS: `-u -b ${UDP_OFFERED} -l 1400` };
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * TCP over the second half of the run, from the sending station's per-second intervals: over the
 * tunnel the first 8-10 s of a flow carry 1-4 Mbit/s (the sender's small-queue limit in a guest
 * whose vCPU is full, not its window: docs/benchmarks.md, session 14), so the whole run's average
 * says more about the ramp than about what the tunnel carries once it runs. The sender's seconds come in 128 KB writes (0, 10.5, 21.0
 * Mbit/s in a TCG guest); ten of them average that out.
 */
function lateTcpMbps(shareDir: string): number | undefined {
  try {
    const report = JSON.parse(readFileSync(join(shareDir, "iperf3.json"), "utf8")) as {
      intervals?: { sum: { start: number; seconds: number; bytes: number } }[];
    };
    const late = (report.intervals ?? []).filter((i) => i.sum.start >= Number(TCP_SECONDS) / 2);
    const seconds = sum(late.map((i) => i.sum.seconds));
    return seconds > 0 ? (8 * sum(late.map((i) => i.sum.bytes))) / seconds / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

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
  const local = await runLocalBaseline({ env: LAB_ENV });
  if (local.results) {
    baseline.assoc.push(local.results.assoc_seconds);
    baseline.mbps.push(local.results.bits_per_second / 1e6);
  }
  for (const [medium, samples] of tunnels) {
    const agentArgs = { AGENT_ARGS: columnArgs(medium), ...columnEnv(medium) };
    const pair = await runTunnelPair({ env: { ...agentArgs, ...TCP_ENV } });
    const station = pair.station.results;
    addCpuPerSegment(samples, station);
    if (station?.assoc_seconds != null) samples.assoc.push(station.assoc_seconds);
    if (station?.bits_per_second != null) samples.mbps.push(station.bits_per_second / 1e6);
    const late = lateTcpMbps(pair.station.vm.shareDir);
    if (late !== undefined) samples.lateMbps.push(late);
    const cpu = sum([pair.ap, pair.station].map((vm) => agentFigures(vm.vm.shareDir).cpuS));
    if (!Number.isNaN(cpu)) samples.cpuS.push(cpu);
    if (!WITH_UDP) continue;
    const udp = await runTunnelPair({ env: { ...UDP_ARGS, ...agentArgs } });
    const summary = udpSummary(udp.station.vm.shareDir);
    if (summary) {
      samples.udpMbps.push(summary.mbps);
      samples.udpLossPercent.push(summary.lossPercent);
    }
  }
  const ethernet = await runEthernetIperf();
  if (ethernet.results?.bits_per_second != null) ethernetMbps.push(ethernet.results.bits_per_second / 1e6);
  if (vwifi !== undefined) {
    const lab = await runVwifiLab(vwifi, { env: TCP_ENV });
    const vwifiStation = lab.stations[0].results;
    addCpuPerSegment(vwifiSamples, vwifiStation);
    if (vwifiStation?.assoc_seconds != null) vwifiSamples.assoc.push(vwifiStation.assoc_seconds);
    if (vwifiStation?.bits_per_second != null) vwifiSamples.mbps.push(vwifiStation.bits_per_second / 1e6);
    const vwifiLate = lateTcpMbps(lab.stations[0].vm.shareDir);
    if (vwifiLate !== undefined) vwifiSamples.lateMbps.push(vwifiLate);
    const vwifiCpu = sum([lab.ap, ...lab.stations].map((vm) => vwifiCpuSeconds(vm.results)));
    if (!Number.isNaN(vwifiCpu)) vwifiSamples.cpuS.push(vwifiCpu);
    if (WITH_UDP) {
      const vwifiUdp = await runVwifiLab(vwifi, { env: UDP_ARGS });
      const vwifiSummary = udpSummary(vwifiUdp.stations[0].vm.shareDir);
      if (vwifiSummary) {
        vwifiSamples.udpMbps.push(vwifiSummary.mbps);
        vwifiSamples.udpLossPercent.push(vwifiSummary.lossPercent);
      }
    }
  }
  console.error(`round ${round}/${rounds} done`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)];
};
const vs = (value: number, reference: number, digits: number, unit = ""): string =>
  Number.isNaN(value) || Number.isNaN(reference) ? "-" : `${(value / reference).toFixed(digits)}${unit}`;
const medians = (samples: SystemSamples) => ({
  assoc: median(samples.assoc),
  mbps: median(samples.mbps),
  lateMbps: median(samples.lateMbps),
  udpMbps: median(samples.udpMbps),
  udpLossPercent: median(samples.udpLossPercent),
  cpuS: median(samples.cpuS),
  usPerSegment: median(samples.usPerSegment),
});
const base = { assoc: median(baseline.assoc), mbps: median(baseline.mbps), ethernet: median(ethernetMbps) };
const columns: { label: string; m: ReturnType<typeof medians> | null; cpuOf: string }[] = [
  ...[...tunnels].map(([medium, samples]) => ({
    label: BUILDS.has(medium)
      ? `wifi-tunnel --medium netlink (build ${medium.slice("build:".length)})`
      : `wifi-tunnel ${MEDIA_ARGS[medium]?.().replace(/--key-file \S+/, "--key-file") ?? medium}${COLUMN_NOTES[medium] ?? ""}`,
    m: medians(samples),
    cpuOf: "agents",
  })),
  { label: "vwifi 7.1", m: vwifi === undefined ? null : medians(vwifiSamples), cpuOf: "clients + server" },
];
const cells = (cell: (m: ReturnType<typeof medians>) => string): string =>
  columns.map((column) => (column.m === null ? "skipped" : cell(column.m))).join(" | ");
console.log(
  `| measure (median of ${rounds}; two VMs${LAB_ENV.WIFI_MODE === "n" ? ", 802.11n" : ""}) | reference | ${columns.map((c) => c.label).join(" | ")} |`,
);
console.log(`|---|---|${columns.map(() => "---").join("|")}|`);
console.log(
  `| association + 4-way handshake | one VM: ${base.assoc.toFixed(2)} s | ${cells((m) => `${m.assoc.toFixed(2)} s (${vs(m.assoc, base.assoc, 2, "x")})`)} |`,
);
console.log(
  `| iperf3 TCP (${TCP_SECONDS} s) | one VM: ${base.mbps.toFixed(1)} Mbit/s | ${cells((m) => `${m.mbps.toFixed(2)} Mbit/s (${vs(m.mbps, base.mbps, 3)})`)} |`,
);
console.log(
  `| iperf3 TCP, the run's second half (sender's report) | - | ${cells((m) => (Number.isNaN(m.lateMbps) ? "-" : `${m.lateMbps.toFixed(2)} Mbit/s`))} |`,
);
console.log(
  `| iperf3 TCP vs. the VMs' Ethernet | ${base.ethernet.toFixed(0)} Mbit/s | ${cells((m) => vs(m.mbps, base.ethernet, 4))} |`,
);
console.log(
  `| iperf3 UDP, ${UDP_OFFERED}bit/s offered | - | ${cells((m) => (Number.isNaN(m.udpMbps) ? "-" : `${m.udpMbps.toFixed(2)} Mbit/s, ${m.udpLossPercent.toFixed(1)}% lost`))} |`,
);
console.log(
  `| medium CPU, both VMs, whole TCP run | - | ${columns.map((c) => (c.m === null ? "skipped" : `${c.m.cpuS.toFixed(1)} s (${c.cpuOf})`)).join(" | ")} |`,
);
console.log(
  `| sending station's medium CPU per TCP segment, iperf3 | - | ${cells((m) => (Number.isNaN(m.usPerSegment) ? "-" : `${m.usPerSegment.toFixed(0)} µs`))} |`,
);
const vwifiColumn = columns.at(-1)?.m;
if (vwifiColumn)
  for (const [medium, samples] of tunnels) {
    const t = medians(samples);
    console.log(
      `wifi-tunnel ${medium} / vwifi: association ${vs(t.assoc, vwifiColumn.assoc, 2, "x")}, TCP ${vs(t.mbps, vwifiColumn.mbps, 2, "x")}, ` +
        `UDP delivered ${vs(t.udpMbps, vwifiColumn.udpMbps, 2, "x")}, CPU ${vs(t.cpuS, vwifiColumn.cpuS, 2, "x")}, ` +
        `CPU per segment ${vs(t.usPerSegment, vwifiColumn.usPerSegment, 2, "x")}`,
    );
  }
const unsealed = tunnels.get("netlink");
const sealed = tunnels.get("netlink-sealed");
if (unsealed && sealed) {
  const [u, k] = [medians(unsealed), medians(sealed)];
  console.log(
    `--key-file / unsealed (netlink): association ${vs(k.assoc, u.assoc, 2, "x")}, TCP ${vs(k.mbps, u.mbps, 2, "x")}, ` +
      `UDP delivered ${vs(k.udpMbps, u.udpMbps, 2, "x")}, CPU ${vs(k.cpuS, u.cpuS, 2, "x")}`,
  );
}
