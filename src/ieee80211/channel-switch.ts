// The channel a beacon announces it is about to move to: the Channel Switch Announcement element
// (IEEE 802.11-2020 9.4.2.18, id 37: mode, new channel number, count) or the Extended Channel Switch
// Announcement (9.4.2.52, id 60: mode, new operating class, new channel number, count). hostapd's
// chan_switch puts them in its beacons for `count` beacon intervals before it moves; an agent that
// reads them can have a radio parked on the new channel before the first frame arrives there
// (measured without it: traffic stopped 0.7 s while the radios were created after the switch).

import { HeaderLength } from "./constants.js";

const ELEMENT_CSA = 37;
const ELEMENT_ECSA = 60;
/** Timestamp (8), beacon interval (2), capability (2): the fixed fields before a beacon's elements. */
const BEACON_FIXED_FIELDS = 12;

/** The band an operating class (Annex E, global table) belongs to, as its channel-0 frequency. */
function bandStartOfClass(operatingClass: number): number | null {
  if (operatingClass >= 81 && operatingClass <= 84) return 2407;
  if (operatingClass >= 115 && operatingClass <= 130) return 5000;
  if (operatingClass >= 131 && operatingClass <= 137) return 5950;
  return null;
}

/** The band a frequency is in, as its channel-0 frequency (channel numbers repeat across bands). */
function bandStartOf(freqMhz: number): number {
  if (freqMhz > 5925) return 5950;
  if (freqMhz >= 5000) return 5000;
  return 2407;
}

function channelFreq(bandStart: number, channel: number): number {
  if (bandStart === 2407 && channel === 14) return 2484;
  return bandStart + 5 * channel;
}

/**
 * The centre frequency of the primary channel a beacon (whole frame, no FCS) heard on `freqMhz`
 * announces a switch to, or null when it announces none (or its elements are cut short).
 */
export function announcedSwitchFreq(beacon: Buffer, freqMhz: number): number | null {
  let offset = HeaderLength.threeAddress + BEACON_FIXED_FIELDS;
  let found: number | null = null;
  while (offset + 2 <= beacon.length) {
    const id = beacon[offset];
    const length = beacon[offset + 1];
    const body = offset + 2;
    if (body + length > beacon.length) return null;
    if (id === ELEMENT_ECSA && length >= 4) {
      const bandStart = bandStartOfClass(beacon[body + 1]) ?? bandStartOf(freqMhz);
      return channelFreq(bandStart, beacon[body + 2]);
    }
    if (id === ELEMENT_CSA && length >= 3) found = channelFreq(bandStartOf(freqMhz), beacon[body + 1]);
    offset = body + length;
  }
  return found;
}
