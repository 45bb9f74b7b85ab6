import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CaptureFile, readCaptureFile } from "../../src/capture-file/capture-file.js";
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IEEE802_11,
  LINKTYPE_IEEE802_11_RADIOTAP,
} from "../../src/capture-file/link-type.js";
import {
  type ByteOrder,
  enhancedPacketBlock,
  interfaceDescriptionBlock,
  obsoletePacketBlock,
  pcapngBlock,
  sectionHeaderBlock,
  simplePacketBlock,
} from "./capture-bytes.js";

const beaconBytes = Buffer.from("80000000ffffffffffff020000000100020000000100a01f", "hex");
const ackBytes = Buffer.from("d4000000020000000000", "hex"); // 10 bytes: needs 2 bytes of padding
const dataBytes = Buffer.from("08020000020000000000020000000100020000000100c000aaaa0300000008", "hex");

function readOk(bytes: Buffer): CaptureFile {
  const result = readCaptureFile(bytes);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.reason}: ${result.error.detail}`);
  return result.value;
}

describe.each<ByteOrder>(["LE", "BE"])("pcapng reader, %s sections", (order) => {
  it("reads an Enhanced Packet Block with the default microsecond resolution", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11_RADIOTAP, snaplen: 4096 }, order),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 1_700_000_000_123_456n, data: ackBytes }, order),
      ]),
    );
    expect(file.format).toBe("pcapng");
    expect(file.interfaces).toEqual([{ linkType: LINKTYPE_IEEE802_11_RADIOTAP, snaplen: 4096, section: 0 }]);
    expect(file.stoppedEarly).toBeNull();
    expect(file.records).toEqual([
      {
        timestampNs: 1_700_000_000_123_456_000n,
        linkType: LINKTYPE_IEEE802_11_RADIOTAP,
        interfaceId: 0,
        data: ackBytes,
        originalLength: ackBytes.length,
      },
    ]);
  });

  it("applies if_tsresol (decimal and binary) and if_tsoffset per interface", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11, tsresol: 9 }, order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11, tsresol: 0x80 | 20 }, order),
        interfaceDescriptionBlock(
          { linkType: LINKTYPE_IEEE802_11, tsresol: 3, tsoffsetSeconds: 1_000n },
          order,
        ),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 1_700_000_000_123_456_789n, data: ackBytes }, order),
        // 2^-20 s units: 3 * 2^20 + 2^19 units is 3.5 s.
        enhancedPacketBlock({ interfaceId: 1, timestamp: 3n * 2n ** 20n + 2n ** 19n, data: ackBytes }, order),
        enhancedPacketBlock({ interfaceId: 2, timestamp: 2_500n, data: ackBytes }, order),
      ]),
    );
    expect(file.records.map((r) => r.timestampNs)).toEqual([
      1_700_000_000_123_456_789n,
      3_500_000_000n,
      1_002_500_000_000n,
    ]);
  });

  it("gives each record the link type of its own interface", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11_RADIOTAP }, order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_ETHERNET }, order),
        enhancedPacketBlock({ interfaceId: 1, timestamp: 1n, data: beaconBytes }, order),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 2n, data: ackBytes }, order),
        enhancedPacketBlock({ interfaceId: 2, timestamp: 3n, data: dataBytes }, order),
      ]),
    );
    expect(file.records.map((r) => [r.interfaceId, r.linkType, r.data.length])).toEqual([
      [1, LINKTYPE_IEEE802_11, beaconBytes.length],
      [0, LINKTYPE_IEEE802_11_RADIOTAP, ackBytes.length],
      [2, LINKTYPE_ETHERNET, dataBytes.length],
    ]);
  });

  it("stops the packet data at the captured length, before padding and options", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
        enhancedPacketBlock(
          { interfaceId: 0, timestamp: 1n, data: ackBytes, originalLength: 1500 },
          order,
          true,
        ),
      ]),
    );
    expect(file.records[0].data).toEqual(ackBytes);
    expect(file.records[0].originalLength).toBe(1500);
  });

  it("skips blocks of types it does not read, by their length", () => {
    const nameResolution = pcapngBlock(
      0x0000_0004,
      Buffer.from("00010008c0a80001686f737400000000", "hex"),
      order,
    );
    const customBlock = pcapngBlock(0x4000_0bad, Buffer.alloc(37, 0xee), order);
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        nameResolution,
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
        customBlock,
        enhancedPacketBlock({ interfaceId: 0, timestamp: 1n, data: beaconBytes }, order),
        pcapngBlock(0x0000_0005, Buffer.alloc(12), order), // Interface Statistics Block
        enhancedPacketBlock({ interfaceId: 0, timestamp: 2n, data: ackBytes }, order),
      ]),
    );
    expect(file.stoppedEarly).toBeNull();
    expect(file.records.map((r) => r.data)).toEqual([beaconBytes, ackBytes]);
  });

  it("reads Simple Packet Blocks as belonging to interface 0, cut to its snaplen, with no timestamp", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11, snaplen: 16 }, order),
        simplePacketBlock(ackBytes, ackBytes.length, order),
        simplePacketBlock(beaconBytes.subarray(0, 16), beaconBytes.length, order),
      ]),
    );
    expect(file.records).toEqual([
      {
        timestampNs: null,
        linkType: LINKTYPE_IEEE802_11,
        interfaceId: 0,
        data: ackBytes,
        originalLength: 10,
      },
      {
        timestampNs: null,
        linkType: LINKTYPE_IEEE802_11,
        interfaceId: 0,
        data: beaconBytes.subarray(0, 16),
        originalLength: beaconBytes.length,
      },
    ]);
  });

  it("reads the obsolete Packet Block", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11_RADIOTAP }, order),
        obsoletePacketBlock({ interfaceId: 1, timestamp: 42_000_001n, data: dataBytes }, order),
      ]),
    );
    expect(file.records).toEqual([
      {
        timestampNs: 42_000_001_000n,
        linkType: LINKTYPE_IEEE802_11_RADIOTAP,
        interfaceId: 1,
        data: dataBytes,
        originalLength: dataBytes.length,
      },
    ]);
  });

  it("keeps the records before a cut-off block", () => {
    const whole = Buffer.concat([
      sectionHeaderBlock(order),
      interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
      enhancedPacketBlock({ interfaceId: 0, timestamp: 1n, data: beaconBytes }, order),
      enhancedPacketBlock({ interfaceId: 0, timestamp: 2n, data: ackBytes }, order),
    ]);
    for (const cut of [1, 5, 30]) {
      const file = readOk(whole.subarray(0, whole.length - cut));
      expect(file.records).toHaveLength(1);
      expect(file.stoppedEarly?.reason).toBe("truncated");
      expect(file.stoppedEarly?.detail).toContain("after 1 records");
    }
  });

  it("stops at a block whose two length fields disagree", () => {
    const broken = enhancedPacketBlock({ interfaceId: 0, timestamp: 2n, data: ackBytes }, order);
    broken[broken.length - 1] ^= 0x04;
    broken[broken.length - 4] ^= 0x04;
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 1n, data: beaconBytes }, order),
        broken,
        enhancedPacketBlock({ interfaceId: 0, timestamp: 3n, data: beaconBytes }, order),
      ]),
    );
    expect(file.records).toHaveLength(1);
    expect(file.stoppedEarly?.reason).toBe("bad-block");
  });

  it("stops at a packet naming an interface the section never described", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
        enhancedPacketBlock({ interfaceId: 1, timestamp: 1n, data: beaconBytes }, order),
      ]),
    );
    expect(file.records).toEqual([]);
    expect(file.stoppedEarly).toEqual({
      reason: "bad-block",
      detail: expect.stringMatching(/interface 1; the section has 1/),
    });
  });

  it("stops at a packet claiming more captured bytes than its block holds", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock(order),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, order),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 1n, data: ackBytes, capturedLength: 13 }, order),
      ]),
    );
    expect(file.records).toEqual([]);
    expect(file.stoppedEarly?.reason).toBe("bad-block");
  });

  it("rejects a file whose Section Header Block is unusable", () => {
    const whole = Buffer.concat([
      sectionHeaderBlock(order),
      interfaceDescriptionBlock({ linkType: 105 }, order),
    ]);
    const cut = readCaptureFile(whole.subarray(0, 20));
    expect(cut.ok ? "ok" : cut.error.reason).toBe("truncated");
    const version2 = readCaptureFile(sectionHeaderBlock(order, 2));
    expect(version2.ok ? "ok" : version2.error.reason).toBe("bad-block");
    const noMagic = Buffer.from(whole);
    noMagic.writeUInt32LE(0x12345678, 8);
    const unknown = readCaptureFile(noMagic);
    expect(unknown.ok ? "ok" : unknown.error.reason).toBe("not-a-capture");
  });
});

describe("pcapng reader across sections", () => {
  it("restarts interface numbering per section and follows each section's byte order", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock("LE"),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, "LE"),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 1n, data: beaconBytes }, "LE"),
        sectionHeaderBlock("BE"),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11_RADIOTAP, tsresol: 9 }, "BE"),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, "BE"),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 7n, data: ackBytes }, "BE"),
        enhancedPacketBlock({ interfaceId: 1, timestamp: 8n, data: dataBytes }, "BE"),
      ]),
    );
    expect(file.interfaces).toEqual([
      { linkType: LINKTYPE_IEEE802_11, snaplen: 262144, section: 0 },
      { linkType: LINKTYPE_IEEE802_11_RADIOTAP, snaplen: 262144, section: 1 },
      { linkType: LINKTYPE_IEEE802_11, snaplen: 262144, section: 1 },
    ]);
    expect(file.records.map((r) => [r.interfaceId, r.linkType, r.timestampNs])).toEqual([
      [0, LINKTYPE_IEEE802_11, 1_000n],
      [1, LINKTYPE_IEEE802_11_RADIOTAP, 7n],
      [2, LINKTYPE_IEEE802_11, 8_000n],
    ]);
  });

  it("does not let a new section see the previous section's interfaces", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock("LE"),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, "LE"),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 1n, data: beaconBytes }, "LE"),
        sectionHeaderBlock("LE"),
        enhancedPacketBlock({ interfaceId: 0, timestamp: 2n, data: beaconBytes }, "LE"),
      ]),
    );
    expect(file.records).toHaveLength(1);
    expect(file.stoppedEarly?.reason).toBe("bad-block");
  });
});

describe("pcapng reader on hostile bytes", () => {
  const valid = Buffer.concat([
    sectionHeaderBlock("LE"),
    interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11, tsresol: 9 }, "LE"),
    enhancedPacketBlock({ interfaceId: 0, timestamp: 1n, data: beaconBytes }, "LE", true),
    simplePacketBlock(ackBytes, 10, "LE"),
    obsoletePacketBlock({ interfaceId: 0, timestamp: 2n, data: dataBytes }, "LE"),
    sectionHeaderBlock("BE"),
    interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11, tsresol: 0x80 | 10 }, "BE"),
    enhancedPacketBlock({ interfaceId: 0, timestamp: 3n, data: ackBytes }, "BE"),
  ]);

  it("reads the unmutated file completely", () => {
    const file = readOk(valid);
    expect(file.stoppedEarly).toBeNull();
    expect(file.records).toHaveLength(4);
  });

  it("never throws on a valid pcapng with bytes overwritten or cut off", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        fc.nat({ max: valid.length }),
        (mutations, cutAt) => {
          const bytes = Buffer.from(valid);
          for (const [offset, value] of mutations) bytes[offset] = value;
          const result = readCaptureFile(bytes.subarray(0, cutAt));
          if (result.ok) expect(result.value.records.length).toBeLessThanOrEqual(4);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("never throws on random blocks behind a valid section header", () => {
    const blockArbitrary = fc
      .tuple(fc.constantFrom(1, 2, 3, 4, 5, 6, 0x0a0d0d0a, 0xbad), fc.uint8Array({ maxLength: 64 }))
      .map(([type, body]) => pcapngBlock(type, Buffer.from(body), "LE"));
    fc.assert(
      fc.property(fc.array(blockArbitrary, { maxLength: 10 }), (blocks) => {
        readCaptureFile(Buffer.concat([sectionHeaderBlock("LE"), ...blocks]));
      }),
      { numRuns: 3000 },
    );
  });
});
