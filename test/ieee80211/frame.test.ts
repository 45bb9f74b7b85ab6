// Frames are laid out by hand from IEEE 802.11-2020 clause 9.3; the expected address roles come from
// its Table 9-26 (address field contents by To DS / From DS).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FrameReject, type FrameView, parseFrame } from "../../src/ieee80211/frame.js";
import { BROADCAST } from "../../src/ieee80211/mac.js";
import type { Result } from "../../src/result.js";

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ""), "hex");
}

function parsed(result: Result<FrameView, FrameReject>): FrameView {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.reason}: ${result.error.detail}`);
  return result.value;
}

const A1 = "020000000100";
const A2 = "020000000200";
const A3 = "020000000300";
const A4 = "020000000400";
const M1 = 0x0200_0000_0100;
const M2 = 0x0200_0000_0200;
const M3 = 0x0200_0000_0300;
const M4 = 0x0200_0000_0400;

describe("parseFrame: names of every type and subtype", () => {
  const names: Record<string, readonly string[]> = {
    management: [
      "assoc-req",
      "assoc-resp",
      "reassoc-req",
      "reassoc-resp",
      "probe-req",
      "probe-resp",
      "timing-advertisement",
      "reserved",
      "beacon",
      "atim",
      "disassoc",
      "auth",
      "deauth",
      "action",
      "action-no-ack",
      "reserved",
    ],
    control: [
      "reserved",
      "reserved",
      "trigger",
      "tack",
      "beamforming-report-poll",
      "ndp-announcement",
      "control-frame-extension",
      "control-wrapper",
      "block-ack-req",
      "block-ack",
      "ps-poll",
      "rts",
      "cts",
      "ack",
      "cf-end",
      "cf-end-cf-ack",
    ],
    data: [
      "data",
      "data-cf-ack",
      "data-cf-poll",
      "data-cf-ack-cf-poll",
      "null",
      "cf-ack",
      "cf-poll",
      "cf-ack-cf-poll",
      "qos-data",
      "qos-data-cf-ack",
      "qos-data-cf-poll",
      "qos-data-cf-ack-cf-poll",
      "qos-null",
      "reserved",
      "qos-cf-poll",
      "qos-cf-ack-cf-poll",
    ],
    extension: ["dmg-beacon", "s1g-beacon", ...new Array<string>(14).fill("reserved")],
  };
  const cases = Object.entries(names).flatMap(([type, list], typeCode) =>
    list.map((name, subtype) => ({ type, typeCode, subtype, name })),
  );

  it.each(cases)("type $typeCode subtype $subtype is $type $name", ({ type, typeCode, subtype, name }) => {
    // 40 bytes is enough for the longest header (QoS 4-address + HT control = 36).
    const frame = Buffer.alloc(40);
    frame[0] = (subtype << 4) | (typeCode << 2);
    const view = parsed(parseFrame(frame));
    expect(view.type).toBe(type);
    expect(view.subtype).toBe(subtype);
    expect(view.subtypeName).toBe(name);
    expect(view.protocolVersion).toBe(0);
  });
});

describe("parseFrame: management frames", () => {
  it("reads a beacon: DA broadcast, SA = BSSID, sequence control", () => {
    // FC 0x0080, duration 0, DA, SA, BSSID, sequence 0x1234 fragment 5, then body.
    const beacon = hex(`8000 0000 ffffffffffff ${A1} ${A1} 4523 0011223344556677 6400 0104`);
    const view = parsed(parseFrame(beacon));
    expect(view).toEqual({
      frameControl: 0x0080,
      protocolVersion: 0,
      type: "management",
      subtype: 8,
      subtypeName: "beacon",
      toDs: false,
      fromDs: false,
      moreFragments: false,
      retry: false,
      powerMgmt: false,
      moreData: false,
      protected: false,
      order: false,
      duration: 0,
      ra: BROADCAST,
      ta: M1,
      bssid: M1,
      sa: M1,
      da: BROADCAST,
      sequenceNumber: 0x234,
      fragmentNumber: 5,
      qosControl: null,
      htControl: null,
      headerLength: 24,
      length: beacon.length,
    });
  });

  it("reads every frame control flag and the duration", () => {
    // auth with retry, power mgmt, more data, protected, more fragments (flags 0x7c), duration 314.
    const view = parsed(parseFrame(hex(`b07c 3a01 ${A1} ${A2} ${A3} 0000 0100`)));
    expect(view).toMatchObject({
      subtypeName: "auth",
      moreFragments: true,
      retry: true,
      powerMgmt: true,
      moreData: true,
      protected: true,
      order: false,
      toDs: false,
      fromDs: false,
      duration: 314,
      frameControl: 0x7cb0,
    });
  });

  it("an order bit on a management frame means +HTC: 4 more header bytes", () => {
    const view = parsed(parseFrame(hex(`d080 0000 ${A1} ${A2} ${A3} 0000 78563412 7f`)));
    expect(view).toMatchObject({
      subtypeName: "action",
      order: true,
      htControl: 0x12345678,
      headerLength: 28,
    });
  });
});

describe("parseFrame: data frames, address roles by To DS / From DS", () => {
  it.each([
    { ds: "00 (IBSS / direct)", flags: 0x00, roles: { da: M1, sa: M2, bssid: M3 } },
    { ds: "01 To DS (STA to AP)", flags: 0x01, roles: { bssid: M1, sa: M2, da: M3 } },
    { ds: "10 From DS (AP to STA)", flags: 0x02, roles: { da: M1, bssid: M2, sa: M3 } },
  ])("$ds", ({ flags, roles }) => {
    const frame = hex(
      `08${flags.toString(16).padStart(2, "0")} 2c00 ${A1} ${A2} ${A3} 1000 aaaa0300000008000102`,
    );
    const view = parsed(parseFrame(frame));
    expect(view).toMatchObject({
      ra: M1,
      ta: M2,
      ...roles,
      headerLength: 24,
      sequenceNumber: 1,
      fragmentNumber: 0,
    });
    expect(view.qosControl).toBeNull();
    expect(view.htControl).toBeNull();
  });

  it("11 WDS / mesh: four addresses, no BSSID, header 30", () => {
    const view = parsed(parseFrame(hex(`0803 0000 ${A1} ${A2} ${A3} 2000 ${A4} aaaa`)));
    expect(view).toMatchObject({
      toDs: true,
      fromDs: true,
      ra: M1,
      ta: M2,
      da: M3,
      sa: M4,
      bssid: null,
      sequenceNumber: 2,
      headerLength: 30,
    });
  });

  it("QoS data reads QoS control after the 3 addresses", () => {
    const view = parsed(parseFrame(hex(`8801 0000 ${A1} ${A2} ${A3} 3000 0600 aaaa`)));
    expect(view).toMatchObject({
      subtypeName: "qos-data",
      qosControl: 0x0006,
      headerLength: 26,
      sequenceNumber: 3,
    });
  });

  it("QoS data in 4-address form with +HTC: header 36", () => {
    const frame = hex(`8883 0000 ${A1} ${A2} ${A3} 4000 ${A4} 0500 efbeadde 01`);
    const view = parsed(parseFrame(frame));
    expect(view).toMatchObject({
      sa: M4,
      qosControl: 5,
      htControl: 0xdeadbeef,
      headerLength: 36,
      length: 37,
      order: true,
    });
  });

  it.each([
    { ds: "00", flags: "00", roles: { da: M1, sa: M2, bssid: M3 } },
    { ds: "01 To DS", flags: "01", roles: { bssid: M1, sa: M2, da: null } },
    { ds: "10 From DS", flags: "02", roles: { da: M1, bssid: M2, sa: null } },
  ])("A-MSDU $ds: SA/DA not in the header are null (they are in the subframes)", ({ flags, roles }) => {
    // QoS control 0x0080: A-MSDU present.
    const view = parsed(parseFrame(hex(`88${flags} 0000 ${A1} ${A2} ${A3} 0000 8000 aaaa`)));
    expect(view).toMatchObject({ ra: M1, ta: M2, ...roles, qosControl: 0x0080 });
  });

  it("A-MSDU in a 4-address frame: address 3 is the BSSID, no SA/DA in the header", () => {
    const view = parsed(parseFrame(hex(`8803 0000 ${A1} ${A2} ${A3} 0000 ${A4} 8000`)));
    expect(view).toMatchObject({ ra: M1, ta: M2, bssid: M3, sa: null, da: null, headerLength: 32 });
  });

  it("the A-MSDU bit means nothing in a QoS null (no payload)", () => {
    const view = parsed(parseFrame(hex(`c801 0000 ${A1} ${A2} ${A3} 0000 8000`)));
    expect(view).toMatchObject({ bssid: M1, sa: M2, da: M3 });
  });

  it("the order bit on non-QoS data is strictly-ordered service, not +HTC", () => {
    const view = parsed(parseFrame(hex(`0880 0000 ${A1} ${A2} ${A3} 0000 aabbccdd`)));
    expect(view).toMatchObject({ order: true, htControl: null, headerLength: 24 });
  });

  it("a null frame is header only", () => {
    const view = parsed(parseFrame(hex(`4811 0000 ${A1} ${A2} ${A3} 0000`)));
    expect(view).toMatchObject({
      subtypeName: "null",
      powerMgmt: true,
      toDs: true,
      headerLength: 24,
      length: 24,
    });
  });
});

describe("parseFrame: control frames", () => {
  it.each([
    { name: "ack", fc: "d400", ta: null, bssid: null, headerLength: 10 },
    { name: "cts", fc: "c400", ta: null, bssid: null, headerLength: 10 },
    { name: "rts", fc: "b400", ta: M2, bssid: null, headerLength: 16 },
    { name: "block-ack-req", fc: "8400", ta: M2, bssid: null, headerLength: 16 },
    { name: "block-ack", fc: "9400", ta: M2, bssid: null, headerLength: 16 },
    { name: "ps-poll", fc: "a410", ta: M2, bssid: M1, headerLength: 16 },
    { name: "cf-end", fc: "e400", ta: M2, bssid: M2, headerLength: 16 },
    { name: "ndp-announcement", fc: "5400", ta: M2, bssid: null, headerLength: 16 },
    { name: "trigger", fc: "2400", ta: M2, bssid: null, headerLength: 16 },
  ])(
    "$name: RA, TA $ta, header $headerLength, no sequence control",
    ({ name, fc: fcHex, ta, bssid, headerLength }) => {
      const frame = hex(`${fcHex} 1c00 ${A1} ${A2} 0000`);
      const view = parsed(parseFrame(frame.subarray(0, Math.max(headerLength, 10))));
      expect(view).toMatchObject({
        type: "control",
        subtypeName: name,
        ra: M1,
        ta,
        bssid,
        headerLength,
        duration: 28,
      });
      expect(view.sa).toBeNull();
      expect(view.da).toBeNull();
      expect(view.sequenceNumber).toBeNull();
      expect(view.fragmentNumber).toBeNull();
    },
  );

  it("control wrapper: address 1, carried frame control, HT control", () => {
    const view = parsed(parseFrame(hex(`7400 0000 ${A1} d400 44332211 ${A2}`)));
    expect(view).toMatchObject({
      subtypeName: "control-wrapper",
      ra: M1,
      ta: null,
      htControl: 0x11223344,
      headerLength: 16,
    });
  });

  it("hwsim's synthetic ACK record (10 bytes) parses as an ACK to its RA", () => {
    const view = parsed(parseFrame(hex(`d400 0000 ${A1}`)));
    expect(view).toMatchObject({ subtypeName: "ack", ra: M1, length: 10, headerLength: 10 });
  });
});

describe("parseFrame: extension frames", () => {
  it("a DMG beacon's single address is its transmitter", () => {
    const view = parsed(parseFrame(hex(`0c00 0000 ${A2} 0102030405060708`)));
    expect(view).toMatchObject({
      type: "extension",
      subtypeName: "dmg-beacon",
      ta: M2,
      ra: null,
      headerLength: 10,
    });
  });
});

describe("parseFrame rejections", () => {
  it.each([
    ["empty", "", "frame control"],
    ["one byte", "80", "frame control"],
    ["beacon of 23 bytes", `8000 0000 ${A1} ${A2} ${A3} 00`, "management beacon"],
    ["action +HTC of 27 bytes", `d080 0000 ${A1} ${A2} ${A3} 0000 785634`, "management action"],
    ["ack of 9 bytes", "d400 0000 0200000001", "control ack"],
    ["cts of 4 bytes", "c400 0000", "control cts"],
    ["rts of 15 bytes", `b400 0000 ${A1} 0200000002`, "control rts"],
    ["block-ack-req of 10 bytes", `8400 0000 ${A1}`, "control block-ack-req"],
    ["control wrapper of 15 bytes", `7400 0000 ${A1} d400 443322`, "control control-wrapper"],
    ["data of 23 bytes", `0800 0000 ${A1} ${A2} ${A3} 00`, "data data"],
    ["4-address data of 29 bytes", `0803 0000 ${A1} ${A2} ${A3} 0000 0200000004`, "data data"],
    ["qos-data of 25 bytes", `8800 0000 ${A1} ${A2} ${A3} 0000 06`, "data qos-data"],
    ["qos-null +HTC of 29 bytes", `c880 0000 ${A1} ${A2} ${A3} 0000 0000 785634`, "data qos-null"],
    ["dmg-beacon of 9 bytes", "0c00 0000 0200000002", "extension dmg-beacon"],
  ])("%s is too-short, naming %s", (_name, bytes, named) => {
    const result = parseFrame(hex(bytes));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe("too-short");
      expect(result.error.detail).toContain(named);
    }
  });

  it.each([1, 2, 3])("protocol version %i is bad-version", (version) => {
    const frame = hex(`8000 0000 ${A1} ${A2} ${A3} 0000`);
    frame[0] |= version;
    const result = parseFrame(frame);
    expect(result.ok ? "ok" : result.error.reason).toBe("bad-version");
  });
});

describe("parseFrame properties", () => {
  it("never throws, and a parsed header always fits inside the frame", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        const frame = Buffer.from(bytes);
        const result = parseFrame(frame);
        if (!result.ok) {
          expect(["too-short", "bad-version"]).toContain(result.error.reason);
          return;
        }
        const view = result.value;
        expect(view.headerLength).toBeGreaterThanOrEqual(10);
        expect(view.headerLength).toBeLessThanOrEqual(frame.length);
        expect(view.length).toBe(frame.length);
        expect(view.protocolVersion).toBe(0);
        expect(view.frameControl).toBe(frame.readUInt16LE(0));
        for (const mac of [view.ra, view.ta, view.bssid, view.sa, view.da]) {
          if (mac !== null) expect(Number.isSafeInteger(mac) && mac >= 0 && mac <= BROADCAST).toBe(true);
        }
        if (view.type === "management" || view.type === "data") {
          expect(view.sequenceNumber).toBe(frame.readUInt16LE(22) >> 4);
        } else {
          expect(view.sequenceNumber).toBeNull();
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("every prefix of a valid frame either parses to the same header or is too-short", () => {
    const full = hex(`8883 0000 ${A1} ${A2} ${A3} 4000 ${A4} 0500 efbeadde 0102`);
    const whole = parsed(parseFrame(full));
    for (let cut = 0; cut <= full.length; cut++) {
      const result = parseFrame(full.subarray(0, cut));
      if (cut < whole.headerLength) {
        expect(result.ok ? "ok" : result.error.reason).toBe("too-short");
      } else {
        expect(parsed(result)).toEqual({ ...whole, length: cut });
      }
    }
  });
});
