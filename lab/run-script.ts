// Boots one lab VM, runs a shell script inside it as root, and prints its console and exit status.
//
//   node dist/lab/run-script.js [--radios N] [--timeout SECONDS] [--env NAME=VALUE]... guest-script.sh
//
// Inside, the script can `. "$LAB_GUEST_DIR/prelude.sh"` and call `load_hwsim` for $LAB_RADIOS
// radios (the VM loads nothing by itself); files it writes to /share stay in the run directory
// printed at the end. --env LAB_XTRACE=1 traces a prelude-using script into /share/xtrace.log.

import { parseArgs } from "node:util";
import { labUnavailableReason, Vm } from "./vm.js";

const { values, positionals } = parseArgs({
  options: {
    radios: { type: "string", default: "2" },
    timeout: { type: "string", default: "300" },
    env: { type: "string", multiple: true, default: [] },
  },
  allowPositionals: true,
});
const script = positionals[0];
if (positionals.length !== 1 || script === undefined) {
  console.error("usage: run-script [--radios N] [--timeout SECONDS] [--env NAME=VALUE]... guest-script.sh");
  process.exit(2);
}
const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`run-script: ${unavailable}`);
  process.exit(2);
}

const env = Object.fromEntries(
  values.env.map((assignment) => {
    const equals = assignment.indexOf("=");
    if (equals < 1) {
      console.error(`run-script: --env wants NAME=VALUE, not ${assignment}`);
      process.exit(2);
    }
    return [assignment.slice(0, equals), assignment.slice(equals + 1)];
  }),
);
const vm = Vm.boot(
  { name: "lab", script, radios: Number(values.radios), env },
  { onConsole: (text) => process.stdout.write(text) },
);
const result = await vm.waitForExit(Number(values.timeout) * 1000);
console.log(
  `\nrun-script: exit status ${result.exitStatus ?? "none"}${result.timedOut ? " (timed out)" : ""}, ` +
    `boot to script ${result.bootToScriptMs ?? "-"} ms, total ${result.totalMs} ms`,
);
console.log(`run-script: console log ${result.consoleLog}, share ${result.shareDir}`);
process.exit(result.exitStatus ?? 1);
