// An airport frame is bare 802.11: no channel, rate or signal travels with it, and the guest driver
// reports received frames with all of them zero. The tunnel needs them, so a hub is configured with
// one radio profile: the channel its guests are on and what a receiver should be told.

import type { AirFrame, DeliverDrop } from "../medium/medium.js";
import { ok, type Result, reject } from "../result.js";
import type { AirportRadio } from "./constants.js";
import { checkFrameLength } from "./message.js";

// The radio profile lives with the protocol's numbers, where the command line finds its defaults too.
export { type AirportRadio, DEFAULT_AIRPORT_RADIO } from "./constants.js";

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
