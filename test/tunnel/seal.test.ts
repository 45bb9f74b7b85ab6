import { createDecipheriv, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HEADER_LENGTH, HeaderFlags, HeaderOffset, TAG_LENGTH } from "../../src/tunnel/constants.js";
import { encodeMessage, type TunnelMessage } from "../../src/tunnel/message.js";
import { TunnelReceiver } from "../../src/tunnel/receiver.js";
import {
  aeadNonce,
  derivePairKey,
  deriveTrafficKey,
  openSealedBody,
  sealDatagram,
  sealInPlace,
  TrafficKeyCache,
} from "../../src/tunnel/seal.js";

const psk = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
const origin = { nodeId: 3, sessionId: 0x0123456789abcdefn, sequence: 9n };
const frameMessage = (frameBytes: number): TunnelMessage => ({
  type: "frame",
  origin,
  air: { frame: Buffer.alloc(frameBytes, 0x5a), freqMhz: 2412, rate500kbps: 2, signalDbm: -30, flags: 0 },
});
const helloMessage: TunnelMessage = {
  type: "hello",
  origin,
  hello: {
    keepaliveIntervalMs: 500,
    capabilities: 0,
    replyRequested: false,
    nodeName: "a",
    radioMacs: [0x02],
  },
};

/** HKDF-SHA256 from RFC 5869 written out with HMAC, to check the construction the docs describe. */
function hkdfByHand(ikm: Buffer, salt: string, info: Buffer): Buffer {
  const prk = createHmac("sha256", salt).update(ikm).digest();
  return createHmac("sha256", prk)
    .update(Buffer.concat([info, Buffer.from([1])]))
    .digest();
}

describe("traffic keys", () => {
  it("are HKDF-SHA256(PSK, salt 'wifi-tunnel v1', info 'traffic key' || node id || session id)", () => {
    const info = Buffer.concat([
      Buffer.from("traffic key"),
      Buffer.from("00000003", "hex"),
      Buffer.from("0123456789abcdef", "hex"),
    ]);
    expect(deriveTrafficKey(psk, 3, 0x0123456789abcdefn)).toEqual(hkdfByHand(psk, "wifi-tunnel v1", info));
  });

  it("differ per node id and per session id", () => {
    const keys = [
      deriveTrafficKey(psk, 3, 1n),
      deriveTrafficKey(psk, 4, 1n),
      deriveTrafficKey(psk, 3, 2n),
    ].map((key) => key.toString("hex"));
    expect(new Set(keys).size).toBe(3);
  });

  it("are cached per sender session, within a bound", () => {
    const cache = new TrafficKeyCache(psk, 2);
    const first = cache.get(1, 1n);
    expect(cache.get(1, 1n)).toBe(first);
    cache.get(2, 1n);
    cache.get(3, 1n);
    expect(cache.size).toBe(2);
    expect(cache.get(1, 1n)).not.toBe(first); // evicted, derived again
    expect(cache.get(1, 1n)).toEqual(first);
  });
});

describe("sealDatagram / openSealedBody", () => {
  const key = deriveTrafficKey(psk, origin.nodeId, origin.sessionId);

  it("uses nonce = 4 zero bytes || sequence (u64 BE)", () => {
    expect(aeadNonce(0x0102030405060708n).toString("hex")).toBe("000000000102030405060708");
  });

  it.each([1, 100, 1500])("seals a %i-byte frame to header || ciphertext || tag and opens it again", (n) => {
    const unsealed = encodeMessage(frameMessage(n));
    const sealed = sealDatagram(unsealed, key);
    expect(sealed.length).toBe(unsealed.length + TAG_LENGTH);
    expect(sealed[HeaderOffset.flags]).toBe(0x01);
    expect(sealed.subarray(HeaderOffset.nodeId, HEADER_LENGTH)).toEqual(
      unsealed.subarray(HeaderOffset.nodeId, HEADER_LENGTH),
    );
    expect(sealed.subarray(HEADER_LENGTH, HEADER_LENGTH + n)).not.toEqual(unsealed.subarray(HEADER_LENGTH));
    expect(openSealedBody(sealed, key)).toEqual({ ok: true, value: unsealed.subarray(HEADER_LENGTH) });
  });

  it("is plain RFC 8439 ChaCha20-Poly1305 with the sealed header as AAD", () => {
    const unsealed = encodeMessage(helloMessage);
    const sealed = sealDatagram(unsealed, key);
    const decipher = createDecipheriv(
      "chacha20-poly1305",
      deriveTrafficKey(psk, 3, origin.sessionId),
      aeadNonce(9n),
      {
        authTagLength: 16,
      },
    );
    decipher.setAAD(sealed.subarray(0, HEADER_LENGTH), { plaintextLength: unsealed.length - HEADER_LENGTH });
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const body = Buffer.concat([
      decipher.update(sealed.subarray(HEADER_LENGTH, sealed.length - 16)),
      decipher.final(),
    ]);
    expect(body).toEqual(unsealed.subarray(HEADER_LENGTH));
  });

  it("refuses a wrong key and a datagram too short to hold a tag", () => {
    const sealed = sealDatagram(encodeMessage(helloMessage), key);
    const otherKey = deriveTrafficKey(Buffer.alloc(32, 0xff), origin.nodeId, origin.sessionId);
    expect(openSealedBody(sealed, otherKey)).toMatchObject({
      ok: false,
      error: { reason: "unauthenticated" },
    });
    const short = sealed.subarray(0, HEADER_LENGTH + TAG_LENGTH - 1);
    expect(openSealedBody(short, key)).toMatchObject({ ok: false, error: { reason: "truncated" } });
    const tagOnly = sealed.subarray(0, HEADER_LENGTH + TAG_LENGTH);
    expect(openSealedBody(tagOnly, key)).toMatchObject({ ok: false, error: { reason: "unauthenticated" } });
  });
});

/** What a receiver holding the key must say after one bit of a sealed datagram flipped. */
function expectedReasonForFlip(byte: number, bit: number): string {
  if (byte < HeaderOffset.version) return "bad-magic";
  if (byte === HeaderOffset.version) return "bad-version";
  if (byte === HeaderOffset.type) return "unknown-type"; // 1 and 2 are the only types, never one bit apart
  if (byte === HeaderOffset.flags) return bit === 0 ? "not-sealed" : "bad-field";
  return "unauthenticated"; // node id, session id, sequence (AAD and key/nonce inputs), body, tag
}

/** A FRAME under the pair key: both flag bits are meaningful, and its session must be known. */
function expectedReasonForFrameFlip(byte: number, bit: number): string {
  if (byte === HeaderOffset.flags) return "bad-field"; // no sealed, no paired, or an unknown bit
  // Another node id or session id names a session no HELLO started: refused before any crypto.
  if (byte >= HeaderOffset.nodeId && byte < HeaderOffset.sequence) return "unknown-session";
  return expectedReasonForFlip(byte, bit);
}

/** The receiver of the FRAME tests, with the sender's session started by its HELLO. */
const OWN = { nodeId: 8, sessionId: 0x77n };
function frameReceiver(): TunnelReceiver {
  const receiver = new TunnelReceiver({ psk, own: OWN });
  const hello = sealDatagram(encodeMessage({ ...helloMessage, origin: { ...origin, sequence: 0n } }), key0);
  if (!receiver.open(hello).ok) throw new Error("the HELLO did not open");
  return receiver;
}
const key0 = deriveTrafficKey(psk, origin.nodeId, origin.sessionId);

function pairSealed(message: TunnelMessage): Buffer {
  const template = encodeMessage(message, TAG_LENGTH);
  template[HeaderOffset.flags] = HeaderFlags.sealed | HeaderFlags.paired;
  sealInPlace(template, derivePairKey(psk, origin, OWN));
  return template;
}

function reasonAfterFlip(
  sealed: Buffer,
  byte: number,
  bit: number,
  receiver = new TunnelReceiver({ psk }),
): string {
  const flipped = Buffer.from(sealed);
  flipped[byte] ^= 1 << bit;
  const opened = receiver.open(flipped);
  return opened.ok ? "ok" : opened.error.reason;
}

describe("tampering with a sealed datagram", () => {
  const key = deriveTrafficKey(psk, origin.nodeId, origin.sessionId);

  it("is detected for every single bit of a sealed HELLO", () => {
    const sealed = sealDatagram(encodeMessage(helloMessage), key);
    expect(new TunnelReceiver({ psk }).open(sealed).ok).toBe(true);
    for (let byte = 0; byte < sealed.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        expect([byte, bit, reasonAfterFlip(sealed, byte, bit)]).toEqual([
          byte,
          bit,
          expectedReasonForFlip(byte, bit),
        ]);
      }
    }
  });

  it("is detected for any bit of a sealed FRAME (property)", () => {
    const sealed = pairSealed(frameMessage(1500));
    expect(frameReceiver().open(sealed).ok).toBe(true);
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 0, max: 7 }), (byte, bit) => {
        expect(reasonAfterFlip(sealed, byte, bit, frameReceiver())).toBe(
          expectedReasonForFrameFlip(byte, bit),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("is detected when the datagram is cut or extended", () => {
    const sealed = pairSealed(frameMessage(100));
    fc.assert(
      fc.property(
        fc.nat({ max: sealed.length - 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 32 }),
        (cut, tail) => {
          const receiver = frameReceiver();
          const shortened = receiver.open(sealed.subarray(0, cut));
          const expected = cut < HEADER_LENGTH + TAG_LENGTH ? "truncated" : "unauthenticated";
          expect(shortened.ok ? "ok" : shortened.error.reason).toBe(expected);
          const extended = receiver.open(Buffer.concat([sealed, Buffer.from(tail)]));
          expect(extended.ok ? "ok" : extended.error.reason).toBe("unauthenticated");
        },
      ),
      { numRuns: 200 },
    );
  });
});
