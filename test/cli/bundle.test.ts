// The shipped CLI, as it runs: the bundle and its code cache (scripts/bundle.mjs) built into a scratch
// directory of the checkout, run as a child process. Checks that each command loads only its own
// code, the exit statuses, the first log line, and the sd_notify sequence a systemd unit sees
// (READY=1, STATUS= on SIGUSR1, STOPPING=1 on SIGTERM) through a real AF_UNIX socket, with the
// agent in airport-only mode so no root or hwsim is needed.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSocket } from "unix-dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutDir } from "../../lab/paths.js";
import { freeUdpPort } from "../../lab/vm.js";
import { bundleCli } from "../../scripts/bundle.mjs";

// Inside the checkout, so the bundle's require() of the native addons finds node_modules.
const scratch = join(checkoutDir, "dist", `bundle-test-${process.pid}`);
const bundle = join(scratch, "wifi-tunnel.cjs");
const loadTrace = join(scratch, "trace-loads.cjs");
let sockets: string;

beforeAll(async () => {
  mkdirSync(scratch, { recursive: true });
  sockets = mkdtempSync(join(tmpdir(), "wt-bundle-"));
  await bundleCli({ outdir: scratch });
  // Prints every module require() loads from a file, to see what a command pays for.
  writeFileSync(
    loadTrace,
    `const M = require("node:module"); const load = M._load;
M._load = function (request, ...rest) { if (!M.isBuiltin(request)) process.stderr.write("LOAD " + request + "\\n"); return load.call(this, request, ...rest); };`,
  );
}, 60_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(sockets, { recursive: true, force: true });
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["-r", loadTrace, bundle, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function loadedModules(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("LOAD ") && !line.endsWith(".cjs"))
    .map((line) => line.slice(5));
}

describe("the bundled CLI", () => {
  it("genkey and --version load nothing but the bundle", () => {
    const genkey = run(["genkey"]);
    expect(genkey.status).toBe(0);
    expect(genkey.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(loadedModules(genkey.stderr)).toEqual([]);
    const version = run(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("inspect reads a capture without loading netlink or libpcap", () => {
    const inspect = run(["inspect", join(checkoutDir, "test", "fixtures", "hwsim0-wpa2.pcap")]);
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toMatch(/Beacon|beacon/);
    expect(loadedModules(inspect.stderr)).toEqual([]);
  });

  it("run as a command (its own #! line), its main isolate's young generation is capped", () => {
    // A preload that reports the V8 flags node was started with; the command itself is exec'd.
    const probe = join(scratch, "exec-argv.cjs");
    writeFileSync(probe, `process.stderr.write("EXECARGV " + JSON.stringify(process.execArgv) + "\\n");`);
    const result = spawnSync(bundle, ["--version"], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
    });
    expect(result.status).toBe(0);
    const line = result.stderr.split("\n").find((text) => text.startsWith("EXECARGV "));
    expect(JSON.parse(line?.slice("EXECARGV ".length) ?? "[]")).toContain("--max-semi-space-size=1");
  });

  it("run as a command, V8 takes its code cache (made under the same Node flags)", () => {
    const result = spawnSync(bundle, ["--version"], {
      encoding: "utf8",
      env: { ...process.env, WIFI_TUNNEL_CODE_CACHE: "check" },
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("code cache: accepted");
  });

  it("a wrong flag is one sentence and exit 2", () => {
    const wrong = run(["--stats-interval", "soon"]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--stats-interval: 'soon' is not a whole number/);
  });

  it("--medium takes monitor or netlink, and netlink refuses --inject-phy, each in one sentence", () => {
    const unknown = run(["--medium", "wifi"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/argument 'wifi' is invalid\. Allowed choices are monitor, netlink\./);
    const both = run(["--medium", "netlink", "--inject-phy", "phy0"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--inject-phy needs --medium monitor/);
  });

  it("--medium netlink without hwsim is one sentence and exit 1, and never loads libpcap", () => {
    // This machine's kernel has no Wi-Fi stack (the VM tests prove the medium where there is one).
    const result = run(["--medium", "netlink", "--peer", "127.0.0.1:9", "--control", "none"]);
    expect(result.status).toBe(1);
    const errors = result.stderr.split("\n").filter((line) => / error: /.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/has no Wi-Fi stack|mac80211_hwsim|MAC80211_HWSIM/);
    expect(loadedModules(result.stderr).filter((module) => /pcap/.test(module))).toEqual([]);
  });
});

describe("the bundled agent under a service manager (sd_notify)", () => {
  let agent: ChildProcess | undefined;
  afterAll(() => agent?.kill("SIGKILL"));

  it("says READY=1 once listening, STATUS= on SIGUSR1, STOPPING=1 on SIGTERM, and exits 0", async () => {
    const notifyPath = join(sockets, "notify");
    const server = createSocket("unix_dgram");
    const messages: string[] = [];
    let onMessage: () => void = () => {};
    server.on("message", (message: Buffer) => {
      messages.push(message.toString());
      onMessage();
    });
    server.bind(notifyPath);
    const nextMessage = (): Promise<string> =>
      new Promise((resolve) => {
        onMessage = () => resolve(messages.at(-1) ?? "");
      });

    const port = await freeUdpPort();
    const ready = nextMessage();
    let stderr = "";
    const started = spawn(
      process.execPath,
      [
        "-r",
        loadTrace,
        bundle,
        ...["--iface", "none", "--airport-listen", "20", "--airport-socket", join(sockets, "hub.sock")],
        ...["--listen", `127.0.0.1:${port}`, "--peer", "127.0.0.1:9"],
        // Its own control socket: the default one may belong to another agent on this machine.
        ...["--control", join(sockets, "control.sock")],
      ],
      { env: { ...process.env, NOTIFY_SOCKET: notifyPath }, stdio: ["ignore", "ignore", "pipe"] },
    );
    agent = started;
    started.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => started.once("exit", (code) => resolve(code)));

    expect(await ready).toMatch(
      /^READY=1\nSTATUS=ready in \d+\.\d\d s; airport:20 in 0, out 0; peers heard 0\/1$/,
    );
    // The datagram can overtake the log line on its pipe.
    while (!stderr.includes(" ready in ")) await new Promise((resolve) => setTimeout(resolve, 10));
    const logLines = stderr.split("\n").filter((line) => !line.startsWith("LOAD "));
    expect(logLines[0]).toMatch(
      new RegExp(
        `info: wifi-tunnel \\d+\\.\\d+\\.\\d+ ready in \\d+\\.\\d\\d s: airport listen 20, UDP 127\\.0\\.0\\.1:${port}, peers 127\\.0\\.0\\.1:9$`,
      ),
    );
    // Airport-only: the hwsim path's native addons stay unloaded; the sd_notify addon is loaded.
    const loaded = loadedModules(stderr);
    expect(loaded.some((module) => /netlink|pcap/.test(module))).toBe(false);
    expect(loaded.some((module) => module.includes("unix-dgram") || module.includes("unix_dgram"))).toBe(
      true,
    );

    const status = nextMessage();
    started.kill("SIGUSR1");
    expect(await status).toMatch(/^STATUS=airport:20 in 0, out 0; peers heard 0\/1$/);
    while (!stderr.includes("counters (SIGUSR1)")) await new Promise((resolve) => setTimeout(resolve, 10));

    const stopping = nextMessage();
    started.kill("SIGTERM");
    expect(await stopping).toBe("STOPPING=1\nSTATUS=stopping (SIGTERM)");
    expect(await exited).toBe(0);
    server.close();
  }, 30_000);
});

describe("the bundled agent's log under journald", () => {
  // systemd connects stderr to the journal and names that stream in JOURNAL_STREAM (device:inode);
  // a file stands in for the journal's stream here, compared by the agent exactly the same way.
  async function runLoggingTo(
    journalStream: (file: { dev: bigint; ino: bigint }) => string,
  ): Promise<string[]> {
    const path = join(sockets, `stderr-${Math.random().toString(16).slice(2)}`);
    const fd = openSync(path, "w");
    const { dev, ino } = fstatSync(fd, { bigint: true });
    const port = await freeUdpPort();
    const started = spawn(
      process.execPath,
      [
        bundle,
        ...[
          "--iface",
          "none",
          "--airport-listen",
          "20",
          "--airport-socket",
          join(sockets, `hub-${port}.sock`),
        ],
        ...["--listen", `127.0.0.1:${port}`, "--peer", "127.0.0.1:9"],
        // Its own control socket: the default one may belong to another agent on this machine.
        ...["--control", join(sockets, "control.sock")],
      ],
      {
        env: { ...process.env, JOURNAL_STREAM: journalStream({ dev, ino }) },
        stdio: ["ignore", "ignore", fd],
      },
    );
    closeSync(fd);
    const exited = new Promise<number | null>((resolve) => started.once("exit", (code) => resolve(code)));
    while (!readFileSync(path, "utf8").includes(" ready in ")) await new Promise((r) => setTimeout(r, 20));
    started.kill("SIGTERM");
    expect(await exited).toBe(0);
    return readFileSync(path, "utf8").trimEnd().split("\n");
  }

  it("with stderr on the journal's stream: priority prefixes, no timestamps", async () => {
    const lines = await runLoggingTo(({ dev, ino }) => `${dev}:${ino}`);
    expect(lines[0]).toMatch(/^<6>info: wifi-tunnel \d+\.\d+\.\d+ ready in /);
    expect(lines).toContain("<6>info: SIGTERM: stopping");
    for (const line of lines) expect(line).toMatch(/^<[3467]>(error|warn|info|debug): /);
  }, 30_000);

  it("a wrong config file under journald is an error-priority line", async () => {
    const path = join(sockets, "journal-usage");
    const conf = join(sockets, "wrong.conf");
    writeFileSync(conf, "[Agent]\nLisen = 1\n");
    const fd = openSync(path, "w");
    const { dev, ino } = fstatSync(fd, { bigint: true });
    const result = spawnSync(process.execPath, [bundle, "--config", conf], {
      env: { ...process.env, JOURNAL_STREAM: `${dev}:${ino}` },
      stdio: ["ignore", "ignore", fd],
    });
    closeSync(fd);
    expect(result.status).toBe(2);
    expect(readFileSync(path, "utf8")).toMatch(
      new RegExp(`^<3>wifi-tunnel: ${conf} line 2: Lisen is not a key of \\[Agent\\]`),
    );
  });

  it("with JOURNAL_STREAM naming another stream (stderr redirected): timestamps as on a terminal", async () => {
    const lines = await runLoggingTo(({ dev, ino }) => `${dev}:${ino + 1n}`);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z info: wifi-tunnel \d+\.\d+\.\d+ ready in /);
    for (const line of lines) expect(line).not.toMatch(/^</);
  }, 30_000);
});
