// An airport frame is bare 802.11: no channel, rate or signal travels with it, and the guest driver
// reports received frames with all of them zero. The tunnel needs them, so a hub is configured with
// one radio profile: the channel its guests are on and what a receiver should be told.

import type { AirFrame, DeliverDrop } from "../medium/medium.js";
import { ok, type Result, reject } from "../result.js";
import { checkFrameLength } from "./message.js";

export interface AirportRadio {
  /** Centre frequency in MHz that every guest of the hub is assumed to use. */
  readonly freqMhz: number;
  /** Signal in dBm reported for frames from this hub. */
  readonly signalDbm: number;
  /** Legacy rate in units of 500 kbit/s reported for frames from this hub. */
  readonly rate500kbps: number;
}

export const DEFAULT_AIRPORT_RADIO: AirportRadio = {
  // Channel 6: the usual default of hostapd configs and one of the guest driver's 2.4 GHz channels.
  freqMhz: 2437,
  // What mac80211_hwsim reports for a radio at its default 20 dBm: -50 + txpower.
  signalDbm: -30,
  // 1 Mbit/s: the DSSS rate every 2.4 GHz receiver decodes.
  rate500kbps: 2,
};

/** A frame a guest transmitted, dressed with the hub's radio profile. The frame is copied. */
export function airFrameFromAirport(frame: Buffer, radio: AirportRadio): AirFrame {
  return {
    frame: Buffer.from(frame),
    freqMhz: radio.freqMhz,
    rate500kbps: radio.rate500kbps,
    signalDbm: radio.signalDbm,
    // The airport carries no TX flags; receivers infer the ack policy from addr1 anyway.
    flags: 0,
  };
}

/** The bare frame to hand to the hub's guests, or why none of them could receive it. */
export function airportFrameFromAirFrame(air: AirFrame, radio: AirportRadio): Result<Buffer, DeliverDrop> {
  if (air.freqMhz !== radio.freqMhz) {
    return reject(
      "wrong-channel",
      `frame on ${air.freqMhz} MHz, the hub's guests are on ${radio.freqMhz} MHz`,
    );
  }
  const length = checkFrameLength(air.frame.length);
  if (!length.ok) {
    const drop = length.error.reason === "frame-too-short" ? "too-short" : "too-long";
    return reject(drop, length.error.detail);
  }
  return ok(air.frame);
}
