// 802.11s mesh (lab/guest/mesh.sh: the open mesh of `iw mesh join`, wpa_supplicant's SAE mesh
// with the lab's 1 s peering timers, and with wpa_supplicant's default ones) across three VMs
// joined by the agents, beside the same three nodes in one VM with three radios and no tunnel (the
// baseline). Per case: the time from each node's launch to the first answer of each other node (6
// pairs), 10 pings per pair (answered, round trips), and the ESTAB peer links. One boot of each
// per run; runs one after the other. AGENT_ARGS is passed to every agent and labels the rows.
//
//   npm run build && node dist/bench/mesh.js [RUNS]
//   AGENT_ARGS="--medium netlink" node dist/bench/mesh.js

import {
  MESH_CASES,
  type MeshCase,
  type MeshCaseResult,
  runLocalMesh,
  runMeshLab,
} from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/mesh: ${unavailable}`);
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 1);
const CASES: readonly MeshCase[] = [...MESH_CASES, "sae-defaults"];
const agentArgs = process.env.AGENT_ARGS ?? "";
const env: Record<string, string> = agentArgs ? { AGENT_ARGS: agentArgs } : {};

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value: number | null) => (value === null ? "never" : value.toFixed(1));

function row(where: string, meshCase: string, results: readonly MeshCaseResult[]): string {
  const entries = results
    .filter((c) => c.case === meshCase)
    .sort((a, b) => a.node - b.node)
    .flatMap((c) => c.pairs.map((p) => ({ from: c.node, ...p })));
  const firsts = entries.map((e) => e.first_ping_seconds).filter((s): s is number => s !== null);
  const perPair = entries.map((e) => `${e.from}→${e.peer} ${fmt(e.first_ping_seconds)}`).join(", ");
  const answered = entries.reduce((sum, e) => sum + e.ping_received, 0);
  const sent = entries.reduce((sum, e) => sum + e.ping_transmitted, 0);
  const links = results.filter((c) => c.case === meshCase).reduce((sum, c) => sum + c.estab_peers.length, 0);
  const worst = firsts.length === entries.length && firsts.length > 0 ? Math.max(...firsts) : null;
  const avgs = entries.map((e) => e.rtt_avg_ms).filter((ms): ms is number => ms !== null);
  const maxes = entries.map((e) => e.rtt_max_ms).filter((ms): ms is number => ms !== null);
  const rtt =
    avgs.length === 0
      ? "-"
      : `${(avgs.reduce((a, b) => a + b, 0) / avgs.length).toFixed(0)} / ${Math.max(...maxes).toFixed(0)}`;
  return `| ${meshCase} | ${where} | ${perPair} | ${fmt(median(firsts))} | ${fmt(worst)} | ${answered}/${sent} | ${rtt} | ${links}/6 |`;
}

console.log(
  "| case | where | launch to first ping answered, per pair (s) | median | worst | pings answered | RTT mean of the pairs' averages / max (ms) | ESTAB links |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (let run = 1; run <= runs; run++) {
  const local = await runLocalMesh({ cases: CASES, timeoutMs: 600_000 });
  const tunnel = await runMeshLab({ cases: CASES, env, timeoutMs: 900_000 });
  const tunnelResults = tunnel.flatMap((node) => node.results?.cases ?? []);
  const label = `three VMs, tunnel${agentArgs ? ` (${agentArgs})` : ""}`;
  for (const meshCase of CASES) {
    console.log(row("one VM, three radios", meshCase, local.results?.cases ?? []));
    console.log(row(label, meshCase, tunnelResults));
  }
  const exits = tunnel.map((node) => node.results?.agent_exit_code ?? "none").join(", ");
  console.error(
    `run ${run}/${runs} done: agents exited ${exits} (${tunnel.map((n) => n.vm.shareDir).join(" ")})`,
  );
}
