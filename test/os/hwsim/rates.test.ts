import { describe, expect, it } from "vitest";
import { hwsimRate500kbps, hwsimRateIndex, txStatusRates } from "../../../src/os/netlink/hwsim/rates.js";

const NONE = [0xff, 0];

describe("hwsim rates", () => {
  // mac80211 asked for 3 tries at rate 1, then 2 at rate 0.
  const asked = [1, 3, 0, 2, ...NONE, ...NONE];
  it.each([
    [
      "through on the first try (or sent without waiting for an ACK)",
      asked,
      1,
      [1, 1, ...NONE, ...NONE, ...NONE],
    ],
    ["through on the third try: all of the first rate's", asked, 3, [1, 3, ...NONE, ...NONE, ...NONE]],
    ["through on the fourth try: one of the second rate", asked, 4, [1, 3, 0, 1, ...NONE, ...NONE]],
    ["through on the last try", asked, 5, [1, 3, 0, 2, ...NONE, ...NONE]],
    ["a try past those asked for counts as the last", asked, 9, [1, 3, 0, 2, ...NONE, ...NONE]],
    ["none through: every try asked for", asked, 0, asked],
    ["none through, one rate", [0, 7, ...NONE, ...NONE, ...NONE], 0, [0, 7, ...NONE, ...NONE, ...NONE]],
    ["slots the request is too short to hold are empty", [0, 7], 0, [0, 7, ...NONE, ...NONE, ...NONE]],
    [
      "no rate asked for: nothing to report",
      [...NONE, ...NONE, ...NONE, ...NONE],
      1,
      [...NONE, ...NONE, ...NONE, ...NONE],
    ],
  ])("reports the tries: %s", (_what, rates, tries, expected) => {
    expect([...txStatusRates(Buffer.from(rates), tries)]).toEqual(expected);
  });

  it.each([
    [2, 2437, 0], // 1 Mbit/s
    [11, 2437, 2], // 5.5 Mbit/s
    [12, 2437, 4], // 6 Mbit/s on 2.4 GHz
    [12, 5180, 0], // 6 Mbit/s is the first 5 GHz rate
    [108, 5180, 7], // 54 Mbit/s
    [2, 5180, 0], // no CCK on 5 GHz: the lowest
    [0, 2437, 0], // unknown
  ])("rate %d x 500 kbit/s on %d MHz is index %d of the band's table", (rate, freq, index) => {
    expect(hwsimRateIndex(rate, freq)).toBe(index);
    if (rate !== 0 && !(rate === 2 && freq > 5000)) expect(hwsimRate500kbps(index, freq)).toBe(rate);
  });
});
