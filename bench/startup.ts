// Exec-to-ready of the agent in a TCG guest: one lab VM (1 vCPU, host root over 9p, one hwsim
// radio) runs each start-up form of the CLI several times, round-robin, and this prints a table.
// Ready is the agent's READY=1 on $NOTIFY_SOCKET, as systemd sees it (lab/startup-probe.ts).
//
//   npm run build && node dist/bench/startup.js [RUNS] [--old COMMIT] [--quick]
//
// --old COMMIT also measures that commit's tsc build (checked out and compiled under .vm-work/),
// e.g. the last one before the bundle. The first run of each form is the cold one (nothing in the
// guest's page cache yet); the median is over the others.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { checkoutDir, guestDir, workDir } from "../lab/paths.js";
import { consoleTail } from "../lab/scenarios.js";
import { labUnavailableReason, runVms } from "../lab/vm.js";

interface Run {
  readonly readyMs: number | null;
  readonly listeningMs: number | null;
  readonly exitMs: number | null;
  readonly firstLine: string;
}

const { values, positionals } = parseArgs({
  options: { old: { type: "string" }, quick: { type: "boolean", default: false } },
  allowPositionals: true,
});
const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/startup: ${unavailable}`);
  process.exit(1);
}
const runs = Number(positionals[0] ?? 5);
if (!Number.isInteger(runs) || runs < 2) {
  console.error("bench/startup: RUNS must be a whole number of at least 2 (the first run is the cold one)");
  process.exit(2);
}
const bundle = join(checkoutDir, "dist", "bundle", "wifi-tunnel.cjs");
if (!existsSync(bundle)) {
  console.error(`bench/startup: ${bundle} is missing; run 'node scripts/bundle.mjs' first`);
  process.exit(1);
}
// The bundle with netlink's and pcap's JavaScript left in node_modules, for comparison.
const externalDir = join(workDir, "startup-external");
// scripts/ is not compiled into dist/: load the bundler from the checkout.
const { bundleCli, buildSnapshot }: typeof import("../scripts/bundle.mjs") = await import(
  pathToFileURL(join(checkoutDir, "scripts", "bundle.mjs")).href
);
await bundleCli({ outdir: externalDir, addonJs: "external" });
const snapshot = await buildSnapshot(join(checkoutDir, "dist", "bundle"), join(workDir, "startup-snapshot"));

/** That commit's sources compiled with tsc under .vm-work/startup-old/, sharing node_modules. */
function buildOld(commit: string): string {
  const dir = join(workDir, "startup-old");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync("git", [
    "-C",
    checkoutDir,
    "archive",
    commit,
    "src",
    "package.json",
    "tsconfig.json",
  ]);
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  symlinkSync(join(checkoutDir, "node_modules"), join(dir, "node_modules"));
  execFileSync("npx", ["tsc", "-p", "tsconfig.json", "--outDir", "dist"], { cwd: dir, stdio: "inherit" });
  return join(dir, "dist", "src", "cli.js");
}

const agentArgs = "--peer 127.0.0.1:8212 --listen 127.0.0.1:8211 --iface hwsim0 --unique-macs";
const variants: [string, string][] = [["node -e 0", "node -e 0"]];
if (values.old !== undefined)
  variants.push([`tsc build of ${values.old}`, `node ${buildOld(values.old)} ${agentArgs}`]);
// --quick: only the forms that matter for the target, so more runs fit in a quiet spell of the host.
if (!values.quick) {
  variants.push(
    ["tsc build (dist/src/cli.js)", `node ${join(checkoutDir, "dist", "src", "cli.js")} ${agentArgs}`],
    [
      "bundle + code cache, netlink/pcap JS from node_modules",
      `${join(externalDir, "wifi-tunnel.cjs")} ${agentArgs}`,
    ],
  );
}
variants.push(
  ["bundle, no code cache", `env WIFI_TUNNEL_CODE_CACHE=0 ${bundle} ${agentArgs}`],
  ["bundle + code cache (the shipped bin, run as a command)", `${bundle} ${agentArgs}`],
);
if (!values.quick)
  variants.push(["bundle as a start-up snapshot", `node --snapshot-blob ${snapshot} -- ${agentArgs}`]);

const [vm] = await runVms(
  [
    {
      name: "startup",
      script: join(guestDir, "startup.sh"),
      radios: 1,
      env: {
        STARTUP_RUNS: `${runs}`,
        // Names may not contain '=' or '|': the guest splits on them.
        STARTUP_VARIANTS: variants
          .map(([name, command]) => `${name.replace(/[=|]/g, "")}=${command}`)
          .join("|"),
      },
    },
  ],
  { timeoutMs: 60_000 + runs * variants.length * 60_000, onConsole: (text) => process.stderr.write(text) },
);
let results: Record<string, Run[]>;
try {
  results = JSON.parse(readFileSync(join(vm.shareDir, "startup.json"), "utf8")) as Record<string, Run[]>;
} catch {
  console.error(`bench/startup: the guest wrote no startup.json\n${consoleTail(vm)}`);
  process.exit(1);
}

const seconds = (ms: number | null | undefined): string => (ms == null ? "-" : (ms / 1000).toFixed(2));
/** "first / median of the rest (min-max)" of one measure over a variant's runs. */
function cell(list: readonly Run[], pick: (run: Run) => number | null): string {
  if (list.every((run) => pick(run) === null)) return "-";
  const warm = list
    .slice(1)
    .map(pick)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)];
  return `${seconds(pick(list[0]))} / ${seconds(median)} (${seconds(warm[0])}-${seconds(warm.at(-1))})`;
}
console.log(
  `exec to ready in a TCG guest (1 vCPU), ${runs} runs each: first (cold) / median of the rest (min-max), seconds\n`,
);
console.log('| command | READY=1 | "listening on UDP" | exit |');
console.log("|---|---|---|---|");
for (const [name, list] of Object.entries(results)) {
  console.log(
    `| ${name} | ${cell(list, (run) => run.readyMs)} | ${cell(list, (run) => run.listeningMs)} | ${cell(list, (run) => run.exitMs)} |`,
  );
}
const firstLine = Object.values(results)
  .flat()
  .find((run) => run.firstLine.includes("ready in"))?.firstLine;
if (firstLine) console.log(`\nfirst log line of a run: ${firstLine}`);
