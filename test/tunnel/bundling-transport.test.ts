// BundlingTransport with a recording transport: one turn's FRAMEs for one peer leave as one bundle,
// within the limit, in order; HELLOs, peers without the capability and a limit of 0 pass through.
import { describe, expect, it } from "vitest";
import { decodeBundle, isBundle } from "../../src/tunnel/bundle.js";
import { BundlingTransport, MAX_BUNDLED_DATAGRAMS } from "../../src/tunnel/bundling-transport.js";
import { TunnelSender } from "../../src/tunnel/sender.js";
import { frameDatagrams } from "./frame-datagrams.js";

const sender = new TunnelSender({ nodeId: 1, psk: null });
const frame = frameDatagrams(sender);

function setup(limit: number, accepting: ReadonlySet<string> = new Set(["a", "b"])) {
  const sent: { to: string; datagram: Buffer }[] = [];
  let turnEnd: (() => void) | null = null;
  const transport = new BundlingTransport<string>(
    { send: (datagram, to) => sent.push({ to, datagram }), close: async () => {} },
    (to) => accepting.has(to),
    (to) => to,
    limit,
    (flush) => {
      expect(turnEnd).toBeNull(); // one flush per turn
      turnEnd = flush;
    },
  );
  const endTurn = () => {
    const flush = turnEnd;
    turnEnd = null;
    flush?.();
  };
  /** What each send carried, as the sequence numbers of the datagrams inside (bytes 17..24). */
  const carried = () =>
    sent.map(({ to, datagram }) => {
      const inner = isBundle(datagram) ? decodeBundle(datagram) : { ok: true as const, value: [datagram] };
      if (!inner.ok) throw new Error(inner.error.detail);
      return { to, sequences: inner.value.map((one) => Number(one.readBigUInt64BE(17))) };
    });
  return { transport, sent, endTurn, carried };
}

describe("BundlingTransport", () => {
  it("sends a turn's frames for one peer as one bundle, after the turn", () => {
    const { transport, sent, endTurn, carried } = setup(8192);
    const first = sender.nextSequence;
    for (let n = 0; n < 3; n++) transport.send(frame(1500), "a");
    expect(sent).toHaveLength(0);
    endTurn();
    expect(carried()).toEqual([{ to: "a", sequences: [0, 1, 2].map((n) => Number(first) + n) }]);
    expect(transport.counters.snapshot()).toEqual({ "bundles-sent": 1, "datagrams-bundled": 3 });
  });

  it("keeps each bundle within the byte limit and starts the next one in order", () => {
    const { transport, sent, endTurn, carried } = setup(5000);
    const first = Number(sender.nextSequence);
    for (let n = 0; n < 12; n++) transport.send(frame(1550), "a");
    endTurn();
    // 1582 bytes an entry: three fit in 5000.
    expect(carried().map(({ sequences }) => sequences.length)).toEqual([3, 3, 3, 3]);
    expect(carried().flatMap(({ sequences }) => sequences)).toEqual(
      Array.from({ length: 12 }, (_, n) => first + n),
    );
    for (const { datagram } of sent) expect(datagram.length).toBeLessThanOrEqual(5000);
  });

  it(`puts at most ${MAX_BUNDLED_DATAGRAMS} datagrams in one bundle, however small`, () => {
    const { transport, endTurn, carried } = setup(8192);
    for (let n = 0; n < 2 * MAX_BUNDLED_DATAGRAMS + 2; n++) transport.send(frame(60), "a");
    endTurn();
    expect(carried().map(({ sequences }) => sequences.length)).toEqual([
      MAX_BUNDLED_DATAGRAMS,
      MAX_BUNDLED_DATAGRAMS,
      2,
    ]);
  });

  it("sends a lone frame as it is, and keeps peers apart", () => {
    const { transport, sent, endTurn, carried } = setup(8192);
    const lone = frame(100);
    transport.send(lone, "a");
    transport.send(frame(100), "b");
    transport.send(frame(100), "b");
    endTurn();
    expect(sent[0].datagram).toBe(lone);
    expect(carried().map(({ to, sequences }) => [to, sequences.length])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
  });

  it("passes HELLOs, peers without the capability and everything with limit 0 straight through", () => {
    const hello = sender.hello({
      keepaliveIntervalMs: 1000,
      capabilities: 1,
      replyRequested: false,
      nodeName: "x",
      radioMacs: [],
    });
    const { transport, sent } = setup(8192, new Set(["a"]));
    transport.send(hello, "a");
    transport.send(frame(100), "c");
    expect(sent.map(({ datagram }) => isBundle(datagram))).toEqual([false, false]);
    const off = setup(0);
    off.transport.send(frame(100), "a");
    off.transport.send(frame(100), "a");
    expect(off.sent).toHaveLength(2);
  });

  it("sends what is queued before it closes", async () => {
    const { transport, sent } = setup(8192);
    transport.send(frame(100), "a");
    transport.send(frame(100), "a");
    await transport.close();
    expect(sent).toHaveLength(1);
    expect(isBundle(sent[0].datagram)).toBe(true);
  });
});
