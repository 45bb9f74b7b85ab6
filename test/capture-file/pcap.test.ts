import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture-file/capture-file.js";
import { LINKTYPE_IEEE802_11, LINKTYPE_IEEE802_11_RADIOTAP } from "../../src/capture-file/link-type.js";
import {
  decodePcap,
  encodePcapFile,
  encodePcapHeader,
  encodePcapRecord,
  PCAP_MAX_CAPTURED_LENGTH,
} from "../../src/capture-file/pcap.js";
import { type ByteOrder, pcapFileHeader, pcapRecord } from "./capture-bytes.js";

const beaconBytes = Buffer.from("80000000ffffffffffff020000000100020000000100a01f", "hex");
const ackBytes = Buffer.from("d4000000020000000000", "hex");

function expectOk<T>(
  result: { ok: true; value: T } | { ok: false; error: { reason: string; detail: string } },
): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.reason}: ${result.error.detail}`);
  return result.value;
}

describe("classic pcap reader", () => {
  const layouts: { order: ByteOrder; resolution: "us" | "ns"; firstMagicByte: number }[] = [
    { order: "LE", resolution: "us", firstMagicByte: 0xd4 },
    { order: "BE", resolution: "us", firstMagicByte: 0xa1 },
    { order: "LE", resolution: "ns", firstMagicByte: 0x4d },
    { order: "BE", resolution: "ns", firstMagicByte: 0xa1 },
  ];

  it.each(layouts)(
    "reads $order $resolution files: link type, snaplen, records",
    ({ order, resolution, firstMagicByte }) => {
      const subsecondUnitNs = resolution === "us" ? 1000n : 1n;
      const bytes = Buffer.concat([
        pcapFileHeader({ order, resolution, linkType: LINKTYPE_IEEE802_11_RADIOTAP, snaplen: 4096 }),
        pcapRecord({ seconds: 1_700_000_000, subseconds: 123_456, data: beaconBytes }, order),
        pcapRecord(
          { seconds: 1_700_000_001, subseconds: 999_999, data: ackBytes, originalLength: 60 },
          order,
        ),
      ]);
      expect(bytes[0]).toBe(firstMagicByte);

      const file = expectOk(readCaptureFile(bytes));
      expect(file.format).toBe("pcap");
      expect(file.interfaces).toEqual([
        { linkType: LINKTYPE_IEEE802_11_RADIOTAP, snaplen: 4096, section: 0 },
      ]);
      expect(file.stoppedEarly).toBeNull();
      expect(file.records).toHaveLength(2);
      expect(file.records[0]).toEqual({
        timestampNs: 1_700_000_000n * 1_000_000_000n + 123_456n * subsecondUnitNs,
        linkType: LINKTYPE_IEEE802_11_RADIOTAP,
        interfaceId: 0,
        data: beaconBytes,
        originalLength: beaconBytes.length,
      });
      expect(file.records[1].timestampNs).toBe(1_700_000_001n * 1_000_000_000n + 999_999n * subsecondUnitNs);
      expect(file.records[1].data).toEqual(ackBytes);
      expect(file.records[1].originalLength).toBe(60);
    },
  );

  it("returns record data as views into the file, not copies", () => {
    const bytes = encodePcapFile(LINKTYPE_IEEE802_11, [{ timestampNs: 5n, data: beaconBytes }]);
    const record = expectOk(readCaptureFile(bytes)).records[0];
    expect(record.data.buffer).toBe(bytes.buffer);
  });

  it("ignores the FCS bits in the top of the link type word", () => {
    // Bits 26-31 say "FCS present, 4 bytes"; the link type itself is the low bits.
    const header = pcapFileHeader({ order: "LE", resolution: "us", linkType: LINKTYPE_IEEE802_11 });
    header.writeUInt32LE(0x1000_0000 | 0x0400_0000 | LINKTYPE_IEEE802_11, 20);
    const file = expectOk(readCaptureFile(header));
    expect(file.interfaces[0].linkType).toBe(LINKTYPE_IEEE802_11);
    expect(file.records).toEqual([]);
  });

  it("keeps the records before a cut-off record and says where it stopped", () => {
    const whole = Buffer.concat([
      pcapFileHeader({ order: "BE", resolution: "us", linkType: LINKTYPE_IEEE802_11 }),
      pcapRecord({ seconds: 1, subseconds: 0, data: beaconBytes }, "BE"),
      pcapRecord({ seconds: 2, subseconds: 0, data: beaconBytes }, "BE"),
    ]);
    const cutInData = expectOk(readCaptureFile(whole.subarray(0, whole.length - 3)));
    expect(cutInData.records).toHaveLength(1);
    expect(cutInData.stoppedEarly?.reason).toBe("truncated");
    expect(cutInData.stoppedEarly?.detail).toMatch(/record 2 is cut off .* after 1 records/);

    const cutInHeader = expectOk(readCaptureFile(whole.subarray(0, 24 + 16 + beaconBytes.length + 10)));
    expect(cutInHeader.records).toHaveLength(1);
    expect(cutInHeader.stoppedEarly?.reason).toBe("truncated");
    expect(cutInHeader.stoppedEarly?.detail).toMatch(/record 2 header is cut off \(10 of 16 bytes\)/);
  });

  it("rejects a file whose own header is cut off", () => {
    const header = pcapFileHeader({ order: "LE", resolution: "ns", linkType: LINKTYPE_IEEE802_11 });
    const result = readCaptureFile(header.subarray(0, 20));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.reason).toBe("truncated");
  });

  it("rejects versions other than 2.x", () => {
    const header = pcapFileHeader({ order: "LE", resolution: "us", linkType: 105, versionMajor: 3 });
    const result = decodePcap(header);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toEqual({ reason: "bad-block", detail: expect.stringMatching(/3\.4/) });
  });

  it("stops at a record claiming more bytes than pcap allows", () => {
    const bytes = Buffer.concat([
      pcapFileHeader({ order: "LE", resolution: "us", linkType: 105 }),
      pcapRecord({ seconds: 1, subseconds: 0, data: ackBytes }, "LE"),
      pcapRecord(
        { seconds: 1, subseconds: 0, data: ackBytes, capturedLength: PCAP_MAX_CAPTURED_LENGTH + 1 },
        "LE",
      ),
    ]);
    const file = expectOk(readCaptureFile(bytes));
    expect(file.records).toHaveLength(1);
    expect(file.stoppedEarly?.reason).toBe("bad-block");
  });

  it("says what the first bytes were when they are no capture magic", () => {
    const result = readCaptureFile(Buffer.from("GIF89a and the rest of a picture"));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe("not-a-capture");
      expect(result.error.detail).toContain("0x47494638");
    }
    const tiny = readCaptureFile(Buffer.from([0xd4, 0xc3]));
    expect(tiny.ok).toBe(false);
    if (!tiny.ok) expect(tiny.error.reason).toBe("not-a-capture");
  });
});

describe("classic pcap writer", () => {
  it("writes a little-endian nanosecond header", () => {
    const header = encodePcapHeader(LINKTYPE_IEEE802_11_RADIOTAP, 2048);
    expect(header.toString("hex")).toBe(
      "4d3cb2a1" + "0200" + "0400" + "00000000" + "00000000" + "00080000" + "7f000000",
    );
  });

  it("writes seconds, nanoseconds, captured and original length before the data", () => {
    const record = encodePcapRecord(1_700_000_000_987_654_321n, ackBytes, 14);
    expect(record.readUInt32LE(0)).toBe(1_700_000_000);
    expect(record.readUInt32LE(4)).toBe(987_654_321);
    expect(record.readUInt32LE(8)).toBe(ackBytes.length);
    expect(record.readUInt32LE(12)).toBe(14);
    expect(record.subarray(16)).toEqual(ackBytes);
  });

  it("refuses timestamps a pcap record cannot hold", () => {
    expect(() => encodePcapRecord(-1n, ackBytes)).toThrow(RangeError);
    expect(() => encodePcapRecord(2n ** 32n * 1_000_000_000n, ackBytes)).toThrow(RangeError);
  });

  it("round-trips any records through the reader", () => {
    const recordArbitrary = fc.record({
      timestampNs: fc.bigInt({ min: 0n, max: 2n ** 32n * 1_000_000_000n - 1n }),
      data: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      extraOriginal: fc.nat({ max: 2000 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.array(recordArbitrary, { maxLength: 20 }),
        (linkType, records) => {
          const written = records.map((r) => ({
            timestampNs: r.timestampNs,
            data: r.data,
            originalLength: r.data.length + r.extraOriginal,
          }));
          const file = expectOk(readCaptureFile(encodePcapFile(linkType, written)));
          expect(file.stoppedEarly).toBeNull();
          expect(
            file.records.map((r) => ({
              timestampNs: r.timestampNs,
              data: r.data,
              originalLength: r.originalLength,
            })),
          ).toEqual(written);
          expect(file.records.every((r) => r.linkType === linkType)).toBe(true);
        },
      ),
    );
  });
});

describe("capture file reader on hostile bytes", () => {
  const validPcap = encodePcapFile(LINKTYPE_IEEE802_11_RADIOTAP, [
    { timestampNs: 1n, data: beaconBytes },
    { timestampNs: 2n, data: ackBytes },
  ]);

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        readCaptureFile(Buffer.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on a valid pcap with bytes overwritten or cut off", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: validPcap.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        fc.nat({ max: validPcap.length }),
        (mutations, cutAt) => {
          const bytes = Buffer.from(validPcap);
          for (const [offset, value] of mutations) bytes[offset] = value;
          const result = readCaptureFile(bytes.subarray(0, cutAt));
          if (result.ok) {
            for (const record of result.value.records) expect(record.data.length).toBeLessThanOrEqual(cutAt);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
