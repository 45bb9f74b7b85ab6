// The operator's surface of the shipped CLI, everything real: two bundled agents on loopback, each
// the airport hub (--iface none --airport-listen) of a QEMU-like guest (lab/qemu-airport-client.ts),
// each with its own control socket. Frames one guest transmits reach the other through both agents;
// `wifi-tunnel status` (text and --json) then reads both agents, and its figures must be the frames
// that really crossed.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutDir } from "../../lab/paths.js";
import { QemuAirportClient } from "../../lab/qemu-airport-client.js";
import { freeUdpPort } from "../../lab/vm.js";
import { bundleCli } from "../../scripts/bundle.mjs";
import type { AgentStatus } from "../../src/agent/status.js";
import { formatMac } from "../../src/ieee80211/mac.js";
import { STATION_A, testFrame } from "../airport/frames.js";

const HUB = 20;
const FRAMES = 40;
// Inside the checkout, so the bundle's require() of the native addons finds node_modules.
const scratch = join(checkoutDir, "dist", `operator-test-${process.pid}`);
const bundle = join(scratch, "wifi-tunnel.cjs");
let sockets: string;

interface RunningAgent {
  readonly name: string;
  readonly process: ChildProcess;
  readonly control: string;
  readonly hub: string;
  readonly exited: Promise<number | null>;
  log: string;
}

const agents: RunningAgent[] = [];

async function startAgent(
  name: string,
  own: number,
  peer: number,
  extra: string[] = [],
): Promise<RunningAgent> {
  const control = join(sockets, `${name}.ctl`);
  const hub = join(sockets, `${name}.hub`);
  const child = spawn(
    process.execPath,
    [
      bundle,
      ...["--iface", "none", "--airport-listen", `${HUB}`, "--airport-socket", hub],
      ...["--listen", `127.0.0.1:${own}`, "--peer", `127.0.0.1:${peer}`, "--node-name", name],
      ...["--control", control, ...extra],
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const agent: RunningAgent = {
    name,
    process: child,
    control,
    hub,
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
    log: "",
  };
  child.stderr?.on("data", (chunk: Buffer) => {
    agent.log += chunk.toString();
  });
  agents.push(agent);
  while (!agent.log.includes(" ready in ")) {
    if (child.exitCode !== null) throw new Error(`agent ${name} exited: ${agent.log}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return agent;
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bundle, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function status(agent: RunningAgent): AgentStatus {
  const run = cli(["status", "--json", "--control", agent.control]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as AgentStatus;
}

async function eventually<T>(read: () => T, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** The samples of a Prometheus text page, by metric name and labels as written. */
function samples(page: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of page.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    values.set(match[1] as string, Number(match[2]));
  }
  return values;
}

let metricsPort: number;
let liveCapture: ChildProcess | undefined;
let liveExited: Promise<number | null>;
let a: RunningAgent;
let b: RunningAgent;
let guestA: QemuAirportClient;
let guestB: QemuAirportClient;

beforeAll(async () => {
  mkdirSync(scratch, { recursive: true });
  sockets = mkdtempSync(join(tmpdir(), "wt-operator-"));
  await bundleCli({ outdir: scratch, codeCache: false });
  const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
  metricsPort = await freeTcpPort();
  [a, b] = await Promise.all([
    startAgent("alpha", portA, portB, ["--capture", join(sockets, "alpha.pcapng")]),
    startAgent("bravo", portB, portA, [
      ...["--metrics", `127.0.0.1:${metricsPort}`],
      ...["--capture", join(sockets, "bravo.pcapng")],
    ]),
  ]);
  // A live capture attached to bravo before any frame: it must see every one of them.
  liveCapture = spawn(
    process.execPath,
    [bundle, "capture", "-w", join(sockets, "live.pcapng"), "--control", b.control],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  liveExited = new Promise((resolve) => liveCapture?.once("exit", (code) => resolve(code)));
  while (!b.log.includes("capture: a client attached"))
    await new Promise((resolve) => setTimeout(resolve, 10));
  guestA = await QemuAirportClient.connect(a.hub, HUB);
  guestB = await QemuAirportClient.connect(b.hub, HUB);
  // Both peers up (HELLOs both ways) before the frames, so none waits for a session.
  await eventually(
    () => [status(a), status(b)],
    (both) => both.every((s) => s.peers[0]?.state === "up"),
  );
  // One at a time: the hub's stream has no lengths, and the guest reads like QEMU's recv(), which
  // would take frames queued together for one.
  for (let sequence = 0; sequence < FRAMES; sequence++) {
    guestA.sendFrame(testFrame({ transmitter: STATION_A, sequence, length: 100 + sequence }));
    await guestB.waitForFrames(sequence + 1, 20_000);
  }
}, 120_000);

afterAll(async () => {
  await guestA?.close();
  await guestB?.close();
  for (const agent of agents) agent.process.kill("SIGKILL");
  liveCapture?.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
  rmSync(sockets, { recursive: true, force: true });
});

describe("wifi-tunnel status against running agents", () => {
  it("--json names the node, and each peer is up with the datagrams that crossed", () => {
    // The receiver first: a HELLO the sender sends meanwhile is in the sender's count only.
    const receiver = status(b);
    const sender = status(a);
    expect(sender.version).toBe(1);
    expect(sender.node).toMatchObject({ name: "alpha", mode: `airport listen ${HUB}`, keyFingerprint: null });
    expect(sender.node.id).toMatch(/^[0-9a-f]{8}$/);
    expect(sender.node.readySeconds).toBeGreaterThan(0);
    expect(sender.node.uptimeSeconds).toBeGreaterThanOrEqual(sender.node.readySeconds ?? 0);
    const [toB] = sender.peers;
    const [fromA] = receiver.peers;
    expect(toB).toMatchObject({ endpoint: receiver.node.listen, name: "bravo", state: "up" });
    expect(fromA).toMatchObject({
      endpoint: sender.node.listen,
      name: "alpha",
      state: "up",
      nodeId: sender.node.id,
    });
    // Every frame is one datagram; the rest are HELLOs.
    expect(sender.send.sent).toBe(FRAMES);
    expect(fromA?.framesReceived).toBe(FRAMES);
    expect(fromA?.datagramsReceived).toBe(FRAMES + (fromA?.hellosReceived ?? 0));
    expect(toB?.datagramsSent).toBeGreaterThanOrEqual(fromA?.datagramsReceived ?? 0);
    expect(toB?.bytesSent).toBeGreaterThanOrEqual(fromA?.bytesReceived ?? 0);
    expect(fromA?.bytesReceived).toBeGreaterThan(FRAMES * 100);
    expect(fromA).toMatchObject({ lost: 0, duplicates: 0, reordered: 0 });
    expect(fromA?.lastHelloAgeSeconds).toBeLessThan(15);
  });

  it("names the remote transmitter with the frames it sent, and the delivery counters agree", () => {
    const receiver = status(b);
    expect(receiver.remoteTransmitters).toEqual([
      expect.objectContaining({ address: formatMac(STATION_A), freqMhz: 2437, frames: FRAMES }),
    ]);
    expect(receiver.receive).toMatchObject({ "frames-in": FRAMES, delivered: FRAMES });
    expect(receiver.drops.receive["wrong-channel"]).toBe(0);
    const hub = receiver.media.find((medium) => medium.name === `airport:${HUB}`);
    expect(hub?.counters["frames-from-tunnel"]).toBe(FRAMES);
    expect(status(a).media[0]?.counters["frames-from-ports"]).toBe(FRAMES);
  });

  it("the text form shows the same node, peer and transmitter", () => {
    const run = cli(["status", "--control", b.control]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^node: bravo \(id [0-9a-f]{8}\), wifi-tunnel \S+, airport listen 20$/m);
    expect(run.stdout).toMatch(
      new RegExp(`^peer: 127\\.0\\.0\\.1:\\d+ \\(alpha, node ${status(a).node.id}\\)$`, "m"),
    );
    expect(run.stdout).toMatch(/^ {2}state: up, last hello \d+\.\d s ago$/m);
    expect(run.stdout).toContain(`${formatMac(STATION_A)} on 2437 MHz via alpha`);
    expect(run.stdout).toContain(`: ${FRAMES} frames`);
  });

  it("wifi-tunnel set peer changes a link that status then shows, and refuses a wrong value in one sentence", async () => {
    const set = cli(["set", "peer", "alpha", "signal", "-72", "loss", "2.5%", "--control", b.control]);
    expect(set.stderr).toBe("");
    expect(set.status).toBe(0);
    // airport frames carry no signal to the guest: the agent says it cannot apply it there.
    expect(set.stdout).toMatch(
      /^peer alpha \(127\.0\.0\.1:\d+\): signal -72 dBm \(not applied on this medium: airport:20\), loss 2\.5%\n$/,
    );
    expect(status(b).peers[0]?.link).toEqual({
      signalDbm: -72,
      lossPercent: 2.5,
      dropped: 0,
      signalIgnoredBy: [`airport:${HUB}`],
    });
    expect(cli(["status", "--control", b.control]).stdout).toMatch(
      /^ {2}link: signal -72 dBm \(not applied on this medium: airport:20\), loss 2\.5%$/m,
    );
    const link = samples(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    const labels = `peer="${status(b).peers[0]?.endpoint}",name="alpha"`;
    expect(link.get(`wifi_tunnel_peer_link_signal_dbm{${labels}}`)).toBe(-72);
    expect(link.get(`wifi_tunnel_peer_link_loss_ratio{${labels}}`)).toBe(0.025);
    expect(link.get(`wifi_tunnel_peer_dropped_total{${labels},reason="link-loss"}`)).toBe(0);
    const wrong = cli(["set", "peer", "alpha", "loss", "5", "--control", b.control]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe(
      "wifi-tunnel: the agent refused 'set peer alpha loss 5': set peer alpha: loss: '5' is not a loss (a percentage from 0% to 100%, e.g. 5% or 0.5%)\n",
    );
    // Back to the default link: the capture checks below count every frame.
    expect(
      cli(["set", "peer", "alpha", "signal", "default", "loss", "0%", "--control", b.control]).status,
    ).toBe(0);
    expect(status(b).peers[0]?.link).toMatchObject({ signalDbm: null, lossPercent: 0 });
    // The log is read from the agent's stderr pipe, which spawnSync kept this process from reading.
    await eventually(
      () => b.log,
      (log) => /warn: a link's signal is not applied on airport:20: /.test(log),
    );
    expect(b.log.match(/warn: a link's signal is not applied/g)).toHaveLength(1);
  });

  it("a second agent on a live control socket stops at once with one sentence, the first keeps it", async () => {
    const port = await freeUdpPort();
    const second = cli([
      ...["--iface", "none", "--airport-listen", "21", "--airport-socket", join(sockets, "x.hub")],
      ...["--listen", `127.0.0.1:${port}`, "--control", a.control],
    ]);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      /error: the control socket \S+alpha\.ctl belongs to a running agent: stop it, or give this one another --control PATH \(or --control none\)\n$/,
    );
    expect(status(a).node.name).toBe("alpha");
  });

  it("status without an agent is one sentence and exit 1", () => {
    const run = cli(["status", "--control", join(sockets, "nobody.ctl")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^wifi-tunnel: no agent is running with the control socket \S+nobody\.ctl: start one, or name its socket with --control PATH\n$/,
    );
  });

  it("an agent killed with SIGKILL leaves a stale socket that the next agent on that path takes over", async () => {
    const port = await freeUdpPort();
    const doomed = await startAgent("charlie", port, 9);
    doomed.process.kill("SIGKILL");
    await doomed.exited;
    const again = await startAgent("charlie", port, 9);
    expect(status(again).node.name).toBe("charlie");
    again.process.kill("SIGTERM");
    expect(await again.exited).toBe(0);
    expect(cli(["status", "--control", again.control]).status).toBe(1);
  });
});

describe("--metrics against a running agent", () => {
  it("serves every counter in Prometheus text format, equal to what status says", async () => {
    const before = status(b);
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const page = await response.text();
    const values = samples(page);
    const now = status(b);
    const peer = `peer="${now.peers[0]?.endpoint}",name="alpha"`;
    expect(values.get(`wifi_tunnel_peer_frames_received_total{${peer}}`)).toBe(FRAMES);
    // A HELLO may arrive between the two reads: the scrape lies between status before and after.
    const bytes = values.get(`wifi_tunnel_peer_bytes_received_total{${peer}}`) ?? -1;
    expect(bytes).toBeGreaterThanOrEqual(before.peers[0]?.bytesReceived ?? 0);
    expect(bytes).toBeLessThanOrEqual(now.peers[0]?.bytesReceived ?? 0);
    expect(values.get(`wifi_tunnel_peer_lost_total{${peer}}`)).toBe(0);
    expect(values.get(`wifi_tunnel_peer_up{${peer}}`)).toBe(1);
    expect(values.get(`wifi_tunnel_peer_dropped_total{${peer},reason="auth-failure"}`)).toBe(0);
    expect(values.get("wifi_tunnel_receive_frames_in_total")).toBe(FRAMES);
    expect(values.get("wifi_tunnel_receive_delivered_total")).toBe(FRAMES);
    expect(values.get('wifi_tunnel_receive_dropped_total{reason="wrong-channel"}')).toBe(0);
    expect(values.get('wifi_tunnel_send_dropped_total{reason="no-peer"}')).toBe(0);
    expect(values.get(`wifi_tunnel_medium_frames_from_tunnel_total{medium="airport:${HUB}"}`)).toBe(FRAMES);
    expect(
      values.get(`wifi_tunnel_medium_dropped_total{medium="airport:${HUB}",reason="port-backlog"}`),
    ).toBe(0);
    expect(
      values.get(
        `wifi_tunnel_remote_transmitter_frames_total{address="${formatMac(STATION_A)}",freq_mhz="2437",peer="alpha (${now.peers[0]?.endpoint})"}`,
      ),
    ).toBe(FRAMES);
    expect(
      values.get(
        `wifi_tunnel_info{node="bravo",id="${now.node.id}",version="${now.node.version}",mode="airport listen 20"}`,
      ),
    ).toBe(1);
    // Event-loop delay and RSS: the agent's own figures and prom-client's standard process metrics.
    expect(values.get("wifi_tunnel_event_loop_delay_p99_seconds")).toBeGreaterThanOrEqual(0);
    expect(values.get("wifi_tunnel_event_loop_delay_max_seconds")).toBeGreaterThanOrEqual(0);
    expect(values.get("process_resident_memory_bytes")).toBeGreaterThan(10 * 1024 * 1024);
    expect(values.has("nodejs_eventloop_lag_p99_seconds")).toBe(true);
    expect(page).toContain("# TYPE wifi_tunnel_peer_frames_received_total counter");
    expect(page).toContain("# TYPE wifi_tunnel_peer_up gauge");
  });

  it("answers only /metrics, and a bad --metrics is one sentence and exit 2", async () => {
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: "POST" })).status).toBe(405);
    const wrong = cli(["--iface", "none", "--airport-listen", "20", "--metrics", "soon"]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(
      /^wifi-tunnel: --metrics: 'soon' is not \[ADDR:\]PORT \(e\.g\. 9811 or 0\.0\.0\.0:9811\)\n/,
    );
  });

  it("only the agent given --metrics says where it serves them", () => {
    expect(a.log).not.toContain("metrics on http");
    expect(b.log).toContain(`metrics on http://127.0.0.1:${metricsPort}/metrics`);
  });
});

/** tshark's fields of every packet of a capture file, one row per packet. */
function tshark(file: string, fields: string[]): string[][] {
  const run = spawnSync("tshark", ["-r", file, "-T", "fields", ...fields.flatMap((field) => ["-e", field])], {
    encoding: "utf8",
  });
  expect(run.status).toBe(0);
  return run.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"));
}

/** The agent's exit counters of one component ("send", "receive") from its log. */
function exitCounters(log: string, component: string): Record<string, number> {
  const exit = log.slice(log.indexOf("counters (exit):"));
  const line = new RegExp(`  ${component}: (.*)$`, "m").exec(exit)?.[1] ?? "";
  return Object.fromEntries(line.split(" ").map((pair) => [pair.split("=")[0], Number(pair.split("=")[1])]));
}

describe("--capture and wifi-tunnel capture, opened by tshark", () => {
  beforeAll(async () => {
    // Stopping the agents flushes their files and ends the live capture.
    a.process.kill("SIGTERM");
    b.process.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  }, 30_000);

  it("the sender's file has one outbound packet per frame its send path took, commented with its fate", () => {
    const rows = tshark(join(sockets, "alpha.pcapng"), [
      "frame.packet_flags_direction",
      "frame.comment",
      "wlan.ta",
      "radiotap.channel.freq",
    ]);
    const send = exitCounters(a.log, "send");
    expect(send["frames-in"]).toBe(FRAMES);
    const outbound = rows.filter(([direction]) => direction === "0x00000002");
    expect(outbound).toHaveLength(send["frames-in"] ?? -1);
    expect(
      outbound.every(
        ([, comment, ta, freq]) =>
          comment === `airport:${HUB}: sent` && ta === formatMac(STATION_A) && freq === "2437",
      ),
    ).toBe(true);
    expect(rows).toHaveLength(outbound.length);
  });

  it("the receiver's file and the live capture have one inbound packet per frame from the tunnel, with peer and fate", () => {
    const receive = exitCounters(b.log, "receive");
    expect(receive["frames-in"]).toBe(FRAMES);
    for (const file of ["bravo.pcapng", "live.pcapng"]) {
      const rows = tshark(join(sockets, file), ["frame.packet_flags_direction", "frame.comment", "wlan.seq"]);
      expect(rows).toHaveLength(receive["frames-in"] ?? -1);
      expect(rows.every(([direction]) => direction === "0x00000001")).toBe(true);
      expect(rows.every(([, comment]) => /^alpha \(127\.0\.0\.1:\d+\): delivered$/.test(comment ?? ""))).toBe(
        true,
      );
      expect(rows.map(([, , seq]) => Number(seq))).toEqual([...Array(FRAMES).keys()]);
    }
    expect(b.log).toMatch(/ {2}capture: packets=40 client-drops=0 file-drops=0 file-rotations=0$/m);
  });

  it("the live capture ends with exit 0 when the agent stops", async () => {
    expect(await liveExited).toBe(0);
  });
});
