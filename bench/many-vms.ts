// Many VMs on one air, everything started at once: for N = 2, 3, 4 VMs (an AP and N-1 stations),
// the one-VM baseline of the same run (the same AP and stations on radios of one kernel), then the
// tunnel lab. Per station: association time (wpa_supplicant start to COMPLETED) and its ratio to the
// baseline's mean, CTRL-EVENT-BEACON-LOSS, ping loss; per agent: CPU seconds and the worst event-loop
// delay. With --paced, also the old order (agents first, the labelled row) for comparison. Then
// the same lab with vwifi 7.1 as the medium (vwifi-ap.sh / vwifi-sta.sh: vwifi-server in the AP's
// VM, a vwifi-client in each), if VWIFI_DIR holds its binaries (scripts/build-vwifi.sh) and
// --no-vwifi is not given; its CPU column is the vwifi processes' CPU seconds per VM.
//
//   npm run build && VWIFI_DIR=/work/vwifi-build node dist/bench/many-vms.js [--runs R] [--paced] [--no-vwifi] [--media=netlink,netlink-thread,monitor] [N ...]
//   (WIFI_TUNNEL_CMD=/path/dist/bundle/wifi-tunnel.cjs picks the agent build the guests run)

import {
  runLocalMany,
  runTunnelLab,
  runVwifiLab,
  type TunnelLab,
  type VwifiLab,
  vwifiDir,
} from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";
import { agentFigures, vwifiCpuSeconds } from "./medium-cpu.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/many-vms: ${unavailable}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
const paced = args.includes("--paced");
const vwifi = args.includes("--no-vwifi") ? undefined : vwifiDir();
if (vwifi === undefined && !args.includes("--no-vwifi"))
  console.error("vwifi: skipped (no binaries; see docs/benchmarks.md)");
/**
 * The agent's hwsim data paths, a row each: --media=netlink,monitor (both by default);
 * netlink-thread is the registered medium on a worker thread of its own (WIFI_TUNNEL_MEDIUM_THREAD=1).
 */
const MEDIA = (args.find((arg) => arg.startsWith("--media="))?.slice("--media=".length) ?? "netlink,monitor")
  .split(",")
  .filter((medium) => medium === "netlink" || medium === "monitor" || medium === "netlink-thread");
const MEDIUM_FLAGS: Readonly<Record<string, Record<string, string>>> = {
  netlink: { AGENT_ARGS: "--medium netlink" },
  monitor: { AGENT_ARGS: "--medium monitor" },
  "netlink-thread": { AGENT_ARGS: "--medium netlink", WIFI_TUNNEL_MEDIUM_THREAD: "1" },
};
const sizes = args.filter((arg, i) => /^\d+$/.test(arg) && args[i - 1] !== "--runs").map(Number);
if (sizes.length === 0) sizes.push(2, 3, 4);

interface Row {
  readonly lab: string;
  readonly vms: number;
  readonly assoc: (number | null)[];
  readonly baselineMean: number | null;
  readonly beaconLoss: number[];
  readonly pingLoss: string[];
  readonly agentCpuS: number[];
  readonly loopMaxMs: string[];
  readonly readyS: (number | null)[];
}

const mean = (values: number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
const fmt = (value: number | null, digits = 1): string => (value === null ? "never" : value.toFixed(digits));

function tunnelRow(label: string, vms: number, lab: TunnelLab, baselineMean: number | null): Row {
  const all = [lab.ap, ...lab.stations];
  return {
    lab: label,
    vms,
    assoc: lab.stations.map((s) => s.results?.assoc_seconds ?? null),
    baselineMean,
    beaconLoss: lab.stations.map((s) => s.results?.beacon_loss ?? Number.NaN),
    pingLoss: lab.stations.map((s) => `${s.results?.ping_received ?? 0}/${s.results?.ping_transmitted ?? 0}`),
    agentCpuS: all.map((vm) => agentFigures(vm.vm.shareDir).cpuS),
    loopMaxMs: all.map((vm) => {
      const { loopMaxMs, stallCpuMaxMs } = agentFigures(vm.vm.shareDir);
      return `${loopMaxMs} (${stallCpuMaxMs})`;
    }),
    readyS: all.map((vm) => vm.results?.agent_ready_seconds ?? null),
  };
}

function vwifiRow(vms: number, lab: VwifiLab, baselineMean: number | null): Row {
  const all = [lab.ap, ...lab.stations];
  return {
    lab: "vwifi 7.1 (server in the AP's VM), started together",
    vms,
    assoc: lab.stations.map((s) => s.results?.assoc_seconds ?? null),
    baselineMean,
    beaconLoss: lab.stations.map((s) => s.results?.beacon_loss ?? Number.NaN),
    pingLoss: lab.stations.map((s) => `${s.results?.ping_received ?? 0}/${s.results?.ping_transmitted ?? 0}`),
    agentCpuS: all.map((vm) => vwifiCpuSeconds(vm.results)),
    loopMaxMs: [],
    readyS: all.map((vm) => vm.results?.client_ready_seconds ?? null),
  };
}

/**
 * Lab knobs passed to the guests from this process's environment: WIFI_TUNNEL_CMD picks the agent
 * build they run (the lab's default otherwise), AGENT_CPU_PROF=1 profiles every agent (a
 * .cpuprofile per thread in its share), WPA_DEBUG=1 logs wpa_supplicant's scans and decisions.
 */
const agentEnv: Record<string, string> = Object.fromEntries(
  ["WIFI_TUNNEL_CMD", "AGENT_CPU_PROF", "WPA_DEBUG"].flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value]];
  }),
);

const rows: Row[] = [];
for (let run = 1; run <= runs; run++) {
  for (const vms of sizes) {
    const stations = vms - 1;
    console.error(`run ${run}/${runs}, ${vms} VMs: one-VM baseline`);
    const baseline = await runLocalMany(stations);
    const baseAssoc = (baseline.results?.stations ?? []).map((s) => s.assoc_seconds);
    const baselineMean = mean(baseAssoc.filter((s): s is number => s !== null));
    rows.push({
      lab: "one-VM hwsim baseline",
      vms,
      assoc: baseAssoc,
      baselineMean,
      beaconLoss: (baseline.results?.stations ?? []).map((s) => s.beacon_loss),
      pingLoss: (baseline.results?.stations ?? []).map((s) => `${s.ping_received}/${s.ping_transmitted}`),
      agentCpuS: [],
      loopMaxMs: [],
      readyS: [],
    });
    for (const medium of MEDIA) {
      const label = medium === "netlink-thread" ? "netlink (medium thread)" : medium;
      const mediumEnv = { ...agentEnv, ...MEDIUM_FLAGS[medium] };
      console.error(`run ${run}/${runs}, ${vms} VMs: wifi-tunnel --medium ${label}, started together`);
      const together = await runTunnelLab({
        stations,
        env: { ...mediumEnv, IPERF3_SECONDS: "3" },
        timeoutMs: 900_000,
      });
      rows.push(tunnelRow(`wifi-tunnel --medium ${label}, started together`, vms, together, baselineMean));
      if (paced) {
        console.error(`run ${run}/${runs}, ${vms} VMs: wifi-tunnel --medium ${medium}, paced (agents first)`);
        const pacedLab = await runTunnelLab({
          stations,
          env: { ...mediumEnv, IPERF3_SECONDS: "3", START_ORDER: "paced" },
          timeoutMs: 900_000,
        });
        rows.push(
          tunnelRow(
            `wifi-tunnel --medium ${medium}, paced (agents first; labelled row)`,
            vms,
            pacedLab,
            baselineMean,
          ),
        );
      }
    }
    if (vwifi !== undefined) {
      console.error(`run ${run}/${runs}, ${vms} VMs: vwifi, started together`);
      const vwifiLab = await runVwifiLab(vwifi, {
        stations,
        env: { IPERF3_SECONDS: "3" },
        timeoutMs: 900_000,
      });
      rows.push(vwifiRow(vms, vwifiLab, baselineMean));
    }
  }
}

console.log(
  "| VMs | lab | association per station (s) | vs baseline | beacon loss | ping AP | medium ready (s) | medium CPU (s) | worst loop delay (own CPU in a stall) (ms) |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const row of rows) {
  const ratios = row.assoc.map((s) =>
    s === null || row.baselineMean === null ? "-" : `${(s / row.baselineMean).toFixed(2)}x`,
  );
  console.log(
    `| ${row.vms} | ${row.lab} | ${row.assoc.map((s) => fmt(s)).join(", ")} | ${row.agentCpuS.length ? ratios.join(", ") : "1"} | ` +
      `${row.beaconLoss.join(", ")} | ${row.pingLoss.join(", ")} | ${row.readyS.map((s) => fmt(s)).join(", ") || "-"} | ` +
      `${row.agentCpuS.map((s) => fmt(s)).join(", ") || "-"} | ${row.loopMaxMs.join(", ") || "-"} |`,
  );
}
console.log(
  "\nmedium ready: per VM (AP first), launch to the agent's \"listening on UDP\" or to vwifi-client's " +
    '"Connection to Server Ok"; medium CPU: per VM, the agent, or vwifi-client (+ vwifi-server in the AP\'s VM); ' +
    "worst loop delay: the agent's loop-delay-max-ms, and in brackets the most CPU it used itself in one stall of 100 ms or more (loop-stall-cpu-max-ms).",
);
