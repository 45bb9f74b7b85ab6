import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CaptureFile,
  type CaptureRecord,
  readCaptureFile,
} from "../../src/capture-file/capture-file.js";
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IEEE802_11,
  LINKTYPE_IEEE802_11_RADIOTAP,
} from "../../src/capture-file/link-type.js";
import { encodePcapFile } from "../../src/capture-file/pcap.js";
import { formatInspectJson, formatInspectText, inspectCapture } from "../../src/inspect/inspect.js";
import {
  enhancedPacketBlock,
  interfaceDescriptionBlock,
  sectionHeaderBlock,
  simplePacketBlock,
} from "../capture-file/capture-bytes.js";
import { AP, associationExchange, hwsimRadiotap, STA } from "./air-frames.js";

const START_NS = 1_763_718_062_123_456_789n; // 2025-11-21T09:41:02.123456789Z

function readOk(bytes: Buffer): CaptureFile {
  const result = readCaptureFile(bytes);
  if (!result.ok) throw new Error(`${result.error.reason}: ${result.error.detail}`);
  return result.value;
}

function captureOf(
  linkType: number,
  records: readonly Omit<CaptureRecord, "linkType" | "interfaceId" | "originalLength">[],
): CaptureFile {
  return {
    format: "pcap",
    interfaces: [{ linkType, snaplen: 65535, section: 0 }],
    records: records.map((record) => ({
      ...record,
      linkType,
      interfaceId: 0,
      originalLength: record.data.length,
    })),
    stoppedEarly: null,
  };
}

describe("inspectCapture", () => {
  const exchange = associationExchange();

  it("reports time, channel, kind, addresses, sequence number, length and protection of radiotap frames", () => {
    const file = captureOf(
      LINKTYPE_IEEE802_11_RADIOTAP,
      exchange.map((frame, index) => ({
        timestampNs: START_NS + BigInt(index) * 1_000_000n,
        data: Buffer.concat([hwsimRadiotap(index % 2 === 0 ? 2412 : 5180), frame.bytes]),
      })),
    );
    const report = inspectCapture(file);
    expect(report.frames).toHaveLength(exchange.length);
    report.frames.forEach((inspected, index) => {
      const expected = exchange[index];
      expect(inspected).toMatchObject({
        number: index + 1,
        freqMhz: index % 2 === 0 ? 2412 : 5180,
        name: expected.name,
        ta: expected.ta,
        ra: expected.ra,
        bssid: expected.bssid,
        seq: expected.seq,
        protected: expected.protected,
        length: expected.bytes.length,
        capturedLength: expected.bytes.length + 22,
        malformed: null,
      });
    });
    expect(report.frames[1].time).toBe("2025-11-21T09:41:02.124456Z");
    expect(report.frames[1].timestampNs).toBe(START_NS + 1_000_000n);
  });

  it("reads plain 802.11 records (link type 105) with no frequency", () => {
    const report = inspectCapture(
      captureOf(
        LINKTYPE_IEEE802_11,
        exchange.map((frame) => ({ timestampNs: START_NS, data: frame.bytes })),
      ),
    );
    expect(report.frames.map((frame) => [frame.name, frame.ta, frame.freqMhz])).toEqual(
      exchange.map((frame) => [frame.name, frame.ta, null]),
    );
  });

  it("keeps undecodable records as malformed lines and counts them", () => {
    const beacon = exchange[0].bytes;
    const report = inspectCapture(
      captureOf(LINKTYPE_IEEE802_11_RADIOTAP, [
        { timestampNs: START_NS, data: Buffer.concat([hwsimRadiotap(2412), beacon]) },
        { timestampNs: START_NS, data: Buffer.concat([hwsimRadiotap(2437), beacon.subarray(0, 20)]) },
        { timestampNs: START_NS, data: Buffer.from([0, 0, 0x40, 0]) }, // it_len 64 in a 4-byte record
        { timestampNs: START_NS, data: Buffer.concat([hwsimRadiotap(2412), beacon]) },
      ]),
    );
    expect(report.frames.map((frame) => frame.malformed?.layer ?? frame.name)).toEqual([
      "beacon",
      "802.11",
      "radiotap",
      "beacon",
    ]);
    expect(report.frames[1]).toMatchObject({ freqMhz: 2437, length: 20, name: null, ta: null });
    expect(report.frames[1].malformed?.reason).toBe("too-short");
    expect(report.summary).toEqual({
      frames: 4,
      byName: { beacon: 2 },
      malformed: 2,
      malformedByReason: { "802.11 too-short": 1, "radiotap truncated": 1 },
    });
  });

  it("names reserved subtypes by type and number", () => {
    const reservedManagement = Buffer.concat([Buffer.from([0x70, 0x00, 0, 0]), Buffer.alloc(20)]);
    const report = inspectCapture(
      captureOf(LINKTYPE_IEEE802_11, [{ timestampNs: 0n, data: reservedManagement }]),
    );
    expect(report.frames[0].name).toBe("management-reserved-7");
  });

  it("marks records of non-802.11 interfaces in a mixed pcapng, and handles Simple Packet Blocks", () => {
    const file = readOk(
      Buffer.concat([
        sectionHeaderBlock("LE"),
        interfaceDescriptionBlock({ linkType: LINKTYPE_IEEE802_11 }, "LE"),
        interfaceDescriptionBlock({ linkType: LINKTYPE_ETHERNET }, "LE"),
        simplePacketBlock(exchange[0].bytes, exchange[0].bytes.length, "LE"),
        enhancedPacketBlock({ interfaceId: 1, timestamp: 5n, data: Buffer.alloc(60) }, "LE"),
      ]),
    );
    const report = inspectCapture(file);
    expect(report.frames[0]).toMatchObject({ name: "beacon", time: null, timestampNs: null });
    expect(report.frames[1].malformed).toEqual({
      layer: "link-type",
      reason: "not-802.11",
      detail: "link type 1 (EN10MB, Ethernet) is not 802.11",
    });
    const text = formatInspectText(report);
    expect(text).toMatch(/^ *1 {2}- .*beacon/m);
  });

  it("never throws and reports one frame per record, whatever the bytes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 20 }),
        fc.constantFrom(LINKTYPE_IEEE802_11, LINKTYPE_IEEE802_11_RADIOTAP),
        (payloads, linkType) => {
          const file = captureOf(
            linkType,
            payloads.map((bytes) => ({ timestampNs: START_NS, data: Buffer.from(bytes) })),
          );
          const report = inspectCapture(file);
          expect(report.frames).toHaveLength(payloads.length);
          const named = Object.values(report.summary.byName).reduce((sum, count) => sum + count, 0);
          expect(named + report.summary.malformed).toBe(payloads.length);
          formatInspectText(report);
          formatInspectJson(report);
        },
      ),
    );
  });
});

describe("formatInspectText", () => {
  const exchange = associationExchange();
  const DAY_NS = 86_400n * 1_000_000_000n;
  const records = exchange.map((frame, index) => ({
    // The last three frames fall on the next day (UTC).
    timestampNs: START_NS + (index >= exchange.length - 3 ? DAY_NS : 0n) + BigInt(index),
    data: Buffer.concat([hwsimRadiotap(2412), frame.bytes]),
  }));
  const text = formatInspectText(
    inspectCapture(readOk(encodePcapFile(LINKTYPE_IEEE802_11_RADIOTAP, records))),
  );
  const lines = text.split("\n");
  const frameLines = lines.filter((line) => /^ *\d+ {2}/.test(line));

  it("prints one line per frame with UTC time of day in microseconds", () => {
    expect(frameLines).toHaveLength(exchange.length);
    expect(frameLines[0]).toMatch(/^ *1 {2}09:41:02\.123456 {2}2412 {2}beacon /);
  });

  it("aligns the columns", () => {
    const header = lines[0];
    for (const heading of ["TA", "RA", "BSSID"]) {
      const column = header.indexOf(` ${heading} `) + 1;
      expect(column).toBeGreaterThan(0);
      for (const line of frameLines)
        expect(line.slice(column, column + 17)).toMatch(/^([0-9a-f:]{17}|- {16})$/);
    }
  });

  it("shows the protected flag, dashes for absent fields", () => {
    const qos = frameLines.find((line) => line.includes("qos-data"))!;
    expect(qos).toMatch(/ yes$/);
    const ack = frameLines.find((line) => line.includes(" ack "))!;
    expect(ack).toMatch(new RegExp(` ack +- +(${AP}|${STA}) +- `));
    expect(ack).toMatch(/ - +\d+ {2}-$/);
  });

  it("prints the date before the first frame and where it changes", () => {
    expect(lines.filter((line) => line.startsWith("-- "))).toEqual(["-- 2025-11-21 --", "-- 2025-11-22 --"]);
    expect(lines.indexOf("-- 2025-11-22 --")).toBe(lines.indexOf(frameLines[exchange.length - 3]) - 1);
  });

  it("ends with counts per frame kind", () => {
    expect(text).toContain(`${exchange.length} frames, 0 malformed`);
    expect(text).toMatch(/^ {2}ack +3$/m);
    expect(text).toMatch(/^ {2}auth +2$/m);
  });
});

describe("formatInspectJson", () => {
  it("writes frames and summary with bigints as decimal strings", () => {
    const exchange = associationExchange();
    const report = inspectCapture(
      captureOf(
        LINKTYPE_IEEE802_11_RADIOTAP,
        exchange.map((frame) => ({
          timestampNs: START_NS,
          data: Buffer.concat([hwsimRadiotap(2462), frame.bytes]),
        })),
      ),
    );
    const parsed = JSON.parse(formatInspectJson(report));
    expect(parsed.frames).toHaveLength(exchange.length);
    expect(parsed.frames[0]).toEqual({
      number: 1,
      time: "2025-11-21T09:41:02.123456Z",
      timestampNs: START_NS.toString(),
      interfaceId: 0,
      linkType: 127,
      freqMhz: 2462,
      type: "management",
      subtype: 8,
      name: "beacon",
      ta: AP,
      ra: "ff:ff:ff:ff:ff:ff",
      bssid: AP,
      seq: 1,
      length: exchange[0].bytes.length,
      capturedLength: exchange[0].bytes.length + 22,
      protected: false,
      malformed: null,
    });
    expect(parsed.summary.frames).toBe(exchange.length);
    expect(parsed.summary.byName.ack).toBe(3);
    expect(parsed.stoppedEarly).toBeNull();
  });
});
