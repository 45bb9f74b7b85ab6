// Our reader against libpcap (tcpdump) and wiretap (tshark) on files our writer produced and
// editcap/mergecap converted: same packet count, timestamps, lengths and interfaces.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type CaptureFile, readCaptureFile } from "../../src/capture-file/capture-file.js";
import { LINKTYPE_IEEE802_11, LINKTYPE_IEEE802_11_RADIOTAP } from "../../src/capture-file/link-type.js";
import { encodePcapFile, type PcapRecordToWrite } from "../../src/capture-file/pcap.js";
import {
  type ByteOrder,
  enhancedPacketBlock,
  interfaceDescriptionBlock,
  obsoletePacketBlock,
  pcapFileHeader,
  pcapngBlock,
  pcapRecord,
  sectionHeaderBlock,
  simplePacketBlock,
} from "./capture-bytes.js";
import {
  editcap,
  epochTextToNs,
  mergecap,
  tcpdumpPacketCount,
  toolAvailable,
  tsharkFields,
} from "./capture-tools.js";

const haveTools = toolAvailable("tcpdump") && toolAvailable("tshark") && toolAvailable("editcap");
const workDir = mkdtempSync(join(tmpdir(), "capture-file-tools-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Reproducible varied records: timestamps across the 32-bit range, 10 to 400 bytes of anything. */
function sampleRecords(seed: number, count: number): PcapRecordToWrite[] {
  const recordArbitrary = fc.record({
    timestampNs: fc.bigInt({ min: 0n, max: 4_000_000_000n * 1_000_000_000n }),
    data: fc.uint8Array({ minLength: 10, maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
  });
  return fc.sample(recordArbitrary, { seed, numRuns: count });
}

function read(path: string): CaptureFile {
  const result = readCaptureFile(readFileSync(path));
  if (!result.ok) throw new Error(`${path}: ${result.error.reason}: ${result.error.detail}`);
  return result.value;
}

interface PacketFacts {
  readonly timestampNs: bigint;
  readonly originalLength: number;
  readonly capturedLength: number;
  readonly interfaceId: number;
}

function factsFromTshark(path: string): PacketFacts[] {
  return tsharkFields(path, ["frame.time_epoch", "frame.len", "frame.cap_len", "frame.interface_id"]).map(
    ([time, len, capLen, interfaceId]) => ({
      timestampNs: epochTextToNs(time),
      originalLength: Number(len),
      capturedLength: Number(capLen),
      // tshark leaves the field empty for pcap, which has one implicit interface.
      interfaceId: interfaceId === "" ? 0 : Number(interfaceId),
    }),
  );
}

function factsFromOurReader(file: CaptureFile): PacketFacts[] {
  // We number interfaces across the whole file, tshark 4.0 within each section.
  const sectionLocalId = (interfaceId: number) => {
    const { section } = file.interfaces[interfaceId];
    return file.interfaces.slice(0, interfaceId).filter((other) => other.section === section).length;
  };
  return file.records.map((record) => ({
    // tshark shows the missing timestamp of a Simple Packet Block as 0.
    timestampNs: record.timestampNs ?? 0n,
    originalLength: record.originalLength,
    capturedLength: record.data.length,
    interfaceId: sectionLocalId(record.interfaceId),
  }));
}

describe.skipIf(!haveTools)("capture files agree with tcpdump and tshark", () => {
  const records = sampleRecords(20261121, 60);
  const nanosecondPcap = join(workDir, "written.pcap");
  writeFileSync(nanosecondPcap, encodePcapFile(LINKTYPE_IEEE802_11_RADIOTAP, records));

  /** Each variant names a converter from the written file to the one under test. */
  const variants: { name: string; convert: ((path: string) => void) | null }[] = [
    { name: "our nanosecond pcap", convert: null },
    {
      name: "microsecond pcap (editcap -F pcap)",
      convert: (path) => editcap(["-F", "pcap", nanosecondPcap, path]),
    },
    {
      name: "pcapng (editcap -F pcapng)",
      convert: (path) => editcap(["-F", "pcapng", nanosecondPcap, path]),
    },
    {
      name: "pcapng cut to a 40-byte snaplen (editcap -s 40)",
      convert: (path) => editcap(["-F", "pcapng", "-s", "40", nanosecondPcap, path]),
    },
  ];

  it.each(variants.map((variant, index) => ({ ...variant, index })))(
    "$name: same packets, timestamps, lengths",
    ({ convert, index }) => {
      let path = nanosecondPcap;
      if (convert !== null) {
        path = join(workDir, `variant-${index}.cap`);
        convert(path);
      }
      const file = read(path);
      expect(file.stoppedEarly).toBeNull();
      expect(file.records).toHaveLength(records.length);
      expect(tcpdumpPacketCount(path)).toBe(file.records.length);
      expect(factsFromOurReader(file)).toEqual(factsFromTshark(path));
      // The bytes survive every conversion, up to the snaplen.
      file.records.forEach((record, index) => {
        expect(record.data).toEqual(records[index].data.subarray(0, record.data.length));
        expect(record.linkType).toBe(LINKTYPE_IEEE802_11_RADIOTAP);
      });
    },
  );

  it.skipIf(!toolAvailable("mergecap"))("mergecap pcapng with two interfaces of different link types", () => {
    const plain = join(workDir, "plain.pcap");
    const radiotap = join(workDir, "radiotap.pcap");
    const merged = join(workDir, "merged.pcapng");
    writeFileSync(plain, encodePcapFile(LINKTYPE_IEEE802_11, sampleRecords(1, 20)));
    writeFileSync(radiotap, encodePcapFile(LINKTYPE_IEEE802_11_RADIOTAP, sampleRecords(2, 20)));
    mergecap(["-F", "pcapng", "-w", merged, plain, radiotap]);

    const file = read(merged);
    expect(file.interfaces.map((i) => i.linkType)).toEqual([
      LINKTYPE_IEEE802_11,
      LINKTYPE_IEEE802_11_RADIOTAP,
    ]);
    expect(file.records).toHaveLength(40);
    expect(factsFromOurReader(file)).toEqual(factsFromTshark(merged));
    for (const record of file.records) {
      expect(record.linkType).toBe(file.interfaces[record.interfaceId].linkType);
    }
  });

  it.each<ByteOrder>(["LE", "BE"])(
    "hand-laid %s pcapng: sections, if_tsresol, if_tsoffset, SPB, obsolete PB, unknown blocks",
    (order) => {
      const other: ByteOrder = order === "LE" ? "BE" : "LE";
      const [a, b, c] = sampleRecords(3, 3).map((record) => record.data);
      const path = join(workDir, `hand-laid-${order}.pcapng`);
      writeFileSync(
        path,
        Buffer.concat([
          sectionHeaderBlock(order),
          interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11, snaplen: 64 }, order),
          interfaceDescriptionBlock(
            { linkType: LINKTYPE_IEEE802_11, tsresol: 9, tsoffsetSeconds: 100n },
            order,
          ),
          simplePacketBlock(a.subarray(0, 64), a.length, order),
          // A block type nobody assigned. (Not a Custom Block, 0x00000bad: tshark lists those as packets.)
          pcapngBlock(0x0000_7777, Buffer.alloc(21, 0x77), order),
          enhancedPacketBlock(
            { interfaceId: 1, timestamp: 1_700_000_000_123_456_789n, data: b },
            order,
            true,
          ),
          obsoletePacketBlock({ interfaceId: 0, timestamp: 1_700_000_000_654_321n, data: c }, order),
          sectionHeaderBlock(other),
          interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11, tsresol: 0x80 | 20 }, other),
          enhancedPacketBlock(
            { interfaceId: 0, timestamp: 1_700_000_000n * 2n ** 20n + 2n ** 19n, data: a },
            other,
          ),
        ]),
      );
      const file = read(path);
      expect(file.stoppedEarly).toBeNull();
      expect(file.records).toHaveLength(4);
      // tshark shows a Simple Packet Block's missing timestamp as 0.
      expect(factsFromOurReader(file)).toEqual(factsFromTshark(path));
    },
  );

  it.each<ByteOrder>(["LE", "BE"])("hand-laid %s pcap, microseconds and nanoseconds", (order) => {
    for (const resolution of ["us", "ns"] as const) {
      const path = join(workDir, `hand-laid-${order}-${resolution}.pcap`);
      writeFileSync(
        path,
        Buffer.concat([
          pcapFileHeader({ order, resolution, linkType: LINKTYPE_IEEE802_11, snaplen: 4096 }),
          ...sampleRecords(4, 10).map((record, index) =>
            pcapRecord(
              { seconds: 1_700_000_000 + index, subseconds: 999_999 - index, data: record.data },
              order,
            ),
          ),
        ]),
      );
      const file = read(path);
      expect(file.records).toHaveLength(10);
      expect(tcpdumpPacketCount(path)).toBe(10);
      expect(factsFromOurReader(file)).toEqual(factsFromTshark(path));
    }
  });

  it("cut-off files: we keep exactly the packets tcpdump prints before its truncation error", () => {
    const pcapng = join(workDir, "for-truncation.pcapng");
    editcap(["-F", "pcapng", nanosecondPcap, pcapng]);
    let comparisons = 0;
    for (const source of [nanosecondPcap, pcapng]) {
      const whole = readFileSync(source);
      for (const keep of [0.13, 0.5, 0.77, 0.999]) {
        const cutPath = join(workDir, `cut-${comparisons}.cap`);
        writeFileSync(cutPath, whole.subarray(0, Math.floor(whole.length * keep)));
        const file = read(cutPath);
        expect(file.stoppedEarly?.reason).toBe("truncated");
        expect(file.records.length).toBeLessThan(records.length);
        expect(file.records.length).toBe(tcpdumpPacketCount(cutPath));
        comparisons += 1;
      }
    }
    expect(comparisons).toBe(8);
  });
});
