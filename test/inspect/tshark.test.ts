// inspect against tshark and tcpdump on the same files: equal frame counts, and per frame equal
// type/subtype, TA, RA, BSSID, sequence number, protected bit and radiotap frequency. Runs over
// files written here (then converted by editcap) and over the hwsim0 recordings in test/fixtures.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { LINKTYPE_IEEE802_11, LINKTYPE_IEEE802_11_RADIOTAP } from "../../src/capture-file/link-type.js";
import { encodePcapFile, type PcapRecordToWrite } from "../../src/capture-file/pcap.js";
import { editcap, toolAvailable } from "../capture-file/capture-tools.js";
import { associationExchange, hwsimAckRadiotap, hwsimRadiotap } from "./air-frames.js";
import { type Agreement, tsharkAgreement } from "./tshark-agreement.js";

const haveTshark = toolAvailable("tshark");
const haveTools = haveTshark && toolAvailable("tcpdump") && toolAvailable("editcap");
const workDir = mkdtempSync(join(tmpdir(), "inspect-tshark-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function expectAgreement(agreement: Agreement, label: string): void {
  // The figures end up in the test log: how much was compared, not just that nothing differed.
  console.log(
    `${label}: ${agreement.inspectFrames} frames (tshark ${agreement.tsharkFrames}, tcpdump ${agreement.tcpdumpFrames}), ` +
      `${agreement.fieldsCompared} compared field by field, ${agreement.malformedAgreed} malformed in both, ` +
      `${agreement.mismatches.length} mismatches`,
  );
  expect(agreement.mismatches).toEqual([]);
  expect(agreement.tsharkFrames).toBe(agreement.inspectFrames);
  expect(agreement.tcpdumpFrames).toBe(agreement.inspectFrames);
}

function write(name: string, linkType: number, records: readonly PcapRecordToWrite[]): string {
  const path = join(workDir, name);
  writeFileSync(path, encodePcapFile(linkType, records));
  return path;
}

const exchange = associationExchange();
const T0 = 1_763_718_062_000_000_000n;

describe.skipIf(!haveTools)("inspect agrees with tshark and tcpdump on written files", () => {
  const radiotapPath = write(
    "exchange-radiotap.pcap",
    LINKTYPE_IEEE802_11_RADIOTAP,
    exchange.map((frame, index) => {
      const freqMhz = [2412, 2437, 5180, 5745][index % 4];
      // ACKs the way hwsim0 records them: its short Flags+Channel radiotap header.
      const radiotap = frame.name === "ack" ? hwsimAckRadiotap(freqMhz) : hwsimRadiotap(freqMhz);
      return { timestampNs: T0 + BigInt(index) * 1000n, data: Buffer.concat([radiotap, frame.bytes]) };
    }),
  );

  it("an association exchange over radiotap", () => {
    const agreement = tsharkAgreement(radiotapPath);
    expectAgreement(agreement, "exchange, radiotap pcap");
    expect(agreement.fieldsCompared).toBe(exchange.length);
  });

  it("the same exchange as plain 802.11 (link type 105)", () => {
    const path = write(
      "exchange-80211.pcap",
      LINKTYPE_IEEE802_11,
      exchange.map((frame, index) => ({ timestampNs: T0 + BigInt(index), data: frame.bytes })),
    );
    const agreement = tsharkAgreement(path);
    expectAgreement(agreement, "exchange, 802.11 pcap");
    expect(agreement.fieldsCompared).toBe(exchange.length);
  });

  it("the exchange converted to pcapng by editcap", () => {
    const path = join(workDir, "exchange.pcapng");
    editcap(["-F", "pcapng", radiotapPath, path]);
    const agreement = tsharkAgreement(path);
    expectAgreement(agreement, "exchange, pcapng");
    expect(agreement.fieldsCompared).toBe(exchange.length);
  });

  it("the exchange cut off in its last record: the frames before the cut", () => {
    const whole = readFileSync(radiotapPath);
    const path = join(workDir, "exchange-cut.pcap");
    writeFileSync(path, whole.subarray(0, whole.length - 5));
    const agreement = tsharkAgreement(path);
    expectAgreement(agreement, "exchange, cut pcap");
    expect(agreement.inspectFrames).toBe(exchange.length - 1);
    expect(agreement.report.stoppedEarly?.reason).toBe("truncated");
  });

  // Control subtypes whose address roles tshark 4.0 reads differently from the standard's tables
  // (CF-End TA/BSSID, DMG control frame extension, control wrapper), and the extension type (DMG/S1G
  // beacons: tshark calls the one address RA): these are compared nowhere here, see the report.
  const DISPUTED_FIRST_BYTES = new Set([0x64, 0x74, 0xe4, 0xf4]);
  const randomFrame = fc.record({
    frameControl: fc
      .integer({ min: 0, max: 255 })
      .map((byte) => byte & 0xfc) // protocol version 0
      .filter((byte) => ((byte >> 2) & 0x03) !== 3 && !DISPUTED_FIRST_BYTES.has(byte)),
    flags: fc.integer({ min: 0, max: 255 }),
    rest: fc.uint8Array({ maxLength: 80 }),
    freqMhz: fc.constantFrom(2412, 2462, 2484, 5180, 5825),
  });

  it.each([
    { seed: 1, label: "random headers, any length" },
    { seed: 2, label: "random headers, long enough to parse" },
  ])("$label", ({ seed }) => {
    const frames = fc.sample(randomFrame, { seed, numRuns: 1500 });
    const path = write(
      `random-${seed}.pcap`,
      LINKTYPE_IEEE802_11_RADIOTAP,
      frames.map((frame, index) => ({
        timestampNs: T0 + BigInt(index),
        data: Buffer.concat([
          hwsimRadiotap(frame.freqMhz),
          Buffer.from([frame.frameControl, frame.flags]),
          Buffer.from(frame.rest),
          // Seed 2 pads every frame past the longest MAC header (36 bytes).
          Buffer.alloc(seed === 2 ? 36 : 0, 0xa5),
        ]),
      })),
    );
    const agreement = tsharkAgreement(path);
    expectAgreement(agreement, `random frames, seed ${seed}`);
    expect(agreement.fieldsCompared).toBeGreaterThan(seed === 2 ? 1400 : 50);
  });
});

const FIXTURES_DIR = join(import.meta.dirname, "..", "fixtures");
const fixtures = existsSync(FIXTURES_DIR)
  ? readdirSync(FIXTURES_DIR).filter((name) => /\.(pcap|pcapng)$/.test(name))
  : [];

describe("inspect agrees with tshark and tcpdump on recorded hwsim0 captures (test/fixtures)", () => {
  if (fixtures.length === 0) it.skip("no .pcap/.pcapng recordings in test/fixtures yet", () => {});

  // Skipped only where tshark is missing (CI installs it).
  it.skipIf(!haveTools).each(fixtures)("%s", (name) => {
    expectAgreement(tsharkAgreement(join(FIXTURES_DIR, name)), `fixture ${name}`);
  });
});
