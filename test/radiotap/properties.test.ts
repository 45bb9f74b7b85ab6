// Property tests: whatever bytes arrive, the decoders answer with a Result and stay inside the packet;
// whatever fields we can express, encode then decode gives them back.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RadiotapFlags } from "../../src/radiotap/constants.js";
import type { Quad, RadiotapFields } from "../../src/radiotap/fields.js";
import {
  decodeHwsimRadiotap,
  decodeRadiotap,
  encodeInjectionHeader,
  encodeRadiotap,
  type InjectionSpec,
  injectionHeaderLength,
  type RadiotapPacket,
  type RadiotapReject,
  radiotapEncodingLength,
} from "../../src/radiotap/radiotap.js";
import type { Result } from "../../src/result.js";

const REASONS: readonly RadiotapReject[] = ["truncated", "bad-version", "bad-length", "bad-field"];

function checkResult(packet: Buffer, result: Result<RadiotapPacket, RadiotapReject>): void {
  if (!result.ok) {
    expect(REASONS).toContain(result.error.reason);
    expect(typeof result.error.detail).toBe("string");
    return;
  }
  const { header, frame } = result.value;
  expect(header.version).toBe(0);
  expect(header.length).toBeGreaterThanOrEqual(8);
  expect(header.length).toBeLessThanOrEqual(packet.length);
  expect(header.presentWords.length).toBeGreaterThanOrEqual(1);
  expect(8 + 4 * (header.presentWords.length - 1)).toBeLessThanOrEqual(header.length);
  expect(frame.byteOffset - packet.byteOffset).toBe(header.length);
  const fcsLength = ((header.flags ?? 0) & RadiotapFlags.fcsAtEnd) !== 0 ? 4 : 0;
  expect(frame.length).toBe(packet.length - header.length - fcsLength);
}

const u8 = fc.integer({ min: 0, max: 0xff });
const s8 = fc.integer({ min: -128, max: 127 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const quad: fc.Arbitrary<Quad> = fc.tuple(u8, u8, u8, u8);

const fieldsArbitrary: fc.Arbitrary<RadiotapFields> = fc.record(
  {
    tsft: u64,
    flags: u8,
    rate500kbps: u8,
    channel: fc.record({ freqMhz: u16, flags: u16 }),
    fhss: fc.record({ hopSet: u8, hopPattern: u8 }),
    dbmSignal: s8,
    dbmNoise: s8,
    lockQuality: u16,
    txAttenuation: u16,
    dbTxAttenuation: u16,
    dbmTxPower: s8,
    antenna: u8,
    dbSignal: u8,
    dbNoise: u8,
    rxFlags: u16,
    txFlags: u16,
    rtsRetries: u8,
    dataRetries: u8,
    xChannel: fc.record({ flags: u32, freqMhz: u16, channel: u8, maxPower: u8 }),
    mcs: fc.record({ known: u8, flags: u8, index: u8 }),
    ampduStatus: fc.record({ reference: u32, flags: u16, delimiterCrc: u8 }),
    vht: fc.record({
      known: u16,
      flags: u8,
      bandwidth: u8,
      mcsNss: quad,
      coding: u8,
      groupId: u8,
      partialAid: u16,
    }),
    timestamp: fc.record({ timestamp: u64, accuracy: u16, unitPosition: u8, flags: u8 }),
    he: fc.record({ data: fc.tuple(u16, u16, u16, u16, u16, u16) }),
    heMu: fc.record({ flags1: u16, flags2: u16, ruChannel1: quad, ruChannel2: quad }),
    heMuOtherUser: fc.record({ perUser1: u16, perUser2: u16, perUserPosition: u8, perUserKnown: u8 }),
    zeroLengthPsdu: u8,
    lSig: fc.record({ data1: u16, data2: u16 }),
  },
  { requiredKeys: [] },
);

/** Valid packets: an encoded header plus a frame, with room for the FCS when the flags claim one. */
const validPacket = fc
  .tuple(fieldsArbitrary, fc.uint8Array({ minLength: 4, maxLength: 64 }))
  .map(([fields, frame]) => Buffer.concat([encodeRadiotap(fields), frame]));

describe("radiotap properties", () => {
  it("random bytes never throw and always give a bounded Result", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        const packet = Buffer.from(bytes);
        checkResult(packet, decodeRadiotap(packet));
        checkResult(packet, decodeHwsimRadiotap(packet));
      }),
      { numRuns: 2000 },
    );
  });

  it("random bytes behind a plausible prefix (version 0, it_len within the packet) never throw", () => {
    const plausible = fc
      .tuple(fc.uint8Array({ minLength: 8, maxLength: 96 }), fc.nat())
      .map(([bytes, lengthSeed]) => {
        const packet = Buffer.from(bytes);
        packet[0] = 0;
        packet.writeUInt16LE(8 + (lengthSeed % (packet.length - 7)), 2);
        return packet;
      });
    fc.assert(
      fc.property(plausible, (packet) => {
        checkResult(packet, decodeRadiotap(packet));
        checkResult(packet, decodeHwsimRadiotap(packet));
      }),
      { numRuns: 3000 },
    );
  });

  it("valid packets with bytes mutated or cut never throw", () => {
    const mutated = fc
      .tuple(validPacket, fc.array(fc.tuple(fc.nat(), u8), { maxLength: 6 }), fc.nat())
      .map(([packet, edits, cutSeed]) => {
        const copy = Buffer.from(packet);
        for (const [position, value] of edits) copy[position % copy.length] = value;
        return copy.subarray(0, cutSeed % (copy.length + 1));
      });
    fc.assert(
      fc.property(mutated, (packet) => {
        checkResult(packet, decodeRadiotap(packet));
        checkResult(packet, decodeHwsimRadiotap(packet));
      }),
      { numRuns: 3000 },
    );
  });

  it("decode(encode(fields)) gives the fields back, and encode(decode(x)) gives x back", () => {
    fc.assert(
      fc.property(fieldsArbitrary, (fields) => {
        const encoded = encodeRadiotap(fields);
        expect(encoded.length).toBe(radiotapEncodingLength(fields));
        // Four frame bytes, so that a header whose flags claim an FCS still has one.
        const result = decodeRadiotap(Buffer.concat([encoded, Buffer.from("d4000000", "hex")]));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const { version, length, presentWords, ...decodedFields } = result.value.header;
        expect(decodedFields).toEqual(fields);
        expect(version).toBe(0);
        expect(length).toBe(encoded.length);
        expect(presentWords).toHaveLength(1);
        expect(encodeRadiotap(result.value.header).equals(encoded)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("decodeHwsimRadiotap and decodeRadiotap agree on every valid packet, hwsim-shaped or not", () => {
    const hwsimPacket = fc
      .tuple(u64, u8, u8, u16, u16, fc.uint8Array({ minLength: 4, maxLength: 64 }))
      .map(([tsft, flags, rate500kbps, freqMhz, channelFlags, frame]) =>
        Buffer.concat([
          encodeRadiotap({ tsft, flags, rate500kbps, channel: { freqMhz, flags: channelFlags } }),
          frame,
        ]),
      );
    fc.assert(
      fc.property(fc.oneof(validPacket, hwsimPacket), (packet) => {
        expect(decodeHwsimRadiotap(packet)).toEqual(decodeRadiotap(packet));
      }),
    );
  });

  it("decode(encodeInjectionHeader(spec)) returns the spec's values", () => {
    const specArbitrary: fc.Arbitrary<InjectionSpec> = fc.record(
      {
        flags: u8.map((flags) => flags & ~RadiotapFlags.fcsAtEnd),
        rate500kbps: u8,
        freqMhz: u16,
        channelFlags: u16,
        txFlags: u16,
        noAck: fc.boolean(),
        dataRetries: u8,
        mcs: fc.record({ known: u8, flags: u8, index: u8 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(specArbitrary, fc.uint8Array({ maxLength: 40 }), (spec, frameBytes) => {
        const frame = Buffer.from(frameBytes);
        const header = encodeInjectionHeader(spec);
        expect(header.length).toBe(injectionHeaderLength(spec));
        const result = decodeRadiotap(Buffer.concat([header, frame]));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const decoded = result.value.header;
        expect(result.value.frame.equals(frame)).toBe(true);
        expect(decoded.flags).toBe(spec.flags);
        expect(decoded.rate500kbps).toBe(spec.rate500kbps);
        expect(decoded.channel?.freqMhz).toBe(spec.freqMhz);
        if (spec.freqMhz !== undefined) expect(decoded.channel?.flags).toBe(spec.channelFlags ?? 0);
        const expectedTx = spec.noAck ? (spec.txFlags ?? 0) | 0x0008 : spec.txFlags;
        expect(decoded.txFlags).toBe(expectedTx);
        expect(decoded.dataRetries).toBe(spec.dataRetries);
        expect(decoded.mcs).toEqual(spec.mcs);
      }),
      { numRuns: 500 },
    );
  });
});
