// The link model in the agent, over real sockets: frames from a peer get its link's signal and are
// lost with its loss (a fixed random source), counted as a delivery drop; two agents on loopback
// UDP with the receiver's control socket on a real Unix socket, where `set peer alpha loss 100%`
// makes alpha's frames stop arriving and `loss 0%` brings them back, every frame counted.

import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freeUdpPort } from "../../lab/vm.js";
import { Agent } from "../../src/agent/agent.js";
import { answer, ControlHandler } from "../../src/agent/control.js";
import { peerLinkSetter } from "../../src/agent/link-control.js";
import { RECEIVE_COUNTERS, RECEIVE_DELIVERY_DROPS } from "../../src/agent/receive.js";
import { type AgentStatus, agentStatus } from "../../src/agent/status.js";
import { runSet } from "../../src/cli/set.js";
import { controlRequest } from "../../src/cli/status.js";
import { createLogger } from "../../src/log.js";
import {
  type AirFrame,
  AirFrameFlags,
  type DeliverOutcome,
  type LocalMedium,
} from "../../src/medium/medium.js";
import { listenControl } from "../../src/os/control/unix-socket.js";
import { TunnelSender } from "../../src/tunnel/sender.js";

const quiet = createLogger({ level: "error", write: () => {} });

/** A medium the test drives by hand: transmit() puts a frame on the local air, delivered collects. */
class HandMedium implements LocalMedium {
  readonly delivered: AirFrame[] = [];
  private onTransmit: (frame: AirFrame) => void = () => {};
  constructor(
    readonly name: string,
    readonly appliesSignal = false,
  ) {}
  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    this.onTransmit = onTransmit;
  }
  transmit(frame: AirFrame): void {
    this.onTransmit(frame);
  }
  deliver(frame: AirFrame): DeliverOutcome {
    this.delivered.push(frame);
    return { delivered: true };
  }
  async close(): Promise<void> {}
  counters(): Record<string, number> {
    return { delivered: this.delivered.length };
  }
}

/** A medium that decides fates itself: it is told the losses toward remote radios. */
class FateMedium extends HandMedium {
  readonly losses: ReadonlyMap<number, number>[] = [];
  useLinkLosses(losses: ReadonlyMap<number, number>): void {
    this.losses.push(losses);
  }
}

/** A data frame whose sequence number is `sequence`, as sent with `signalDbm`. */
const air = (sequence: number, signalDbm = -30): AirFrame => {
  const frame = Buffer.alloc(60);
  frame[0] = 0x08;
  frame.writeUInt16LE(sequence << 4, 22);
  return { frame, freqMhz: 2437, rate500kbps: 2, signalDbm, flags: 0 };
};
const sequenceOf = (frame: AirFrame): number => (frame.frame.readUInt16LE(22) >> 4) & 0xfff;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** frames-in = delivered + every delivery drop: nothing that came in is unaccounted for. */
function receiveAddsUp(agent: Agent): void {
  const receive = agent.receiveCounters;
  if (receive === null) throw new Error("not started");
  const drops = RECEIVE_COUNTERS.filter((name) => RECEIVE_DELIVERY_DROPS.has(name));
  expect(receive.get("frames-in")).toBe(
    receive.get("delivered") + drops.reduce((total, name) => total + receive.get(name), 0),
  );
}

describe("the receive path applies the sending peer's link", () => {
  it("gives kept frames the link's signal and loses those the source says, counted per peer", async () => {
    const peerPort = await freeUdpPort();
    const medium = new HandMedium("hand");
    // Loss 50%: draws under 0.5 lose the frame.
    const draws = [0.1, 0.9, 0.4, 0.6, 0.49, 0.5];
    const agent = new Agent({
      nodeId: 0x1111,
      nodeName: "under-test",
      psk: null,
      listen: { address: "127.0.0.1", port: 0 },
      peers: [{ address: "127.0.0.1", port: peerPort, name: "p", link: { signalDbm: -72, lossPercent: 50 } }],
      media: [medium],
      localRadioMacs: () => [],
      log: quiet,
      random: () => draws.shift() ?? Number.NaN,
    });
    await agent.start();
    cleanups.push(() => agent.stop());
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(peerPort, "127.0.0.1", () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    const port = agent.local?.port ?? 0;
    const sender = new TunnelSender({ nodeId: 0x2222, psk: null });
    socket.send(
      sender.hello({
        keepaliveIntervalMs: 1000,
        capabilities: 0,
        replyRequested: false,
        nodeName: "p",
        radioMacs: [],
      }),
      port,
      "127.0.0.1",
    );
    for (let sequence = 1; sequence <= 6; sequence++) {
      const datagram = sender.frame(air(sequence));
      if (!datagram.ok) throw new Error(datagram.error.detail);
      socket.send(datagram.value, port, "127.0.0.1");
    }
    await until(() => agent.receiveCounters?.get("frames-in") === 6, "six frames in");

    expect(medium.delivered.map(sequenceOf)).toEqual([2, 4, 6]);
    expect(medium.delivered.map((frame) => frame.signalDbm)).toEqual([-72, -72, -72]);
    expect(agent.receiveCounters?.get("delivered")).toBe(3);
    expect(agent.receiveCounters?.get("dropped-link-loss")).toBe(3);
    const [peer] = agent.peers.all();
    expect(peer?.counters.get("link-loss")).toBe(3);
    receiveAddsUp(agent);

    // Back to the medium's own signal and no loss: frames arrive as sent, the source is not asked.
    if (peer) agent.setLink(peer, { signalDbm: null, lossPercent: 0 }, "test");
    const datagram = sender.frame(air(7, -41));
    if (!datagram.ok) throw new Error(datagram.error.detail);
    socket.send(datagram.value, port, "127.0.0.1");
    await until(() => medium.delivered.length === 4, "the seventh frame");
    expect(medium.delivered[3]?.signalDbm).toBe(-41);
    expect(draws).toEqual([]);
    receiveAddsUp(agent);

    // A frame the sending agent already ran through its link (lossApplied) is not lost again,
    // not even at 100%.
    if (peer) agent.setLink(peer, { signalDbm: null, lossPercent: 100 }, "test");
    const decided = sender.frame({ ...air(8), flags: AirFrameFlags.lossApplied });
    if (!decided.ok) throw new Error(decided.error.detail);
    socket.send(decided.value, port, "127.0.0.1");
    const lost = sender.frame(air(9));
    if (!lost.ok) throw new Error(lost.error.detail);
    socket.send(lost.value, port, "127.0.0.1");
    await until(() => agent.receiveCounters?.get("frames-in") === 9, "frames 8 and 9");
    expect(medium.delivered.map(sequenceOf).slice(4)).toEqual([8]);
    expect(agent.receiveCounters?.get("dropped-link-loss")).toBe(4);
    receiveAddsUp(agent);
  });
});

describe("set peer over a real control socket, between two agents on loopback", () => {
  it("loss 100% stops alpha's frames at bravo, loss 0% brings them back; signal is reported as not applied", async () => {
    const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
    const mediumA = new HandMedium("hand-a");
    const mediumB = new HandMedium("hand-b");
    const lines: string[] = [];
    const start = async (
      name: string,
      port: number,
      peer: { port: number; name: string },
      medium: LocalMedium,
      log = quiet,
    ): Promise<Agent> => {
      const agent = new Agent({
        nodeId: port,
        nodeName: name,
        psk: null,
        listen: { address: "127.0.0.1", port },
        peers: [{ address: "127.0.0.1", port: peer.port, name: peer.name }],
        media: [medium],
        localRadioMacs: () => [],
        log,
      });
      await agent.start();
      cleanups.push(() => agent.stop());
      return agent;
    };
    const bravo = await start(
      "bravo",
      portB,
      { port: portA, name: "alpha" },
      mediumB,
      createLogger({
        level: "info",
        write: (line) => lines.push(line),
      }),
    );
    const alpha = await start("alpha", portA, { port: portB, name: "bravo" }, mediumA);
    await until(() => bravo.peers.all()[0]?.identity !== null, "alpha's HELLO at bravo");
    await until(() => alpha.peers.all()[0]?.identity !== null, "bravo's HELLO at alpha");

    const directory = mkdtempSync(join(tmpdir(), "wt-link-"));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, "bravo.sock");
    const control = new ControlHandler();
    control.setter("peer", peerLinkSetter(bravo));
    control.verb("status", (_args, connection) =>
      answer(connection, {
        status: agentStatus(
          bravo,
          {
            version: "test",
            mode: "hand",
            uptimeSeconds: 1,
            readySeconds: 1,
            keyFingerprint: null,
            rssBytes: 0,
            cpuMs: 0,
          },
          Date.now(),
        ),
      }),
    );
    const server = await listenControl(path, (line, connection) => control.line(line, connection));
    cleanups.push(() => server.close());

    let sequence = 0;
    const burst = async (frames: number): Promise<void> => {
      const target = (bravo.receiveCounters?.get("frames-in") ?? 0) + frames;
      for (let i = 0; i < frames; i++) mediumA.transmit(air(++sequence));
      await until(() => bravo.receiveCounters?.get("frames-in") === target, `${target} frames in at bravo`);
    };

    await burst(10);
    expect(mediumB.delivered).toHaveLength(10);

    const stdout: string[] = [];
    const stderr: string[] = [];
    const out = { write: (text: string) => stdout.push(text) };
    const err = { write: (text: string) => stderr.push(text) };
    expect(await runSet(["peer", "alpha", "loss", "100%"], path, out, err)).toBe(0);
    expect(stdout.pop()).toBe(`peer alpha (127.0.0.1:${portA}): signal as the medium gives it, loss 100%\n`);
    await burst(10);
    expect(mediumB.delivered).toHaveLength(10);
    expect(bravo.receiveCounters?.get("dropped-link-loss")).toBe(10);

    // By HOST:PORT this time; a signal too, which this medium cannot apply: said so, once in the log.
    expect(await runSet(["peer", `127.0.0.1:${portA}`, "loss", "0%", "signal", "-80"], path, out, err)).toBe(
      0,
    );
    expect(stdout.pop()).toBe(
      `peer alpha (127.0.0.1:${portA}): signal -80 dBm (not applied on this medium: hand-b), loss 0%\n`,
    );
    await burst(10);
    expect(mediumB.delivered.map(sequenceOf)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i + 1),
      ...Array.from({ length: 10 }, (_, i) => i + 21),
    ]);
    expect(mediumB.delivered.slice(10).every((frame) => frame.signalDbm === -80)).toBe(true);
    expect(bravo.receiveCounters?.snapshot()).toMatchObject({
      "frames-in": 30,
      delivered: 20,
      "dropped-link-loss": 10,
    });
    receiveAddsUp(bravo);

    const status = (await controlRequest(path, "status")).status as AgentStatus;
    expect(status.peers[0]?.link).toEqual({
      signalDbm: -80,
      lossPercent: 0,
      dropped: 10,
      signalIgnoredBy: ["hand-b"],
    });
    expect(status.drops.receive["link-loss"]).toBe(10);
    expect(
      lines.filter((line) => / warn: a link's signal is not applied on hand-b: /.test(line)),
    ).toHaveLength(1);
    expect(
      lines.filter((line) => / info: peer alpha \(127\.0\.0\.1:\d+\) link \(set peer\): /.test(line)),
    ).toEqual([
      expect.stringMatching(/link \(set peer\): signal as the medium gives it, loss 100%$/),
      expect.stringMatching(/link \(set peer\): signal -80 dBm, loss 0%$/),
    ]);

    // A wrong request changes nothing and says why in one sentence, exit 1.
    expect(await runSet(["peer", "alpha", "loss", "0%", "signal", "-200"], path, out, err)).toBe(1);
    expect(stderr.pop()).toBe(
      `wifi-tunnel: the agent refused 'set peer alpha loss 0% signal -200': set peer alpha: signal: '-200' is not a signal in dBm (a whole number from -127 to 0, e.g. -72, or default)\n`,
    );
    expect(await runSet(["peer", "charlie", "loss", "5%"], path, out, err)).toBe(1);
    expect(stderr.pop()).toMatch(
      /: set peer: no peer is named 'charlie'; name it by HOST:PORT, its Name or its node name/,
    );
    expect(bravo.links.get(bravo.peers.all()[0] as never)).toEqual({ signalDbm: -80, lossPercent: 0 });
  });

  it("a medium that decides fates is told the loss toward each radio a lossy peer announced, again when it changes", async () => {
    const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
    const radio = 0x02_00_00_00_0a_01;
    let macs: number[] = [];
    const medium = new FateMedium("fates");
    const a = new Agent({
      nodeId: portA,
      nodeName: "a",
      psk: null,
      listen: { address: "127.0.0.1", port: portA },
      peers: [
        { address: "127.0.0.1", port: portB, name: "other", link: { signalDbm: null, lossPercent: 20 } },
      ],
      media: [medium],
      localRadioMacs: () => [],
      log: quiet,
      keepaliveMs: 100,
    });
    const b = new Agent({
      nodeId: portB,
      nodeName: "b",
      psk: null,
      listen: { address: "127.0.0.1", port: portB },
      peers: [{ address: "127.0.0.1", port: portA }],
      media: [new HandMedium("b")],
      // hwsim's registered medium learns its radios from their frames: none in the first HELLO.
      localRadioMacs: () => macs,
      log: quiet,
      keepaliveMs: 100,
    });
    for (const started of [a, b]) {
      await started.start();
      cleanups.push(() => started.stop());
    }
    await until(() => a.peers.all()[0]?.identity !== null, "b's HELLO at a");
    expect(medium.losses.at(-1)).toEqual(new Map());
    macs = [radio];
    await until(() => medium.losses.at(-1)?.get(radio) === 20, "the loss toward b's radio");
    const peer = a.peers.all()[0];
    if (peer === undefined) throw new Error("no peer");
    a.setLink(peer, { lossPercent: 0 }, "test");
    expect(medium.losses.at(-1)).toEqual(new Map());
    a.setLink(peer, { lossPercent: 35 }, "test");
    expect(medium.losses.at(-1)).toEqual(new Map([[radio, 35]]));
  });

  it("NAME is HOST:PORT, then a Name, then a bare address, then a node name; a shared one is refused", () => {
    const agent = new Agent({
      nodeId: 1,
      nodeName: "x",
      psk: null,
      listen: { address: "127.0.0.1", port: 0 },
      peers: [
        { address: "10.0.0.2", port: 8211, name: "ap1" },
        { address: "10.0.0.2", port: 8212, name: "ap2" },
        { address: "10.0.0.3", port: 8211, name: "10.0.0.2" },
      ],
      media: [new HandMedium("m")],
      localRadioMacs: () => [],
      log: quiet,
    });
    const set = peerLinkSetter(agent);
    const who = (name: string) => {
      const result = set(name, [["loss", "1%"]]);
      return result.ok ? result.value.peer : result.error.detail;
    };
    expect(who("10.0.0.2:8212")).toBe("ap2 (10.0.0.2:8212)");
    expect(who("ap1")).toBe("ap1 (10.0.0.2:8211)");
    // A Name wins over a bare address.
    expect(who("10.0.0.2")).toBe("10.0.0.2 (10.0.0.3:8211)");
    expect(who("10.0.0.3")).toBe("10.0.0.2 (10.0.0.3:8211)");
    const [, , third] = agent.peers.all();
    if (third) third.name = null;
    expect(who("10.0.0.2")).toBe(
      "set peer: '10.0.0.2' names 2 peers (ap1 (10.0.0.2:8211), ap2 (10.0.0.2:8212)); name one by HOST:PORT",
    );
  });

  it("a medium that applies signal is not named as ignoring it", async () => {
    const agent = new Agent({
      nodeId: 1,
      nodeName: "x",
      psk: null,
      listen: { address: "127.0.0.1", port: 0 },
      peers: [{ address: "127.0.0.1", port: 9, name: "p" }],
      media: [new HandMedium("netlink-like", true), new HandMedium("monitor-like")],
      localRadioMacs: () => [],
      log: quiet,
    });
    const set = peerLinkSetter(agent);
    expect(set("p", [["signal", "-60"]])).toEqual({
      ok: true,
      value: {
        peer: "p (127.0.0.1:9)",
        endpoint: "127.0.0.1:9",
        signalDbm: -60,
        lossPercent: 0,
        signalIgnoredBy: ["monitor-like"],
      },
    });
    expect(set("p", [["Signal", "default"]])).toMatchObject({ ok: true, value: { signalIgnoredBy: [] } });
    expect(set("p", [["tx", "1"]])).toMatchObject({ ok: false });
  });
});
