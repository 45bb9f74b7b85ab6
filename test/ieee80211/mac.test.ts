import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BROADCAST,
  formatMac,
  isGroupAddress,
  isLocallyAdministered,
  parseMac,
  readMac,
  writeMac,
} from "../../src/ieee80211/mac.js";

const MAX_MAC = 0xffff_ffff_ffff;

describe("MacAddress", () => {
  it.each([
    ["02:00:00:00:01:00", 0x0200_0000_0100],
    ["00:00:00:00:00:00", 0],
    ["ff:ff:ff:ff:ff:ff", BROADCAST],
    ["01:80:c2:00:00:0e", 0x0180_c200_000e],
    ["a4:5e:60:e8:1b:07", 0xa45e_60e8_1b07],
  ])("%s is %d", (text, value) => {
    expect(formatMac(value)).toBe(text);
    expect(parseMac(text)).toEqual({ ok: true, value });
  });

  it("accepts uppercase text and formats lowercase", () => {
    const parsed = parseMac("A4:5E:60:E8:1B:07");
    expect(parsed.ok && formatMac(parsed.value)).toBe("a4:5e:60:e8:1b:07");
  });

  it.each([
    "",
    "02:00:00:00:01",
    "02:00:00:00:01:00:00",
    "02-00-00-00-01-00",
    "0g:00:00:00:01:00",
    " 02:00:00:00:01:00",
  ])("rejects %j as bad-mac", (text) => {
    const parsed = parseMac(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.reason).toBe("bad-mac");
  });

  it("reads and writes the 6 octets in transmission order", () => {
    const buf = Buffer.from([0xaa, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0xbb]);
    expect(readMac(buf, 1)).toBe(0x0200_0000_0100);
    const out = Buffer.alloc(8);
    writeMac(out, 1, 0xa45e_60e8_1b07);
    expect(out.toString("hex")).toBe("00a45e60e81b0700");
  });

  it.each([
    [BROADCAST, true, true],
    [0x0100_5e00_00fb, true, false],
    [0x3333_0000_0001, true, true],
    [0x0200_0000_0100, false, true],
    [0xa45e_60e8_1b07, false, false],
  ])("%d: group %s, local %s", (mac, group, local) => {
    expect(isGroupAddress(mac)).toBe(group);
    expect(isLocallyAdministered(mac)).toBe(local);
  });

  it("format and parse are inverse over all 48-bit values", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_MAC }), (mac) => {
        expect(parseMac(formatMac(mac))).toEqual({ ok: true, value: mac });
      }),
    );
  });

  it("the group bit is the low bit of the first octet read from a buffer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (octets) => {
        const buf = Buffer.from(octets);
        expect(isGroupAddress(readMac(buf, 0))).toBe((octets[0] & 1) === 1);
      }),
    );
  });
});
