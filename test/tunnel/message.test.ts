import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AirFrame, AirFrameFlags } from "../../src/medium/medium.js";
import {
  HEADER_LENGTH,
  HeaderOffset,
  MAX_DATAGRAM_LENGTH,
  MAX_FRAME_BYTES,
  TUNNEL_REJECT_REASONS,
} from "../../src/tunnel/constants.js";
import type { Hello } from "../../src/tunnel/hello.js";
import {
  decodeHeader,
  decodeMessage,
  encodeMessage,
  encodingLength,
  type MessageOrigin,
  type TunnelMessage,
} from "../../src/tunnel/message.js";

const origin: MessageOrigin = { nodeId: 0x0a0b0c0d, sessionId: 0x1122334455667788n, sequence: 42n };

const hello: Hello = {
  keepaliveIntervalMs: 1000,
  capabilities: 0,
  replyRequested: true,
  nodeName: "vm-ä",
  radioMacs: [0x020000000000, 0x020000000100],
};

function airFrame(frameBytes: number): AirFrame {
  return {
    frame: Buffer.alloc(frameBytes, 0xab),
    freqMhz: 5180,
    rate500kbps: 12,
    signalDbm: -42,
    flags: AirFrameFlags.noAck | AirFrameFlags.shortPreamble,
  };
}

function decodeOk(datagram: Buffer): TunnelMessage {
  const decoded = decodeMessage(datagram);
  if (!decoded.ok) throw new Error(`expected ok, got ${decoded.error.reason}: ${decoded.error.detail}`);
  return decoded.value;
}

function reasonOf(datagram: Buffer): string {
  const decoded = decodeMessage(datagram);
  return decoded.ok ? "ok" : decoded.error.reason;
}

describe("header", () => {
  it("lays out magic, version, type, flags, node id, session id and sequence big-endian", () => {
    const datagram = encodeMessage({ type: "frame", origin, air: airFrame(10) });
    expect(datagram.subarray(0, HEADER_LENGTH).toString("hex")).toBe(
      "5754" + "01" + "02" + "00" + "0a0b0c0d" + "1122334455667788" + "000000000000002a",
    );
    const header = decodeHeader(datagram);
    expect(header).toEqual({ ok: true, value: { ...origin, type: 2, sealed: false } });
  });

  it("carries the full u32 node id and u64 session id and sequence", () => {
    const extreme = { nodeId: 0xffffffff, sessionId: 0xffffffffffffffffn, sequence: 0xffffffffffffffffn };
    expect(decodeOk(encodeMessage({ type: "hello", origin: extreme, hello })).origin).toEqual(extreme);
  });

  it("rejects foreign, short, future, unknown and flagged datagrams by reason", () => {
    const valid = encodeMessage({ type: "hello", origin, hello });
    const withByte = (offset: number, value: number) => {
      const copy = Buffer.from(valid);
      copy[offset] = value;
      return copy;
    };
    expect(reasonOf(Buffer.from("GET / HTTP/1.1\r\n"))).toBe("bad-magic");
    expect(reasonOf(Buffer.alloc(0))).toBe("truncated");
    expect(reasonOf(Buffer.from([0x57]))).toBe("truncated");
    expect(reasonOf(valid.subarray(0, HEADER_LENGTH - 1))).toBe("truncated");
    expect(reasonOf(withByte(HeaderOffset.version, 2))).toBe("bad-version");
    expect(reasonOf(withByte(HeaderOffset.type, 0x7f))).toBe("unknown-type");
    expect(reasonOf(withByte(HeaderOffset.type, 0))).toBe("unknown-type");
    expect(reasonOf(withByte(HeaderOffset.flags, 0x80))).toBe("bad-field");
    expect(reasonOf(withByte(HeaderOffset.flags, 0x01))).toBe("sealed-but-no-key");
    expect(reasonOf(Buffer.concat([valid, Buffer.alloc(MAX_DATAGRAM_LENGTH)]))).toBe("oversize");
  });
});

describe("HELLO", () => {
  it("round-trips every field", () => {
    const message: TunnelMessage = { type: "hello", origin, hello };
    const datagram = encodeMessage(message);
    expect(datagram.length).toBe(encodingLength(message));
    expect(decodeOk(datagram)).toEqual(message);
  });

  it("round-trips the minimal HELLO (no name, no MACs, reply not requested)", () => {
    const bare: Hello = {
      keepaliveIntervalMs: 65535,
      capabilities: 0xffffffff,
      replyRequested: false,
      nodeName: "",
      radioMacs: [],
    };
    const datagram = encodeMessage({ type: "hello", origin, hello: bare });
    expect(datagram.length).toBe(HEADER_LENGTH + 7);
    expect(decodeOk(datagram)).toEqual({ type: "hello", origin, hello: bare });
  });

  it("skips TLVs of unknown type, so later versions can add facts", () => {
    const datagram = encodeMessage({ type: "hello", origin, hello });
    const unknownTlv = Buffer.from([0xee, 0x00, 0x03, 1, 2, 3]);
    expect(decodeOk(Buffer.concat([datagram, unknownTlv]))).toEqual({ type: "hello", origin, hello });
  });

  it("ignores HELLO flag bits it does not know", () => {
    const datagram = encodeMessage({ type: "hello", origin, hello: { ...hello, replyRequested: false } });
    datagram[HEADER_LENGTH] = 0xfe;
    const decoded = decodeOk(datagram);
    expect(decoded.type === "hello" && decoded.hello.replyRequested).toBe(false);
  });

  it("rejects a broken TLV list, bad names, MAC lists and a zero keepalive", () => {
    const base = encodeMessage({
      type: "hello",
      origin,
      hello: { ...hello, nodeName: "", radioMacs: [] },
    });
    const withTlvs = (...tlvs: number[][]) => Buffer.concat([base, ...tlvs.map((tlv) => Buffer.from(tlv))]);
    expect(reasonOf(withTlvs([0x01, 0x00]))).toBe("truncated"); // TLV header cut short
    expect(reasonOf(withTlvs([0x01, 0x00, 0x05, 0x61]))).toBe("truncated"); // value cut short
    expect(reasonOf(withTlvs([0x01, 0x00, 0x00]))).toBe("bad-field"); // empty name
    expect(reasonOf(withTlvs([0x01, 0x00, 0x02, 0xc3, 0x28]))).toBe("bad-field"); // not UTF-8
    expect(reasonOf(withTlvs([0x01, 0x00, 65, ...Buffer.alloc(65, 0x61)]))).toBe("bad-field"); // 65 bytes
    expect(reasonOf(withTlvs([0x01, 0x00, 0x01, 0x61], [0x01, 0x00, 0x01, 0x62]))).toBe("bad-field"); // twice
    expect(reasonOf(withTlvs([0x02, 0x00, 0x05, 1, 2, 3, 4, 5]))).toBe("bad-field"); // not 6n bytes
    expect(reasonOf(withTlvs([0x02, 0x00, 0x00], [0x02, 0x00, 0x00]))).toBe("bad-field"); // twice
    expect(reasonOf(base.subarray(0, HEADER_LENGTH + 6))).toBe("truncated"); // fixed part cut short
    const zeroKeepalive = Buffer.from(base);
    zeroKeepalive.writeUInt16BE(0, HEADER_LENGTH + 1);
    expect(reasonOf(zeroKeepalive)).toBe("bad-field");
  });

  it("refuses to encode content the wire cannot carry", () => {
    const encode = (bad: Partial<Hello>) => () =>
      encodeMessage({ type: "hello", origin, hello: { ...hello, ...bad } });
    expect(encode({ keepaliveIntervalMs: 0 })).toThrow(RangeError);
    expect(encode({ keepaliveIntervalMs: 65536 })).toThrow(RangeError);
    expect(encode({ capabilities: -1 })).toThrow(RangeError);
    expect(encode({ nodeName: "x".repeat(65) })).toThrow(RangeError);
    expect(encode({ radioMacs: [2 ** 48] })).toThrow(RangeError);
    expect(encode({ radioMacs: Array.from({ length: 400 }, (_, i) => i) })).toThrow(RangeError);
    expect(encode({ radioMacs: Array.from({ length: 300 }, (_, i) => i) })).not.toThrow();
  });
});

describe("FRAME", () => {
  it.each([1, 100, 1500, MAX_FRAME_BYTES])("round-trips a %i-byte frame with its metadata", (frameBytes) => {
    const message: TunnelMessage = { type: "frame", origin, air: airFrame(frameBytes) };
    const datagram = encodeMessage(message);
    expect(datagram.length).toBe(encodingLength(message));
    expect(datagram.length).toBe(HEADER_LENGTH + 5 + frameBytes);
    expect(decodeOk(datagram)).toEqual(message);
  });

  it("writes the metadata at the documented offsets", () => {
    const datagram = encodeMessage({ type: "frame", origin, air: airFrame(2) });
    expect(datagram.subarray(HEADER_LENGTH).toString("hex")).toBe("143c" + "0c" + "d6" + "03" + "abab");
  });

  it("rejects an empty frame, a cut metadata block and frames over 2400 bytes", () => {
    const header = encodeMessage({ type: "frame", origin, air: airFrame(1) }).subarray(0, HEADER_LENGTH);
    expect(reasonOf(Buffer.concat([header, Buffer.alloc(4)]))).toBe("truncated");
    expect(reasonOf(Buffer.concat([header, Buffer.alloc(5)]))).toBe("bad-field");
    expect(reasonOf(Buffer.concat([header, Buffer.alloc(5 + MAX_FRAME_BYTES)]))).toBe("ok");
    expect(reasonOf(Buffer.concat([header, Buffer.alloc(5 + MAX_FRAME_BYTES + 1)]))).toBe("oversize");
  });

  it("refuses to encode frames it could not decode", () => {
    const encode = (bad: Partial<AirFrame>) => () =>
      encodeMessage({ type: "frame", origin, air: { ...airFrame(10), ...bad } });
    expect(encode({ frame: Buffer.alloc(MAX_FRAME_BYTES + 1) })).toThrow(RangeError);
    expect(encode({ frame: Buffer.alloc(0) })).toThrow(RangeError);
    expect(encode({ signalDbm: -129 })).toThrow(RangeError);
    expect(encode({ freqMhz: 65536 })).toThrow(RangeError);
    expect(encode({ rate500kbps: 1.5 })).toThrow(RangeError);
  });

  it("round-trips any representable frame (property)", () => {
    const arbitraryAir = fc.record({
      frame: fc.uint8Array({ minLength: 1, maxLength: MAX_FRAME_BYTES }).map((bytes) => Buffer.from(bytes)),
      freqMhz: fc.integer({ min: 0, max: 0xffff }),
      rate500kbps: fc.integer({ min: 0, max: 0xff }),
      signalDbm: fc.integer({ min: -128, max: 127 }),
      flags: fc.integer({ min: 0, max: 0xff }),
    });
    fc.assert(
      fc.property(arbitraryAir, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (air, sequence) => {
        const message: TunnelMessage = { type: "frame", origin: { ...origin, sequence }, air };
        expect(decodeOk(encodeMessage(message))).toEqual(message);
      }),
    );
  });
});

describe("decodeMessage on hostile input", () => {
  const reasons = new Set<string>(["ok", ...TUNNEL_REJECT_REASONS]);
  const validDatagrams = fc.oneof(
    fc.constant(encodeMessage({ type: "hello", origin, hello })),
    fc.integer({ min: 1, max: 1600 }).map((n) => encodeMessage({ type: "frame", origin, air: airFrame(n) })),
  );

  it("never throws on random bytes and names a reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        expect(reasons.has(reasonOf(Buffer.from(bytes)))).toBe(true);
      }),
    );
  });

  it("never throws on random bytes behind a valid header", () => {
    const header = encodeMessage({ type: "hello", origin, hello }).subarray(0, HEADER_LENGTH);
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 600 }), (type, body) => {
        const datagram = Buffer.concat([header, Buffer.from(body)]);
        datagram[HeaderOffset.type] = type;
        expect(reasons.has(reasonOf(datagram))).toBe(true);
      }),
    );
  });

  it("never throws on bit-flipped, truncated or extended valid datagrams", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant("extend" as const),
        tail: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      }),
    );
    fc.assert(
      fc.property(validDatagrams, mutation, (valid, change) => {
        const datagram = Buffer.from(valid);
        let mutated: Buffer;
        if (change.kind === "flip") {
          datagram[change.at % datagram.length] ^= 1 << change.bit;
          mutated = datagram;
        } else if (change.kind === "cut") {
          mutated = datagram.subarray(0, change.at % datagram.length);
        } else {
          mutated = Buffer.concat([datagram, Buffer.from(change.tail)]);
        }
        expect(reasons.has(reasonOf(mutated))).toBe(true);
      }),
    );
  });
});
