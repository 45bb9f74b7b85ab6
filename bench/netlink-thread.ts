// How long netlink work holds the agent's event loop in a TCG guest, with netlink on the agent's
// thread (the default) and on a worker thread (WIFI_TUNNEL_NETLINK_THREAD=worker): one lab VM runs lab/netlink-probe.ts, alternating the two, and this prints a table of
// the loop's worst lateness per operation. The agent's budget is 20 ms (issue 8).
//
//   npm run build && node dist/bench/netlink-thread.js [ROUNDS]
//
// LAB_VCPUS=2 gives the guest two vCPUs, LAB_KERNEL_ARGS="preempt=full" a fully preemptible kernel.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { guestDir } from "../lab/paths.js";
import { consoleTail } from "../lab/scenarios.js";
import { labUnavailableReason, runVms } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/netlink-thread: ${unavailable}`);
  process.exit(1);
}
const rounds = Number(process.argv[2] ?? 4);
if (!Number.isInteger(rounds) || rounds < 2) {
  console.error("bench/netlink-thread: ROUNDS must be a whole number of at least 2 (each thread gets half)");
  process.exit(2);
}

const [vm] = await runVms(
  [
    {
      name: "netlink-probe",
      script: join(guestDir, "netlink-probe.sh"),
      radios: 1,
      env: { PROBE_ROUNDS: `${rounds}` },
    },
  ],
  { timeoutMs: 120_000 + rounds * 60_000, onConsole: (text) => process.stderr.write(text) },
);
type Held = Record<string, number[]>;
let results: Record<"agent" | "worker", Held>;
try {
  results = JSON.parse(readFileSync(join(vm.shareDir, "netlink-probe.json"), "utf8")) as typeof results;
} catch {
  console.error(`bench/netlink-thread: the guest wrote no netlink-probe.json\n${consoleTail(vm)}`);
  process.exit(1);
}

/** "median (max)" in ms, over every time the operation ran. */
function cell(values: readonly number[]): string {
  if (values.length === 0) return "-";
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[Math.floor(sorted.length / 2)].toFixed(1)} (${sorted.at(-1)?.toFixed(1)})`;
}
console.log(`event loop held during netlink work, TCG guest (1 vCPU), ${rounds} rounds: median (max), ms\n`);
console.log("| operation | netlink on the agent's thread | netlink on a worker thread |");
console.log("|---|---|---|");
for (const step of Object.keys(results.agent))
  console.log(
    `| ${step} (${results.agent[step].length}x) | ${cell(results.agent[step])} | ${cell(results.worker[step])} |`,
  );
