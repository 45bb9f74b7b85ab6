// decodeInterface reads the six attributes the agent needs from an nl80211 GET_INTERFACE reply;
// the real kernel's replies are exercised by every VM test, these pin the TLV walk.

import { describe, expect, it } from "vitest";
import { decodeInterface, decodeNotification, decodeScanFrequencies } from "../../src/os/netlink/nl80211.js";

/** A netlink attribute: u16 length, u16 type, payload, padded to 4 bytes. */
function attribute(type: number, payload: Buffer): Buffer {
  const length = 4 + payload.length;
  const out = Buffer.alloc((length + 3) & ~3);
  out.writeUInt16LE(length, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}
const u32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
};

describe("nl80211 interface replies", () => {
  const wlan0 = [
    attribute(3, u32(4)), // IFINDEX
    attribute(4, Buffer.from("wlan0\0")), // IFNAME, NUL-terminated
    attribute(1, u32(0)), // WIPHY
    attribute(5, u32(2)), // IFTYPE STATION
    attribute(6, Buffer.from([2, 0, 0, 0x77, 0, 2])), // MAC
    attribute(0x99, Buffer.alloc(8)), // WDEV: skipped
    attribute(38, u32(2437)), // WIPHY_FREQ
  ];

  it("decodes an associated station", () => {
    expect(decodeInterface(Buffer.concat(wlan0))).toEqual({
      ifindex: 4,
      ifname: "wlan0",
      wiphy: 0,
      iftype: "STATION",
      mac: Buffer.from([2, 0, 0, 0x77, 0, 2]),
      freqMhz: 2437,
    });
  });

  it.each([
    ["no channel: freqMhz null", wlan0.filter((_, i) => i !== 6), { freqMhz: null }],
    ["a monitor (IFTYPE 6)", [...wlan0.slice(0, 3), attribute(5, u32(6))], { iftype: "MONITOR" }],
    ["an AP (IFTYPE 3)", [...wlan0.slice(0, 3), attribute(5, u32(3))], { iftype: "AP" }],
  ])("%s", (_, attributes, expected) => {
    expect(decodeInterface(Buffer.concat(attributes))).toMatchObject(expected);
  });

  it("returns null without ifindex, name or wiphy, and stops at a truncated attribute", () => {
    expect(decodeInterface(Buffer.concat(wlan0.slice(1)))).toBeNull();
    const truncated = Buffer.concat(wlan0).subarray(0, 20);
    expect(decodeInterface(truncated)).toBeNull();
    const badLength = Buffer.concat(wlan0);
    badLength.writeUInt16LE(2, 0); // shorter than a header
    expect(decodeInterface(badLength)).toBeNull();
  });
});

describe("nl80211 scan frequencies (NL80211_ATTR_SCAN_FREQUENCIES)", () => {
  it("reads one u32 per nested attribute, in order, and stops at a truncated one", () => {
    const nested = Buffer.concat([attribute(0, u32(2412)), attribute(1, u32(2437)), attribute(2, u32(5180))]);
    expect(decodeScanFrequencies(nested)).toEqual([2412, 2437, 5180]);
    expect(decodeScanFrequencies(nested.subarray(0, 14))).toEqual([2412]);
    expect(decodeScanFrequencies(Buffer.alloc(0))).toEqual([]);
  });
});

describe("nl80211 notifications", () => {
  it("reads a scan's interface, radio and channels, skipping the rest; a cut attribute ends the walk", () => {
    const nested = Buffer.concat([attribute(0, u32(2412)), attribute(1, u32(2437))]);
    const trigger = Buffer.concat([
      attribute(1, u32(0)), // WIPHY
      attribute(3, u32(4)), // IFINDEX
      attribute(45, Buffer.alloc(4)), // SCAN_SSIDS: skipped
      attribute(44 | 0x8000, nested), // SCAN_FREQUENCIES, NLA_F_NESTED set
    ]);
    expect(decodeNotification(trigger)).toEqual({ ifindex: 4, wiphy: 0, freqsMhz: [2412, 2437] });
    expect(decodeNotification(trigger.subarray(0, 10))).toEqual({ ifindex: null, wiphy: 0, freqsMhz: [] });
  });
});
