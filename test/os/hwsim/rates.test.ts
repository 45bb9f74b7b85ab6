import { describe, expect, it } from "vitest";
import { hwsimRate500kbps, hwsimRateIndex, txStatusRates } from "../../../src/os/netlink/hwsim/rates.js";

describe("hwsim rates", () => {
  it.each([
    [
      "acknowledged: one try of the first rate",
      [1, 3, 0, 2, 0xff, 0, 0xff, 0],
      true,
      [1, 1, 0xff, 0, 0xff, 0, 0xff, 0],
    ],
    [
      "not acknowledged: every try asked for",
      [1, 3, 0, 2, 0xff, 0, 0xff, 0],
      false,
      [1, 3, 0, 2, 0xff, 0, 0xff, 0],
    ],
    [
      "not acknowledged, one rate",
      [0, 7, 0xff, 0, 0xff, 0, 0xff, 0],
      false,
      [0, 7, 0xff, 0, 0xff, 0, 0xff, 0],
    ],
  ])("reports the tries: %s", (_what, asked, acked, expected) => {
    expect([...txStatusRates(Buffer.from(asked), acked)]).toEqual(expected);
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
