// The frame batch between the agent's thread and a medium's own: every field survives, damage is a
// sentence, and the packed form owns its bytes.

import { describe, expect, it } from "vitest";
import { AIR_BATCH_ENTRY_HEADER_BYTES, airBatch } from "../../src/medium/air-batch.js";
import type { AirFrame } from "../../src/medium/medium.js";

const air = (
  bytes: number[],
  freqMhz: number,
  rate500kbps: number,
  signalDbm: number,
  flags: number,
): AirFrame => ({
  frame: Buffer.from(bytes),
  freqMhz,
  rate500kbps,
  signalDbm,
  flags,
});

describe("airBatch", () => {
  it.each([
    ["nothing", [] as AirFrame[]],
    ["one beacon on 2437 MHz", [air([0x80, 0, 1, 2], 2437, 2, -30, 0)]],
    [
      "frames on 5 and 6 GHz, a weak one, every flag",
      [
        air([0x08, 0x41, 9], 5180, 108, -94, 0x07),
        air([0xd0], 7115, 0, -128, 0x04),
        air([], 2412, 540, 0, 1),
      ],
    ],
    [
      "a 2400-byte frame",
      [
        air(
          Array.from({ length: 2400 }, (_, i) => i & 0xff),
          5745,
          12,
          -61,
          0,
        ),
      ],
    ],
  ])("%s: decodes to what was encoded", (_what, frames) => {
    const packed = airBatch.pack(frames);
    expect(packed.byteLength).toBe(airBatch.encodingLength(frames));
    expect(airBatch.decode(Buffer.from(packed))).toEqual(frames);
  });

  it("lays a frame out as u16 length, u16 MHz, u16 rate, i8 dBm, u8 flags, bytes", () => {
    const packed = Buffer.from(airBatch.pack([air([0xaa, 0xbb], 2437, 12, -61, 0x05)]));
    expect([...packed]).toEqual([0, 2, 0x09, 0x85, 0, 12, 0xc3, 0x05, 0xaa, 0xbb]);
  });

  it("clamps a signal outside a byte's range instead of wrapping it", () => {
    const [loud] = airBatch.decode(Buffer.from(airBatch.pack([air([1], 2437, 2, 300, 0)]))) as AirFrame[];
    expect(loud?.signalDbm).toBe(127);
  });

  it("copies: a frame's source buffer can be reused once it is packed", () => {
    const source = Buffer.from([1, 2, 3]);
    const packed = airBatch.pack([
      { frame: source, freqMhz: 2437, rate500kbps: 2, signalDbm: -30, flags: 0 },
    ]);
    source.fill(0);
    expect([...((airBatch.decode(Buffer.from(packed)) as AirFrame[])[0]?.frame ?? [])]).toEqual([1, 2, 3]);
  });

  it.each([
    ["a header cut short", Buffer.from([0, 2, 0x09]), /header cut short at byte 0 of 3/],
    [
      "a frame longer than the batch",
      Buffer.from([0, 9, 0x09, 0x85, 0, 12, 0xc3, 0, 1]),
      /9-byte frame at byte 0 runs past/,
    ],
  ])("%s is a sentence, not an exception", (_what, bytes, sentence) => {
    expect(bytes.length).toBeLessThan(AIR_BATCH_ENTRY_HEADER_BYTES + 9);
    expect(airBatch.decode(bytes)).toMatch(sentence);
  });
});
