import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AirFrame } from "../../src/medium/medium.js";
import {
  FRAME_METADATA_LENGTH,
  HEADER_LENGTH,
  HeaderOffset,
  MAX_FRAME_BYTES,
  TUNNEL_REJECT_REASONS,
} from "../../src/tunnel/constants.js";
import type { Hello } from "../../src/tunnel/hello.js";
import { TunnelReceiver } from "../../src/tunnel/receiver.js";
import { REPLAY_WINDOW } from "../../src/tunnel/replay.js";
import { TunnelSender } from "../../src/tunnel/sender.js";

const psk = Buffer.alloc(32, 0x42);
const otherPsk = Buffer.alloc(32, 0x43);

function air(tag: number, frameBytes = 30): AirFrame {
  return { frame: Buffer.alloc(frameBytes, tag), freqMhz: 2437, rate500kbps: 2, signalDbm: -50, flags: 0 };
}

const hello: Hello = {
  keepaliveIntervalMs: 1000,
  capabilities: 0,
  replyRequested: true,
  nodeName: "vm1",
  radioMacs: [],
};

/** The receivers' own run: with a key, every FRAME is sealed for it (the pair key). */
const OWN = { nodeId: 1, sessionId: 5n };

function frameDatagram(sender: TunnelSender, tag: number, frameBytes = 30): Buffer {
  const datagram = sender.frame(air(tag, frameBytes));
  if (!datagram.ok) throw new Error(datagram.error.detail);
  return sender.pairsFrames ? sender.sealFrameFor(datagram.value, OWN) : datagram.value;
}

function reasonOf(receiver: TunnelReceiver, datagram: Buffer): string {
  const opened = receiver.open(datagram);
  return opened.ok ? opened.value.arrival : opened.error.reason;
}

describe.each([
  ["unsealed", null],
  ["sealed", psk],
])("a %s sender/receiver pair", (_mode, key) => {
  it("carries HELLO and FRAME messages with their origin", () => {
    const sender = new TunnelSender({ nodeId: 7, sessionId: 99n, psk: key });
    const receiver = new TunnelReceiver({ psk: key, own: OWN });
    const helloOpened = receiver.open(sender.hello(hello));
    expect(helloOpened).toEqual({
      ok: true,
      value: {
        arrival: "new-session",
        message: { type: "hello", origin: { nodeId: 7, sessionId: 99n, sequence: 0n }, hello },
      },
    });
    const frameOpened = receiver.open(frameDatagram(sender, 0xaa));
    expect(frameOpened).toEqual({
      ok: true,
      value: {
        arrival: "in-order",
        message: { type: "frame", origin: { nodeId: 7, sessionId: 99n, sequence: 1n }, air: air(0xaa) },
      },
    });
  });

  it("refuses the same datagram twice as replayed", () => {
    const sender = new TunnelSender({ nodeId: 7, psk: key });
    const receiver = new TunnelReceiver({ psk: key, own: OWN });
    expect(reasonOf(receiver, sender.hello(hello))).toBe("new-session");
    const datagram = frameDatagram(sender, 1);
    expect(reasonOf(receiver, datagram)).toBe("in-order");
    expect(reasonOf(receiver, datagram)).toBe("replayed");
    expect(receiver.stats().rejected.replayed).toBe(1);
  });

  it("accepts reordered datagrams once and counts loss, reordering and old ones", () => {
    const sender = new TunnelSender({ nodeId: 7, psk: key });
    const receiver = new TunnelReceiver({ psk: key, own: OWN });
    // Only a HELLO starts a session: it takes sequence 0.
    const datagrams = [
      sender.hello(hello),
      ...Array.from({ length: REPLAY_WINDOW + 10 }, (_, i) => frameDatagram(sender, i & 0xff)),
    ];
    expect(reasonOf(receiver, datagrams[0])).toBe("new-session");
    expect(reasonOf(receiver, datagrams[3])).toBe("in-order");
    expect(reasonOf(receiver, datagrams[2])).toBe("reordered");
    expect(reasonOf(receiver, datagrams[2])).toBe("replayed");
    // A jump of exactly a window: unsealed, the most one datagram may move the window at once.
    expect(reasonOf(receiver, datagrams[REPLAY_WINDOW + 3])).toBe("in-order");
    expect(reasonOf(receiver, datagrams[1])).toBe("too-old");
    const stats = receiver.stats();
    expect(stats.accepted).toBe(4);
    expect(stats.rejected).toMatchObject({ replayed: 1, "too-old": 1 });
    expect(stats.senders).toEqual([
      {
        nodeId: 7,
        sessionId: sender.sessionId,
        received: 4,
        reordered: 1,
        duplicates: 1,
        tooOld: 1,
        highestSequence: BigInt(REPLAY_WINDOW + 3),
        lost: REPLAY_WINDOW + 4 - 4,
      },
    ]);
  });

  it("follows a restarted peer to its new session and refuses the old one's datagrams", () => {
    const beforeRestart = new TunnelSender({ nodeId: 7, sessionId: 1n, psk: key });
    const afterRestart = new TunnelSender({ nodeId: 7, sessionId: 2n, psk: key });
    const receiver = new TunnelReceiver({ psk: key, own: OWN });
    const recorded = [beforeRestart.hello(hello), frameDatagram(beforeRestart, 2)];
    expect(reasonOf(receiver, recorded[0])).toBe("new-session");
    expect(reasonOf(receiver, afterRestart.hello(hello))).toBe("new-session");
    // Sealed, the old session is retired; unsealed, a forged "restart" must not block the genuine
    // stream, so sessions of one node id live side by side and nothing can be refused as stale.
    expect(reasonOf(receiver, recorded[1])).toBe(key === null ? "in-order" : "stale-session");
    expect(reasonOf(receiver, frameDatagram(afterRestart, 4))).toBe("in-order");
    // Unsealed, sessions of one node id live side by side (a forged one displaces nothing).
    expect(receiver.stats().senders).toContainEqual(expect.objectContaining({ sessionId: 2n, received: 2 }));
  });

  it("does not let a datagram it refuses move the replay window", () => {
    const sender = new TunnelSender({ nodeId: 7, psk: key });
    const receiver = new TunnelReceiver({ psk: key, own: OWN });
    expect(reasonOf(receiver, sender.hello(hello))).toBe("new-session");
    const next = frameDatagram(sender, 1);
    // Claim a sequence number far ahead. Sealed, the tag no longer matches; unsealed, there is no tag,
    // so make the body malformed instead (a FRAME with no 802.11 frame in it).
    const forged = Buffer.from(key === null ? next.subarray(0, HEADER_LENGTH + FRAME_METADATA_LENGTH) : next);
    forged.writeBigUInt64BE(1_000_000n, HeaderOffset.sequence);
    expect(reasonOf(receiver, forged)).toBe(key === null ? "bad-field" : "unauthenticated");
    expect(reasonOf(receiver, next)).toBe("in-order");
    expect(receiver.stats().senders[0].highestSequence).toBe(1n);
  });
});

describe("key policy", () => {
  it("a receiver without a key refuses sealed datagrams", () => {
    const receiver = new TunnelReceiver({ psk: null });
    expect(reasonOf(receiver, frameDatagram(new TunnelSender({ nodeId: 1, psk }), 1))).toBe(
      "sealed-but-no-key",
    );
  });

  it("a receiver with a key refuses unsealed datagrams", () => {
    const receiver = new TunnelReceiver({ psk });
    expect(reasonOf(receiver, frameDatagram(new TunnelSender({ nodeId: 1, psk: null }), 1))).toBe(
      "not-sealed",
    );
  });

  it("a receiver with another key cannot authenticate", () => {
    const receiver = new TunnelReceiver({ psk: otherPsk, own: OWN });
    expect(reasonOf(receiver, new TunnelSender({ nodeId: 1, psk }).hello(hello))).toBe("unauthenticated");
    expect(receiver.stats()).toMatchObject({ accepted: 0, senders: [], rejected: { unauthenticated: 1 } });
  });

  it("counts every refusal by reason", () => {
    const receiver = new TunnelReceiver({ psk });
    receiver.open(Buffer.from("not a tunnel datagram"));
    receiver.open(Buffer.from([0x57, 0x54, 0x01])); // "WT" v1, then nothing
    receiver.open(frameDatagram(new TunnelSender({ nodeId: 1, psk: null }), 1));
    const { rejected } = receiver.stats();
    expect(rejected).toMatchObject({ "bad-magic": 1, truncated: 1, "not-sealed": 1 });
    expect(Object.values(rejected).reduce((sum, count) => sum + count, 0)).toBe(3);
  });
});

describe("TunnelSender", () => {
  it("numbers datagrams from 0 and spends no number on a refused frame", () => {
    const sender = new TunnelSender({ nodeId: 1, psk: null });
    expect(sender.nextSequence).toBe(0n);
    sender.hello(hello);
    expect(sender.frame(air(1, MAX_FRAME_BYTES + 1))).toMatchObject({
      ok: false,
      error: { reason: "oversize" },
    });
    expect(sender.frame({ ...air(1), signalDbm: 200 })).toMatchObject({
      ok: false,
      error: { reason: "bad-field" },
    });
    expect(() => sender.hello({ ...hello, keepaliveIntervalMs: 0 })).toThrow(RangeError);
    expect(sender.nextSequence).toBe(1n);
    expect(frameDatagram(sender, 1).readBigUInt64BE(HeaderOffset.sequence)).toBe(1n);
  });

  it("draws a random session id per run", () => {
    const a = new TunnelSender({ nodeId: 1, psk: null });
    const b = new TunnelSender({ nodeId: 1, psk: null });
    expect(a.sessionId).not.toBe(b.sessionId);
  });

  it("refuses a node id that is not a u32", () => {
    expect(() => new TunnelSender({ nodeId: 2 ** 32, psk: null })).toThrow(RangeError);
    expect(() => new TunnelSender({ nodeId: -1, psk: null })).toThrow(RangeError);
  });
});

describe("TunnelReceiver on hostile input", () => {
  const outcomes = new Set<string>(["new-session", "in-order", "reordered", ...TUNNEL_REJECT_REASONS]);

  it.each([
    ["with a key", psk],
    ["without a key", null],
  ])("never throws %s, whatever arrives", (_mode, key) => {
    const receiver = new TunnelReceiver({ psk: key });
    const sealedHeader = frameDatagram(new TunnelSender({ nodeId: 9, psk }), 1).subarray(0, HEADER_LENGTH);
    const arbitraryDatagram = fc.oneof(
      fc.uint8Array({ maxLength: 2600 }).map((bytes) => Buffer.from(bytes)),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.concat([sealedHeader, Buffer.from(bytes)])),
    );
    fc.assert(
      fc.property(arbitraryDatagram, (datagram) => {
        expect(outcomes.has(reasonOf(receiver, datagram))).toBe(true);
      }),
    );
    expect(receiver.stats().accepted).toBe(0);
  });
});
