// Builds the fast start-up form of the CLI: one CommonJS file, dist/bundle/wifi-tunnel.cjs, that
// package.json's "bin", the systemd units and the lab run. Why: in a TCG guest reading the host
// root over 9p, resolving and compiling ~90 separate ES modules cost seconds before the agent did
// anything (docs/benchmarks.md, "Start-up"). CommonJS, not ESM, so each command's import() stays a
// lazy, synchronous-cheap init inside the one file and external require()s (the native addons
// pcap, netlink, unix-dgram, which cannot be bundled) run only when their command needs them.
//
//   node scripts/bundle.mjs        (after tsc; `npm run build` runs both)

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const checkout = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles src/cli.ts into `outfile` (relative to the checkout, or absolute). */
export async function bundleCli(outfile = "dist/bundle/wifi-tunnel.cjs") {
  const { version } = JSON.parse(readFileSync(join(checkout, "package.json"), "utf8"));
  await build({
    absWorkingDir: checkout,
    entryPoints: ["src/cli.ts"],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20.19",
    format: "cjs",
    external: ["pcap", "netlink", "unix-dgram"],
    define: { WIFI_TUNNEL_VERSION: JSON.stringify(version) },
    // program.ts reads package.json through import.meta.url only when WIFI_TUNNEL_VERSION is unset.
    logOverride: { "empty-import-meta": "silent" },
    sourcemap: "linked",
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli();
