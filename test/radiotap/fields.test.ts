import { describe, expect, it } from "vitest";
import { RadiotapPresent } from "../../src/radiotap/constants.js";
import { RADIOTAP_FIELDS } from "../../src/radiotap/fields.js";

// [bit, align, size] as radiotap.org defines them (bits 0-21 also match the kernel's
// rtap_namespace_sizes in net/wireless/radiotap.c).
const EXPECTED: ReadonlyArray<readonly [number, number, number]> = [
  [RadiotapPresent.tsft, 8, 8],
  [RadiotapPresent.flags, 1, 1],
  [RadiotapPresent.rate, 1, 1],
  [RadiotapPresent.channel, 2, 4],
  [RadiotapPresent.fhss, 2, 2],
  [RadiotapPresent.dbmAntennaSignal, 1, 1],
  [RadiotapPresent.dbmAntennaNoise, 1, 1],
  [RadiotapPresent.lockQuality, 2, 2],
  [RadiotapPresent.txAttenuation, 2, 2],
  [RadiotapPresent.dbTxAttenuation, 2, 2],
  [RadiotapPresent.dbmTxPower, 1, 1],
  [RadiotapPresent.antenna, 1, 1],
  [RadiotapPresent.dbAntennaSignal, 1, 1],
  [RadiotapPresent.dbAntennaNoise, 1, 1],
  [RadiotapPresent.rxFlags, 2, 2],
  [RadiotapPresent.txFlags, 2, 2],
  [RadiotapPresent.rtsRetries, 1, 1],
  [RadiotapPresent.dataRetries, 1, 1],
  [RadiotapPresent.xChannel, 4, 8],
  [RadiotapPresent.mcs, 1, 3],
  [RadiotapPresent.ampduStatus, 4, 8],
  [RadiotapPresent.vht, 2, 12],
  [RadiotapPresent.timestamp, 8, 12],
  [RadiotapPresent.he, 2, 12],
  [RadiotapPresent.heMu, 2, 12],
  [RadiotapPresent.heMuOtherUser, 2, 6],
  [RadiotapPresent.zeroLengthPsdu, 1, 1],
  [RadiotapPresent.lSig, 2, 4],
];

describe("RADIOTAP_FIELDS", () => {
  it("is indexed by bit and covers bits 0..27 (28 is the TLV list, 29-31 are special)", () => {
    expect(RADIOTAP_FIELDS.map((field) => field.bit)).toEqual(EXPECTED.map(([bit]) => bit));
    RADIOTAP_FIELDS.forEach((field, index) => {
      expect(field.bit).toBe(index);
    });
  });

  it.each(EXPECTED)("bit %i: align %i, size %i", (bit, align, size) => {
    expect(RADIOTAP_FIELDS[bit]).toMatchObject({ bit, align, size });
  });

  it("uses distinct keys", () => {
    const keys = RADIOTAP_FIELDS.map((field) => field.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
