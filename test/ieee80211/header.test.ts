// The three-address header writer agrees with the parser, field for field.

import { describe, expect, it } from "vitest";
import { HeaderLength } from "../../src/ieee80211/constants.js";
import { parseFrame, readAddress2 } from "../../src/ieee80211/frame.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";

const AP = 0x02_00_00_00_0a_01;
const STATION = 0x02_00_00_00_aa_01;
const BROADCAST = 0xffff_ffff_ffff;

describe("encodeThreeAddressHeader", () => {
  it.each([
    { name: "beacon", frameControl: 0x0080, addr1: BROADCAST, addr2: AP, addr3: AP, ta: AP, bssid: AP },
    {
      name: "null-data To DS",
      frameControl: 0x0148,
      addr1: AP,
      addr2: STATION,
      addr3: AP,
      ta: STATION,
      bssid: AP,
    },
    {
      name: "data From DS",
      frameControl: 0x0208,
      addr1: STATION,
      addr2: AP,
      addr3: BROADCAST,
      ta: AP,
      bssid: AP,
    },
  ])(
    "$name parses back to the same roles and sequence number",
    ({ frameControl, addr1, addr2, addr3, ta, bssid }) => {
      const frame = encodeThreeAddressHeader({ frameControl, addr1, addr2, addr3, sequence: 0x9ab }, 10);
      expect(frame.length).toBe(HeaderLength.threeAddress + 10);
      const view = parseFrame(frame);
      if (!view.ok) throw new Error(view.error.detail);
      expect(view.value.frameControl).toBe(frameControl);
      expect(view.value.ra).toBe(addr1);
      expect(view.value.ta).toBe(ta);
      expect(view.value.bssid).toBe(bssid);
      expect(view.value.sequenceNumber).toBe(0x9ab);
    },
  );

  it("keeps 12 bits of the sequence number and leaves the body zero", () => {
    const frame = encodeThreeAddressHeader(
      { frameControl: 0x0080, addr1: BROADCAST, addr2: AP, addr3: AP, sequence: 0x1234 },
      4,
    );
    expect(frame.readUInt16LE(22)).toBe(0x234 << 4);
    expect(frame.subarray(24)).toEqual(Buffer.alloc(4));
  });
});

describe("readAddress2", () => {
  it("reads the transmitter at its fixed offset, and nothing from a frame too short for it", () => {
    const frame = encodeThreeAddressHeader({ frameControl: 0x0080, addr1: BROADCAST, addr2: AP, addr3: AP });
    expect(readAddress2(frame)).toBe(AP);
    expect(readAddress2(frame.subarray(0, 16))).toBe(AP);
    expect(readAddress2(frame.subarray(0, 15))).toBeNull();
  });
});
