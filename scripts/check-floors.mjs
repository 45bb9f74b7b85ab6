#!/usr/bin/env node
// The floors of src/ (issue 10), checked on every lint: lower rooms never import higher ones, and
// native addons are imported only at the OS edge. A wrong import is one line naming the file, the
// import and the rule; the exit status is 1.
//
//   floor 0  src/ieee80211 src/radiotap src/capture-file src/medium src/result.ts src/log.ts
//   floor 1  src/tunnel src/airport src/inspect src/os      (may use floor 0)
//   floor 2  src/agent                                     (may use floors 0-1)
//   floor 3  src/cli src/cli.ts                            (the composition root: anything)

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const src = join(root, "src");

const FLOORS = [
  { floor: 0, rooms: ["ieee80211", "radiotap", "capture-file", "medium", "result.ts", "log.ts"] },
  { floor: 1, rooms: ["tunnel", "airport", "inspect", "os"] },
  { floor: 2, rooms: ["agent"] },
  { floor: 3, rooms: ["cli", "cli.ts"] },
];
/** npm packages with native code: only src/os may load them. */
const NATIVE = new Set(["pcap", "netlink", "unix-dgram"]);

function roomOf(path) {
  const first = relative(src, path).split("/")[0];
  for (const { floor, rooms } of FLOORS) if (rooms.includes(first)) return { room: first, floor };
  return null;
}

function* sources(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.(ts|mts|cts)$/.test(entry) && !entry.endsWith(".d.ts")) yield path;
  }
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const problems = [];
for (const file of sources(src)) {
  const from = roomOf(file);
  if (from === null) {
    problems.push(`${relative(root, file)}: not in any floor; add its folder to scripts/check-floors.mjs`);
    continue;
  }
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (specifier.startsWith(".")) {
      const target = roomOf(resolve(dirname(file), specifier));
      if (target !== null && target.floor > from.floor)
        problems.push(
          `${relative(root, file)}: imports ${specifier}: ${from.room} (floor ${from.floor}) must not import ${target.room} (floor ${target.floor})`,
        );
    } else if (NATIVE.has(specifier.split("/")[0]) && from.room !== "os") {
      problems.push(`${relative(root, file)}: imports the native addon ${specifier}: only src/os may`);
    }
  }
}
for (const problem of problems) console.error(`check-floors: ${problem}`);
if (problems.length === 0) console.log("check-floors: every import respects its floor");
process.exit(problems.length === 0 ? 0 : 1);
