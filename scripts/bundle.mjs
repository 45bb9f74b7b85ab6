// Builds the fast start-up form of the CLI into dist/bundle/: cli.cjs, one CommonJS file with all
// of wifi-tunnel and the JavaScript of its dependencies, and wifi-tunnel.cjs, the command that
// package.json's "bin", the systemd units and the lab run. Why: in a TCG guest reading the host
// root over 9p, resolving and compiling ~90 ES modules and netlink's and pcap's ~45 files cost
// seconds before the agent did anything (docs/benchmarks.md, "Start-up").
//
// - CommonJS, not ESM: each command's import() becomes a lazy init inside the one file, and the
//   native addons (pcap, netlink, unix-dgram: their .node files cannot be bundled) are require()d
//   from ../../node_modules only when their command runs.
// - wifi-tunnel.cjs compiles cli.cjs with V8's code cache (cli.cjs.cache), made here by running
//   the bundled agent once (--iface none, airport on a scratch socket): functions compiled in that
//   run are deserialized instead of parsed and compiled at start-up. A cache V8 rejects (another
//   Node) is ignored and the source compiled as usual.
//
//   node scripts/bundle.mjs        (after tsc; `npm run build` runs both)

import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const checkout = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The addons' .node files stay outside the bundle: require them relative to it, by their real path. */
function nativeAddons(outdir) {
  const fromBundle = (path) => relative(outdir, join(checkout, "node_modules", path));
  return {
    name: "native-addons",
    setup(builder) {
      // pcap.js: require("./build/Release/pcap_binding")
      builder.onResolve({ filter: /\/pcap_binding$/ }, () => ({
        path: `./${fromBundle("pcap/build/Release/pcap_binding.node")}`,
        external: true,
      }));
      // The paths written below are relative to the bundle already: keep them as they are.
      builder.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, external: true }));
      // netlink's raw.js finds its prebuilt addon from its own directory.
      builder.onLoad({ filter: /netlink[/\\]dist[/\\]raw\.js$/ }, (args) => ({
        contents: readFileSync(args.path, "utf8").replace(
          "__dirname + '/..'",
          `require("node:path").join(__dirname, ${JSON.stringify(fromBundle("netlink"))})`,
        ),
        loader: "js",
      }));
      // unix-dgram finds its addon through 'bindings', which walks the caller's stack and tries a
      // dozen paths; name the one node-gyp builds instead.
      builder.onLoad({ filter: /unix-dgram[/\\]lib[/\\]unix_dgram\.js$/ }, (args) => ({
        contents: readFileSync(args.path, "utf8").replace(
          "require('bindings')('unix_dgram.node')",
          `require(${JSON.stringify(`./${fromBundle("unix-dgram/build/Release/unix_dgram.node")}`)})`,
        ),
        loader: "js",
      }));
    },
  };
}

/**
 * The Node flags of the command, in its #! line and wherever the code cache is written: V8 rejects
 * a cache made under other flags (measured: made without --max-semi-space-size=1, it was rejected
 * under it, and the agent took 22-41 s to start in a TCG guest instead of ~2).
 */
const NODE_FLAGS = ["--max-semi-space-size=1"];

const LOADER = `#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}
// wifi-tunnel's command: runs cli.cjs (the bundled CLI) from V8's code cache when it has one.
// Made by scripts/bundle.mjs; WIFI_TUNNEL_WRITE_CODE_CACHE=1 rewrites the cache at exit.
// --max-semi-space-size=1 caps the main isolate's young generation, which otherwise grows under a
// steady frame rate: the ten-minute soak's RSS grew 24-27% after the first minute by default and
// 2.5-8.7% capped, at the same throughput (docs/benchmarks.md). Only the command line can set it.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const file = join(__dirname, "cli.cjs");
const cacheFile = join(__dirname, "cli.cjs.cache");
let cachedData;
if (process.env.WIFI_TUNNEL_CODE_CACHE !== "0" && process.env.WIFI_TUNNEL_WRITE_CODE_CACHE !== "1") {
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
}
const wrapper = "(function (exports, require, module, __filename, __dirname) {" + readFileSync(file, "utf8").replace(/^#!/, "//") + "\\n})";
const script = new Script(wrapper, { filename: file, cachedData });
// WIFI_TUNNEL_CODE_CACHE=check says whether V8 took the cache (tests: it rejects one made under
// other Node flags or another Node).
if (process.env.WIFI_TUNNEL_CODE_CACHE === "check") {
  process.stderr.write("code cache: " + (cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "accepted") + "\\n");
}
if (process.env.WIFI_TUNNEL_WRITE_CODE_CACHE === "1") {
  process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()));
}
const module_ = { exports: {}, filename: file, id: file, loaded: false };
script.runInThisContext()(module_.exports, createRequire(file), module_, file, __dirname);
`;

/**
 * Bundles src/cli.ts into `outdir` (relative to the checkout, or absolute): cli.cjs, the
 * wifi-tunnel.cjs loader and, unless `codeCache` is false, cli.cjs.cache. `addonJs: "external"`
 * leaves netlink's and pcap's JavaScript in node_modules (the form bench/startup.ts compares with).
 */
export async function bundleCli({ outdir = "dist/bundle", codeCache = true, addonJs = "bundled" } = {}) {
  const out = resolve(checkout, outdir);
  const { version } = JSON.parse(readFileSync(join(checkout, "package.json"), "utf8"));
  await build({
    absWorkingDir: checkout,
    entryPoints: ["src/cli.ts"],
    outfile: join(out, "cli.cjs"),
    bundle: true,
    platform: "node",
    target: "node20.19",
    format: "cjs",
    // addonJs "external" (for bench/startup.ts): netlink's and pcap's JavaScript loads from node_modules.
    external: addonJs === "external" ? ["pcap", "netlink"] : [],
    plugins: [nativeAddons(out)],
    define: { WIFI_TUNNEL_VERSION: JSON.stringify(version), WIFI_TUNNEL_BUNDLED: "true" },
    // program.ts reads package.json through import.meta.url only when WIFI_TUNNEL_VERSION is unset.
    logOverride: { "empty-import-meta": "silent" },
    // Whitespace and syntax only: 40% less source to read over 9p and for V8 to scan, while stack
    // traces keep their function names (node --enable-source-maps maps them back to src/).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    logLevel: "warning",
  });
  // The worker threads run from files of their own beside cli.cjs: the netlink worker
  // (src/os/netlink/thread.ts) and the registered medium's (src/cli/registered-path.ts).
  for (const [entry, file] of [
    ["src/os/netlink/thread-worker.ts", "netlink-thread.cjs"],
    ["src/cli/hwsim-medium-thread.ts", "hwsim-medium-thread.cjs"],
  ]) {
    await build({
      absWorkingDir: checkout,
      entryPoints: [entry],
      outfile: join(out, file),
      bundle: true,
      platform: "node",
      target: "node20.19",
      format: "cjs",
      plugins: [nativeAddons(out)],
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: "linked",
      logLevel: "warning",
    });
  }
  writeFileSync(join(out, "wifi-tunnel.cjs"), LOADER, { mode: 0o755 });
  rmSync(join(out, "cli.cjs.cache"), { force: true });
  if (codeCache) await writeCodeCache(out);
}

/** A UDP port on 127.0.0.1 that was free a moment ago (a fixed one could be taken on a build machine). */
function freeUdpPort() {
  return new Promise((done, fail) => {
    const socket = createSocket("udp4");
    socket.once("error", fail);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => done(port));
    });
  });
}

/** Runs the bundled agent once, airport-only on loopback, so V8 caches what start-up compiles. */
async function writeCodeCache(out) {
  const scratch = mkdtempSync(join(tmpdir(), "wt-code-cache-"));
  try {
    const agent = spawn(
      process.execPath,
      [
        ...NODE_FLAGS,
        join(out, "wifi-tunnel.cjs"),
        ...["--iface", "none", "--airport-listen", "20", "--airport-socket", join(scratch, "hub.sock")],
        ...["--listen", `127.0.0.1:${await freeUdpPort()}`, "--peer", "127.0.0.1:9", "--log-level", "info"],
        // Its own control socket: the default one may belong to an agent running on this machine.
        ...["--control", join(scratch, "control.sock")],
        // --metrics too, so prom-client's start-up is in the cache (it is compiled at every start
        // otherwise: seconds of a loaded TCG guest's CPU).
        ...["--metrics", `127.0.0.1:${await freeUdpPort()}`],
      ],
      { env: { ...process.env, WIFI_TUNNEL_WRITE_CODE_CACHE: "1" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    const exited = new Promise((done) => agent.once("exit", (code) => done(code)));
    await new Promise((ready, fail) => {
      agent.stderr.on("data", (chunk) => {
        log += chunk;
        if (log.includes(" ready in ")) ready();
      });
      exited.then(() => fail(new Error(`bundle: the code-cache run exited before it was ready:\n${log}`)));
    });
    agent.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) throw new Error(`bundle: the code-cache run exited with ${code}:\n${log}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A Node start-up snapshot of the bundle (node --snapshot-blob), measured against the code cache by
 * bench/startup.ts; not shipped. The snapshot can hold only the bundle's compiled top level: the
 * modules whose start-up costs (netlink, pcap) load native addons, which a snapshot cannot contain,
 * so they still initialise at run time. Run as `node --snapshot-blob BLOB -- ARGS...`.
 */
export async function buildSnapshot(bundleDir, outdir) {
  const file = join(resolve(checkout, bundleDir), "cli.cjs");
  const out = resolve(checkout, outdir);
  mkdirSync(out, { recursive: true });
  const entry = join(out, "snapshot-entry.cjs");
  writeFileSync(
    entry,
    `"use strict";
function runCli(exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8").replace(/^#!/, "//")}
}
require("node:v8").startupSnapshot.setDeserializeMainFunction(() => {
  const file = ${JSON.stringify(file)};
  // commander reads the arguments after argv[1], the script, which a snapshot run does not have.
  process.argv.splice(1, 0, file);
  const module = { exports: {} };
  runCli(module.exports, require("node:module").createRequire(file), module, file, ${JSON.stringify(dirname(file))});
});
`,
  );
  const blob = join(out, "cli.blob");
  await new Promise((done, fail) => {
    const builder = spawn(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", entry], {
      stdio: "inherit",
    });
    builder.once("exit", (code) =>
      code === 0 ? done() : fail(new Error(`bundle: --build-snapshot exited with ${code}`)),
    );
  });
  return blob;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli();
