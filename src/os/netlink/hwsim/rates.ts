// The rates hwsim and the medium speak of: the legacy rate table that HWSIM_ATTR_RX_RATE and the
// TX rates index, and the tries a status reports in HWSIM_ATTR_TX_INFO (pure).

import { TX_INFO_BYTES, TX_RATE_SLOTS } from "./constants.js";

/**
 * The rates to report for a frame whose try `tries` (1-based, counting through the slots mac80211
 * asked for) got through: the slots up to that try keep their rate, the try's slot counts the tries
 * made in it. `tries` 0: none got through, so every try asked for was made. A frame sent without
 * waiting for an acknowledgement got through on try 1. Slots after the last one used are {-1, 0},
 * as mac80211 expects; so are slots `asked` is too short to hold.
 */
export function txStatusRates(asked: Buffer, tries: number): Buffer {
  const out = Buffer.allocUnsafe(TX_INFO_BYTES);
  let left = tries === 0 ? Number.POSITIVE_INFINITY : tries;
  for (let slot = 0; slot < TX_RATE_SLOTS; slot++) {
    const idx = asked.length >= 2 * slot + 2 ? asked.readInt8(2 * slot) : -1;
    const count = idx >= 0 ? (asked[2 * slot + 1] ?? 0) : 0;
    const used = left > 0 ? Math.min(count, left) : 0;
    out.writeInt8(used > 0 ? idx : -1, 2 * slot);
    out[2 * slot + 1] = used;
    left -= used;
  }
  return out;
}

/**
 * hwsim's legacy rates in 100 kbit/s (hwsim_rates): 2.4 GHz radios have all twelve, 5 GHz radios the
 * OFDM eight from 6 Mbit/s. HWSIM_ATTR_RX_RATE and the TX rates are indices into the band's table.
 */
const HWSIM_RATES_100KBPS = [10, 20, 55, 110, 60, 90, 120, 180, 240, 360, 480, 540] as const;
const OFDM_ONLY_FROM = 4;

function isFiveOrSixGhz(freqMhz: number): boolean {
  return freqMhz >= 4900;
}

/** The rate table index of `rate500kbps` on `freqMhz`'s band (0, the lowest rate, when unknown). */
export function hwsimRateIndex(rate500kbps: number, freqMhz: number): number {
  const index = HWSIM_RATES_100KBPS.indexOf((rate500kbps * 5) as (typeof HWSIM_RATES_100KBPS)[number]);
  if (index < 0) return 0;
  if (!isFiveOrSixGhz(freqMhz)) return index;
  return index >= OFDM_ONLY_FROM ? index - OFDM_ONLY_FROM : 0;
}

/** The legacy rate (500 kbit/s units) of rate table index `index` on `freqMhz`'s band; 0 if none. */
export function hwsimRate500kbps(index: number, freqMhz: number): number {
  const table = isFiveOrSixGhz(freqMhz) ? HWSIM_RATES_100KBPS.slice(OFDM_ONLY_FROM) : HWSIM_RATES_100KBPS;
  const rate = table[index];
  return rate === undefined ? 0 : rate / 5;
}
