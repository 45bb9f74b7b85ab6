// The BUNDLE codec (bundle extension): what it packs comes back byte for byte, and every framing
// fault is refused whole, by reason, without throwing.
import { describe, expect, it } from "vitest";
import { bundleEncodingLength, decodeBundle, encodeBundle, isBundle } from "../../src/tunnel/bundle.js";
import { BUNDLE_HEADER_LENGTH, HEADER_LENGTH, MAX_BUNDLE_LENGTH } from "../../src/tunnel/constants.js";
import { decodeMessage } from "../../src/tunnel/message.js";
import { TunnelSender } from "../../src/tunnel/sender.js";
import { frameDatagrams } from "./frame-datagrams.js";

const sender = new TunnelSender({ nodeId: 7, sessionId: 77n, psk: null });
const frame = frameDatagrams(sender);

describe("BUNDLE codec", () => {
  it("round-trips datagrams of every size a frame gives, in order", () => {
    for (const sizes of [[10], [10, 2400], [1550, 1550, 1550, 1550, 1550], [24, 24, 24]]) {
      const datagrams = sizes.map((size, index) => frame(size, index));
      const bundle = encodeBundle(datagrams);
      expect(bundle.length).toBe(bundleEncodingLength(datagrams));
      expect(isBundle(bundle)).toBe(true);
      const inner = decodeBundle(bundle);
      expect(inner.ok && inner.value.map((one) => one.toString("hex"))).toEqual(
        datagrams.map((one) => one.toString("hex")),
      );
      // What comes out is an ordinary datagram again.
      if (inner.ok) for (const one of inner.value) expect(decodeMessage(one).ok).toBe(true);
    }
  });

  it("is not mistaken for a FRAME or HELLO, and they are not bundles", () => {
    expect(isBundle(frame(30))).toBe(false);
    const bundle = encodeBundle([frame(30)]);
    const asMessage = decodeMessage(bundle);
    expect(asMessage.ok || asMessage.error.reason).toBe("unknown-type");
  });

  const good = encodeBundle([frame(30), frame(40)]);
  const cases: [string, Buffer, string][] = [
    ["flags set", Buffer.concat([good.subarray(0, 4), Buffer.from([1]), good.subarray(5)]), "bad-field"],
    ["no datagram", good.subarray(0, BUNDLE_HEADER_LENGTH), "truncated"],
    ["a length without its datagram", good.subarray(0, good.length - 1), "truncated"],
    ["one byte of a length", Buffer.concat([good, Buffer.from([0])]), "truncated"],
    [
      "an entry too short to be a datagram",
      Buffer.concat([good, Buffer.from([0, HEADER_LENGTH - 1]), Buffer.alloc(HEADER_LENGTH - 1)]),
      "bad-field",
    ],
    ["a bundle inside", Buffer.concat([good, Buffer.from([0, good.length]), good]), "bad-field"],
    ["longer than UDP carries", Buffer.concat([good, Buffer.alloc(MAX_BUNDLE_LENGTH)]), "oversize"],
  ];
  it.each(cases)("refuses %s", (_name, bundle, reason) => {
    const inner = decodeBundle(bundle);
    expect(inner.ok || inner.error.reason).toBe(reason);
  });

  it("refuses to encode what it would not decode", () => {
    expect(() => encodeBundle([])).toThrow(RangeError);
    expect(() => encodeBundle([good])).toThrow(RangeError);
    expect(() => encodeBundle([Buffer.alloc(HEADER_LENGTH - 1)])).toThrow(RangeError);
    expect(() => encodeBundle(Array.from({ length: 28 }, () => frame(2400)))).toThrow(RangeError);
  });

  it("never throws on random bytes that claim to be a bundle", () => {
    for (let n = 0; n < 2000; n++) {
      const bytes = Buffer.from(Array.from({ length: 5 + (n % 90) }, () => Math.floor(Math.random() * 256)));
      good.copy(bytes, 0, 0, 5);
      const inner = decodeBundle(bytes);
      if (inner.ok) for (const one of inner.value) expect(one.length).toBeGreaterThanOrEqual(HEADER_LENGTH);
    }
  });
});
