// PairSealingTransport with a recording transport: frames wait for a peer's session, go out sealed
// for it in order, and stale ones are dropped and counted.
import { describe, expect, it } from "vitest";
import { HELD_FRAMES, HELD_MS, PairSealingTransport } from "../../src/tunnel/pair-transport.js";
import { TunnelReceiver } from "../../src/tunnel/receiver.js";
import { TunnelSender } from "../../src/tunnel/sender.js";

const psk = Buffer.alloc(32, 0x11);
const receiverRun = { nodeId: 2, sessionId: 22n };
const air = (tag: number) => ({
  frame: Buffer.alloc(30, tag),
  freqMhz: 2437,
  rate500kbps: 2,
  signalDbm: -40,
  flags: 0,
});

function setup() {
  let now = 0;
  let session: typeof receiverRun | null = null;
  const sent: Buffer[] = [];
  const sender = new TunnelSender({ nodeId: 1, psk });
  const transport = new PairSealingTransport<string>(
    { send: (datagram) => sent.push(datagram), close: async () => {} },
    sender,
    () => session,
    (to) => to,
    () => now,
  );
  const frame = (tag: number): Buffer => {
    const template = sender.frame(air(tag));
    if (!template.ok) throw new Error(template.error.detail);
    return template.value;
  };
  const receiver = new TunnelReceiver({ psk, own: receiverRun });
  receiver.open(
    sender.hello({
      keepaliveIntervalMs: 1000,
      capabilities: 0,
      replyRequested: false,
      nodeName: "",
      radioMacs: [],
    }),
  );
  return {
    sender,
    transport,
    sent,
    frame,
    receiver,
    know: () => {
      session = receiverRun;
    },
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe("PairSealingTransport", () => {
  it("holds frames until the peer's session is known, then sends them sealed for it, in order", () => {
    const lab = setup();
    lab.transport.send(lab.frame(1), "peer");
    lab.transport.send(lab.frame(2), "peer");
    expect(lab.sent).toEqual([]);
    lab.know();
    lab.transport.flush("peer");
    lab.transport.send(lab.frame(3), "peer");
    const opened = lab.sent.map((datagram) => lab.receiver.open(datagram));
    expect(
      opened.map(
        (result) => result.ok && result.value.message.type === "frame" && result.value.message.air.frame[0],
      ),
    ).toEqual([1, 2, 3]);
  });

  it("drops what waited longer than HELD_MS or beyond HELD_FRAMES, and counts it", () => {
    const lab = setup();
    lab.transport.send(lab.frame(1), "peer");
    lab.at(HELD_MS + 1);
    for (let i = 0; i < HELD_FRAMES; i++) lab.transport.send(lab.frame(2), "peer");
    expect(lab.transport.heldBackDropped).toBe(1);
    lab.know();
    lab.transport.flush("peer");
    expect(lab.sent).toHaveLength(HELD_FRAMES);
    expect(lab.transport.heldBackDropped).toBe(1);
  });

  it("passes HELLOs through untouched", () => {
    const lab = setup();
    const hello = lab.sender.hello({
      keepaliveIntervalMs: 1000,
      capabilities: 0,
      replyRequested: false,
      nodeName: "",
      radioMacs: [],
    });
    lab.transport.send(hello, "peer");
    expect(lab.sent).toEqual([hello]);
  });
});
