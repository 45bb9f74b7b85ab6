// Cross-check against Wireshark's dissectors: a seeded corpus of radiotap + 802.11 packets goes into a
// pcap (LINKTYPE_IEEE802_11_RADIOTAP = 127), tshark prints its view of each, and ours must agree on
// every field both sides report. Skipped where tshark is not installed; the hand-built vectors in the
// other tests do not depend on it.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseFrame } from "../../src/ieee80211/frame.js";
import { formatMac } from "../../src/ieee80211/mac.js";
import { RadiotapFlags } from "../../src/radiotap/constants.js";
import type { RadiotapFields } from "../../src/radiotap/fields.js";
import { decodeRadiotap, encodeRadiotap } from "../../src/radiotap/radiotap.js";

const tsharkAvailable = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;

const LINKTYPE_IEEE802_11_RADIOTAP = 127;

function pcapFile(packets: readonly Buffer[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(LINKTYPE_IEEE802_11_RADIOTAP, 20);
  const records = packets.map((packet, index) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(index, 0);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  return Buffer.concat([global, ...records]);
}

const TSHARK_FIELDS = [
  "radiotap.length",
  "radiotap.present.word",
  "radiotap.mactime",
  "radiotap.flags",
  "radiotap.datarate",
  "radiotap.channel.freq",
  "radiotap.channel.flags",
  "radiotap.dbm_antsignal",
  "radiotap.dbm_antnoise",
  "radiotap.antenna",
  "radiotap.rxflags",
  "radiotap.txflags",
  "radiotap.data_retries",
  "radiotap.mcs.known",
  "radiotap.vht.paid",
  "wlan.fc.type_subtype",
  "wlan.duration",
  "wlan.ra",
  "wlan.ta",
  "wlan.sa",
  "wlan.da",
  "wlan.bssid",
  "wlan.seq",
  "wlan.frag",
  "wlan.qos",
] as const;
type TsharkField = (typeof TSHARK_FIELDS)[number];

function runTshark(packets: readonly Buffer[]): Array<Record<TsharkField, string>> {
  const dir = mkdtempSync(join(tmpdir(), "radiotap-crosscheck-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "corpus.pcap");
  writeFileSync(file, pcapFile(packets));
  const args = ["-r", file, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a"];
  for (const field of TSHARK_FIELDS) args.push("-e", field);
  const run = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`tshark failed: ${run.stderr}`);
  return run.stdout
    .trimEnd()
    .split("\n")
    .map((line) => {
      const values = line.split("|");
      return Object.fromEntries(TSHARK_FIELDS.map((field, i) => [field, values[i] ?? ""])) as Record<
        TsharkField,
        string
      >;
    });
}

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

const hex = (value: number, digits: number) => `0x${value.toString(16).padStart(digits, "0")}`;
const first = (text: string) => text.split(",")[0];
const macOrEmpty = (mac: number | null) => (mac === null ? "" : formatMac(mac));

// Radiotap headers: the fields tshark reports plainly. DATAPAD (0x20) is left out because it moves
// the 802.11 body, which tshark then reads differently from the frame we generated.
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const radiotapFields: fc.Arbitrary<RadiotapFields> = fc.record(
  {
    tsft: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    flags: u8.map((flags) => flags & ~RadiotapFlags.dataPad),
    rate500kbps: fc.integer({ min: 1, max: 0xff }),
    channel: fc.record({ freqMhz: fc.integer({ min: 2400, max: 6000 }), flags: u16 }),
    dbmSignal: fc.integer({ min: -128, max: 127 }),
    dbmNoise: fc.integer({ min: -128, max: 127 }),
    antenna: u8,
    rxFlags: u16,
    txFlags: u16,
    dataRetries: u8,
    mcs: fc.record({ known: u8, flags: u8, index: fc.integer({ min: 0, max: 31 }) }),
    vht: fc.record({
      known: fc.constant(0x0100),
      flags: fc.constant(0),
      bandwidth: fc.constant(0),
      mcsNss: fc.constant([0x11, 0, 0, 0] as const),
      coding: fc.constant(0),
      groupId: fc.constant(0),
      partialAid: fc.integer({ min: 0, max: 0x1ff }),
    }),
  },
  { requiredKeys: [] },
);

// 802.11 frames: any management or data subtype, or a control subtype whose layout both sides define;
// random flags, addresses from a small pool so roles are distinguishable, body of 0-24 bytes.
const address = fc.integer({ min: 1, max: 6 }).map((n) => 0x0200_0000_0000 + n * 0x100);
const CONTROL_SUBTYPES = [8, 9, 10, 11, 12, 13, 14, 15];
const frameBytes = fc
  .record({
    typeCode: fc.constantFrom(0, 1, 2),
    subtypeSeed: fc.nat(),
    // Flags without protected (tshark would read the body as CCMP) and more-fragments (reassembly).
    flags: u8.map((flags) => flags & ~0x44),
    duration: fc.integer({ min: 0, max: 0x7fff }),
    addresses: fc.tuple(address, address, address, address),
    sequenceControl: u16,
    qosControl: u16,
    htControl: fc.integer({ min: 0, max: 0xffff_ffff }),
    body: fc.uint8Array({ maxLength: 24 }),
  })
  .map((f) => {
    const subtype = f.typeCode === 1 ? CONTROL_SUBTYPES[f.subtypeSeed % 8] : f.subtypeSeed % 16;
    const out = Buffer.alloc(64);
    out[0] = (subtype << 4) | (f.typeCode << 2);
    // To DS / From DS are always 0 in control frames, and Wireshark's labels depend on them there.
    out[1] = f.typeCode === 1 ? f.flags & ~0x03 : f.flags;
    out.writeUInt16LE(f.duration, 2);
    f.addresses.forEach((mac, i) => {
      out.writeUIntBE(mac, 4 + 6 * i, 6);
    });
    // Fill sequence control, QoS and HT control at every position they could take; the parser
    // decides which layout applies and tshark must agree.
    out.writeUInt16LE(f.sequenceControl, 22);
    out.writeUInt16LE(f.qosControl, 24);
    out.writeUInt16LE(f.qosControl, 30);
    out.writeUInt32LE(f.htControl, 32);
    Buffer.from(f.body).copy(out, 36);
    const view = parseFrame(out);
    if (!view.ok) throw new Error(view.error.detail);
    return out.subarray(0, view.value.headerLength + f.body.length);
  });

// Layouts the random corpus never produces: chained present words with namespace resets
// (per-antenna signals) and an unknown vendor namespace skipped by its skip_length.
const CHAINED_AND_VENDOR = [
  "00002600 2f4000a0 200800a0 20080000 1122334455667788 10 02 6c09 a000 d8 00 0200 d6 00 d3 01" +
    "c400 0000 020000000100 aabbccdd",
  "00003000 0a0000c0 070000a0 01000000 00 00 7817 4001 001122 01 0500 0102030405 00000000000000" +
    "efcdab8967452301 0802 0000 020000000100 020000000200 020000000300 1000",
].map((text) => Buffer.from(text.replace(/\s+/g, ""), "hex"));

describe.skipIf(!tsharkAvailable)("agreement with tshark", () => {
  const corpus = CHAINED_AND_VENDOR.concat(
    fc.sample(
      fc
        .tuple(radiotapFields, frameBytes)
        .map(([fields, frame]) =>
          Buffer.concat([encodeRadiotap(fields), frame, Buffer.from("c0ffee00", "hex")]),
        ),
      { seed: 80211, numRuns: 400 },
    ),
  );

  it("radiotap and 802.11 header fields match tshark's, packet by packet", () => {
    const tshark = runTshark(corpus);
    expect(tshark).toHaveLength(corpus.length);
    corpus.forEach((packet, index) => {
      const theirs = tshark[index];
      const radiotap = decodeRadiotap(packet);
      if (!radiotap.ok) throw new Error(radiotap.error.detail);
      const { header } = radiotap.value;
      const frame = parseFrame(radiotap.value.frame);
      if (!frame.ok) throw new Error(frame.error.detail);
      const view = frame.value;
      const where = `packet ${index + 1}: ${packet.toString("hex")}`;

      const ours: Partial<Record<TsharkField, string>> = {
        "radiotap.length": String(header.length),
        "radiotap.present.word": header.presentWords.map((word) => hex(word, 8)).join(","),
        "radiotap.mactime": header.tsft === undefined ? "" : String(header.tsft),
        "radiotap.flags": header.flags === undefined ? "" : hex(header.flags, 2),
        "radiotap.channel.freq": header.channel === undefined ? "" : String(header.channel.freqMhz),
        "radiotap.channel.flags": header.channel === undefined ? "" : hex(header.channel.flags, 4),
        "radiotap.dbm_antsignal": header.dbmSignal === undefined ? "" : String(header.dbmSignal),
        "radiotap.dbm_antnoise": header.dbmNoise === undefined ? "" : String(header.dbmNoise),
        "radiotap.antenna": header.antenna === undefined ? "" : String(header.antenna),
        "radiotap.rxflags": header.rxFlags === undefined ? "" : hex(header.rxFlags, 4),
        "radiotap.txflags": header.txFlags === undefined ? "" : hex(header.txFlags, 4),
        "radiotap.data_retries": header.dataRetries === undefined ? "" : String(header.dataRetries),
        "radiotap.mcs.known": header.mcs === undefined ? "" : hex(header.mcs.known, 2),
        "radiotap.vht.paid": header.vht === undefined ? "" : String(header.vht.partialAid),
        "wlan.fc.type_subtype": hex(
          (view.type === "control" ? 0x10 : view.type === "data" ? 0x20 : 0) | view.subtype,
          4,
        ),
        "wlan.duration": String(view.duration),
        "wlan.ra": macOrEmpty(view.ra),
        "wlan.ta": macOrEmpty(view.ta),
        "wlan.sa": macOrEmpty(view.sa),
        "wlan.da": macOrEmpty(view.da),
        "wlan.bssid": macOrEmpty(view.bssid),
        "wlan.seq": view.sequenceNumber === null ? "" : String(view.sequenceNumber),
        "wlan.frag": view.fragmentNumber === null ? "" : String(view.fragmentNumber),
        "wlan.qos": view.qosControl === null ? "" : hex(view.qosControl, 4),
      };
      if (view.subtypeName === "cf-end" || view.subtypeName === "cf-end-cf-ack") {
        // The standard names address 2 of both "BSSID(TA)"; Wireshark files it as wlan.bssid in a
        // CF-End and as wlan.ta in a CF-End+CF-Ack. We report it as both.
        delete ours["wlan.ta"];
        delete ours["wlan.bssid"];
        expect(view.ta).toBe(view.bssid);
        expect(first(theirs["wlan.ta"]) || first(theirs["wlan.bssid"]), `address 2 of ${where}`).toBe(
          macOrEmpty(view.ta),
        );
      }
      const isAmsdu = view.subtypeName.startsWith("qos-data") && ((view.qosControl ?? 0) & 0x0080) !== 0;
      if (isAmsdu) {
        // SA and DA live in the A-MSDU subframes; tshark reports those from the (random) body.
        delete ours["wlan.sa"];
        delete ours["wlan.da"];
      }
      for (const [field, value] of Object.entries(ours)) {
        const reported = theirs[field as TsharkField];
        // tshark repeats some fields (addresses, per-antenna values); its first occurrence is the
        // header's. Present words are a list on both sides.
        const theirValue = field === "radiotap.present.word" ? reported : first(reported);
        expect(theirValue, `${field} of ${where}`).toBe(value);
      }
      if (header.rate500kbps !== undefined && header.mcs === undefined && header.vht === undefined) {
        expect(Number(first(theirs["radiotap.datarate"])) * 2, `datarate of ${where}`).toBe(
          header.rate500kbps,
        );
      }
    });
  });
});
