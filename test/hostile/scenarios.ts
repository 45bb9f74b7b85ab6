// The hostile-input campaigns of issue 12, one function per row of its table, each returning the
// figure the table reports. The unit suite (hostile.test.ts) runs them small and asserts the fixed
// behaviour; bench/hostile.ts runs them full-size and prints the table.

import { randomBytes } from "node:crypto";
import { decodeBundle, isBundle } from "../../src/tunnel/bundle.js";
import { encodeMessage } from "../../src/tunnel/message.js";
import { TunnelReceiver } from "../../src/tunnel/receiver.js";
import { TunnelSender } from "../../src/tunnel/sender.js";
import { airOf, HostileLab, markedFrame, paced, until } from "./harness.js";

export const PSK = Buffer.alloc(32, 0x5a);

async function withLab<T>(
  psk: Buffer | null,
  run: (lab: HostileLab) => Promise<T>,
  peerInWorker = false,
): Promise<T> {
  const lab = await HostileLab.start({ psk, peerInWorker });
  try {
    await lab.untilConnected();
    return await run(lab);
  } finally {
    await lab.close();
  }
}

/**
 * Frames the target's hub wrote to its guest's socket: what reached the air. (The sink's own count
 * of intact reads also depends on how promptly its thread is scheduled: on this shared 2-core
 * machine a guest thread falls behind even at 5k frames/s and then reads glued messages.)
 */
function onAir(lab: HostileLab): number {
  const counters = lab.hub.counters();
  return counters["frames-from-tunnel"] - counters["dropped-port-backlog"];
}

/** Lets the target and the sink finish what is in flight: until nothing moves for 200 ms. */
async function settle(lab: HostileLab, maxMs = 5000): Promise<void> {
  let last = "";
  const deadline = Date.now() + maxMs;
  for (;;) {
    await lab.quiet(200);
    const { intact, corrupt } = await lab.sink.counts();
    const now = `${intact} ${corrupt} ${onAir(lab)} ${lab.target.receiveCounters?.get("datagrams-in")}`;
    if (now === last || Date.now() > deadline) return;
    last = now;
  }
}

export interface Delivery {
  readonly sent: number;
  /** Frames the target accepted from the tunnel (receive frames-in). */
  readonly accepted: number;
  /** Frames written to the guest's socket. */
  readonly delivered: number;
  /** Distinct frames the guest read intact (one whole frame per read). */
  readonly intact: number;
  /** Reads the guest got that were not one whole frame. */
  readonly corrupt: number;
  /** delivered / accepted, percent; intactPercent likewise for `intact`. */
  readonly intactPercent: number;
  readonly percent: number;
  /** Hub drops for a full port queue. */
  readonly portBacklog: number;
  /** Datagrams the sequence numbers say never arrived (lost in the kernel's UDP buffer). */
  readonly lost: number;
  readonly seconds: number;
}

/** Item 1: the genuine peer sends `count` frames at `perSecond` (0: unpaced) to a guest that reads. */
export async function delivery(
  count: number,
  perSecond: number,
  psk: Buffer | null = null,
  /** The genuine peer on its own thread (dist/ only, see peer-worker.ts). */
  peerInWorker = false,
): Promise<Delivery> {
  return withLab(
    psk,
    async (lab) => {
      const started = Date.now();
      await lab.genuine(count, perSecond, 0, 200);
      await settle(lab);
      const seconds = (Date.now() - started) / 1000;
      const { distinct, corrupt } = await lab.sink.counts();
      const accepted = lab.target.receiveCounters?.get("frames-in") ?? 0;
      const session = lab.target.receiver.stats().senders.find((s) => s.nodeId === lab.peerNodeId);
      const delivered = onAir(lab);
      return {
        sent: count,
        accepted,
        delivered,
        intact: distinct,
        corrupt,
        percent: accepted === 0 ? 0 : (100 * delivered) / accepted,
        intactPercent: accepted === 0 ? 0 : (100 * distinct) / accepted,
        portBacklog: lab.hub.counters()["dropped-port-backlog"],
        lost: session?.lost ?? 0,
        seconds,
      };
    },
    peerInWorker,
  );
}

/** A genuine-looking unsealed FRAME from a session of the attacker's choosing. */
function forgedFrame(nodeId: number, sessionId: bigint, sequence: bigint, index: number): Buffer {
  return encodeMessage({
    type: "frame",
    origin: { nodeId, sessionId, sequence },
    air: airOf(markedFrame(index, 120)),
  });
}

function forgedHello(nodeId: number, sessionId: bigint, sequence: bigint, nodeName: string): Buffer {
  return encodeMessage({
    type: "hello",
    origin: { nodeId, sessionId, sequence },
    hello: { keepaliveIntervalMs: 1000, capabilities: 0, replyRequested: true, nodeName, radioMacs: [] },
  });
}

function randomSession(): bigint {
  return randomBytes(8).readBigUInt64BE(0);
}

/**
 * Item 2 (and 7): a mixed campaign of `count` hostile datagrams, unsealed: random bytes, mutated
 * genuine datagrams, valid frames from a stranger's port, forged sessions from the peer's own
 * endpoint, plus garbage on the airport socket. Returns the log lines the target wrote.
 */
export async function campaign(
  count: number,
  psk: Buffer | null = null,
): Promise<{ lines: number; hellosReflected: number; sample: string[]; onAir: number }> {
  return withLab(psk, async (lab) => {
    const linesBefore = lab.lineCount;
    const hellosBefore = lab.hellosToPeer;
    const onAirBefore = onAir(lab);
    const genuineNode = lab.peer.sender.nodeId;
    const sample = forgedFrame(genuineNode, lab.peer.sender.sessionId, 5n, 1);
    const stranger = new TunnelSender({ nodeId: 0x5eed, psk });
    // A second guest on the hub that writes nonsense between frames.
    const { QemuAirportClient } = await import("../../lab/qemu-airport-client.js");
    const rogue = await QemuAirportClient.connect(lab.hub.socketPath, 20);
    try {
      await paced(count, 0, (i) => {
        switch (i % 6) {
          case 0:
            lab.forged(randomBytes(1 + (i % 90)));
            break;
          case 1: {
            const mutated = Buffer.from(sample);
            mutated[i % mutated.length] ^= 1 + (i % 255);
            lab.forged(mutated);
            break;
          }
          case 2: {
            const frame = stranger.frame(airOf(markedFrame(i, 100)));
            if (frame.ok) lab.fromAttacker(frame.value);
            break;
          }
          case 3:
            lab.forged(forgedFrame(randomBytes(4).readUInt32BE(0), randomSession(), 0n, i));
            break;
          case 4:
            lab.forged(forgedHello(genuineNode, randomSession(), 0n, `forged-${i}`));
            break;
          case 5:
            if (i % 60 === 5) rogue.sendRaw(Buffer.from([7, 20, 0, 0, 1, 2, 3]));
            else if (i % 60 === 11) rogue.sendFrame(Buffer.alloc(12, 0xee));
            else lab.forged(forgedFrame(genuineNode, randomSession(), BigInt(i), i));
            break;
        }
      });
      await lab.quiet(300);
    } finally {
      await rogue.close();
    }
    return {
      lines: lab.lineCount - linesBefore,
      hellosReflected: lab.hellosToPeer - hellosBefore,
      onAir: onAir(lab) - onAirBefore,
      sample: lab.lines.slice(-5),
    };
  });
}

/** Item 3: valid frames sent from the peer's address but another port. Returns frames on the air. */
export async function wrongPort(count: number): Promise<number> {
  return withLab(null, async (lab) => {
    const stranger = new TunnelSender({ nodeId: 0x5eed, psk: null });
    lab.fromAttacker(
      stranger.hello({
        keepaliveIntervalMs: 1000,
        capabilities: 0,
        replyRequested: false,
        nodeName: "x",
        radioMacs: [],
      }),
    );
    await paced(count, 0, (i) => {
      const frame = stranger.frame(airOf(markedFrame(i, 100)));
      if (frame.ok) lab.fromAttacker(frame.value);
    });
    await settle(lab);
    return onAir(lab);
  });
}

/** Item 4: a HELLO whose node name carries a newline and a fake log line. Returns the lines with control characters. */
export async function nameInjection(): Promise<{ unsafe: number; lines: string[] }> {
  return withLab(null, async (lab) => {
    const node = lab.peer.sender.nodeId;
    lab.forged(forgedHello(node, randomSession(), 0n, "evil\nerror: forged line\u001b[2J"));
    await lab.quiet(200);
    // The name then labels the peer in later lines: have one written.
    lab.forged(Buffer.from("WT\x01\x07garbage-of-unknown-type---------"));
    await lab.quiet(200);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
    const unsafe = lab.lines.filter((line) => /[\u0000-\u001f\u007f-\u009f]/.test(line));
    return { unsafe: unsafe.length, lines: unsafe };
  });
}

/**
 * Item 5: without a key, one forged datagram (a huge sequence number, or a new session for the
 * genuine node id), then `count` genuine frames. Returns how many of those reach the air.
 */
export async function unsealedForgery(kind: "sequence" | "session", count: number): Promise<number> {
  return withLab(null, async (lab) => {
    await lab.genuine(10, 0, 0);
    await settle(lab);
    const { nodeId, sessionId } = lab.peer.sender;
    const forgery =
      kind === "sequence"
        ? forgedFrame(nodeId, sessionId, 0xffff_ffff_ffff_ffffn, 999_999)
        : forgedFrame(nodeId, sessionId ^ 0x5a5an, 1_000_000n, 999_999);
    lab.forged(forgery);
    await lab.quiet(50);
    const before = onAir(lab);
    await lab.genuine(count, 5000, 100);
    await settle(lab);
    return onAir(lab) - before;
  });
}

/**
 * Item 6: sealed forgeries, each from a fresh node id and session, straight into a TunnelReceiver:
 * rejections per CPU-second and resident memory growth.
 */
export function sealedForgeries(count: number): { perCpuSecond: number; rssGrowthMb: number } {
  const receiver = new TunnelReceiver({ psk: PSK });
  const datagrams = Array.from({ length: 4096 }, () => {
    const forged = encodeMessage(
      { type: "frame", origin: { nodeId: 0, sessionId: 0n, sequence: 0n }, air: airOf(markedFrame(1, 120)) },
      16,
    );
    forged[4] = 1; // sealed
    return forged;
  });
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const datagram = datagrams[i % datagrams.length];
    datagram.writeUInt32BE(i >>> 0, 5);
    datagram.writeUInt32BE((i * 2654435761) >>> 0, 9);
    receiver.open(datagram);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (cpu.user + cpu.system) / 1e6;
  return { perCpuSecond: count / seconds, rssGrowthMb: (process.memoryUsage().rss - rssBefore) / 2 ** 20 };
}

/** Item 7: forged datagrams of fresh sessions from the peer's endpoint. Returns HELLOs sent back. */
export async function reflection(
  count: number,
  psk: Buffer | null = null,
): Promise<{ hellos: number; seconds: number }> {
  return withLab(psk, async (lab) => {
    const before = lab.hellosToPeer;
    const started = Date.now();
    const node = lab.peer.sender.nodeId;
    await paced(count, 0, (i) => {
      lab.forged(
        i % 2 === 0 ? forgedFrame(node, randomSession(), 0n, i) : forgedHello(node, randomSession(), 0n, "f"),
      );
    });
    await lab.quiet(300);
    return { hellos: lab.hellosToPeer - before, seconds: (Date.now() - started) / 1000 };
  });
}

/**
 * Item 8: with a key, record what the peer sends the target, restart the target, replay the
 * recording from the peer's endpoint. Returns recorded frames that reach the new run's air.
 */
export async function restartReplay(
  count: number,
): Promise<{ recorded: number; replayedOnAir: number; genuineAfter: number }> {
  const lab = await HostileLab.start({ psk: PSK });
  try {
    await lab.untilConnected();
    lab.recording = true;
    await lab.genuine(count, 5000, 0, 150);
    await settle(lab);
    lab.recording = false;
    await lab.stopTarget();
    await lab.startTarget();
    await until(() => lab.target.peers.all()[0].identity !== null, "the peer's HELLO after the restart");
    const before = onAir(lab);
    await paced(lab.recorded.length, 0, (i) => lab.forged(lab.recorded[i]));
    await settle(lab);
    const replayedOnAir = onAir(lab) - before;
    // The genuine peer, meanwhile, has done the handshake with the new run: its frames still go.
    await until(
      () => lab.peer.peers.all()[0].identity?.sessionId === lab.target.sender.sessionId,
      "the handshake",
    );
    const genuineBefore = onAir(lab);
    await lab.genuine(50, 5000, 100_000, 150);
    await settle(lab);
    // What was recorded, in tunnel datagrams: a BUNDLE holds several, each replayed inside it.
    const recorded = lab.recorded
      .map((datagram) => (isBundle(datagram) ? decodeBundle(datagram) : null))
      .reduce((total, bundle) => total + (bundle === null ? 1 : bundle.ok ? bundle.value.length : 0), 0);
    return { recorded, replayedOnAir, genuineAfter: onAir(lab) - genuineBefore };
  } finally {
    await lab.close();
  }
}

/**
 * Item 3, the roaming rule: with a key, the peer's next genuine datagram arriving from the
 * attacker's port moves the peer there; a forgery naming the peer's session from another port
 * does not. Returns the peer's endpoint port at the target after each.
 */
export async function roaming(): Promise<{ configured: number; afterForgery: number; afterGenuine: number }> {
  return withLab(PSK, async (lab) => {
    const peerAtTarget = lab.target.peers.all()[0];
    const configured = peerAtTarget.endpoint.port;
    const { nodeId, sessionId } = lab.peer.sender;
    const forgery = encodeMessage(
      { type: "frame", origin: { nodeId, sessionId, sequence: 1_000n }, air: airOf(markedFrame(1, 100)) },
      16,
    );
    forgery[4] = 0x03; // sealed, paired; the tag is garbage
    lab.fromAttacker(forgery);
    await lab.quiet(100);
    const afterForgery = peerAtTarget.endpoint.port;
    const template = lab.peer.sender.frame(airOf(markedFrame(2, 100)));
    if (!template.ok) throw new Error(template.error.detail);
    const target = { nodeId: lab.target.sender.nodeId, sessionId: lab.target.sender.sessionId };
    lab.fromAttacker(lab.peer.sender.sealFrameFor(template.value, target));
    await lab.quiet(100);
    return { configured, afterForgery, afterGenuine: peerAtTarget.endpoint.port };
  });
}
