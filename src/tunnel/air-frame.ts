// FRAME body: one AirFrame, i.e. the radio metadata a receiving medium needs to hand the frame to its
// radios (channel, rate, signal, flags) followed by the 802.11 frame itself, without FCS.

import type { AirFrame } from "../medium/medium.js";
import { ok, type Rejection, type Result, reject } from "../result.js";
import { FRAME_METADATA_LENGTH, FrameOffset, MAX_FRAME_BYTES } from "./constants.js";

export type AirFrameReject = "truncated" | "oversize" | "bad-field";

export function airFrameEncodingLength(air: AirFrame): number {
  return FRAME_METADATA_LENGTH + air.frame.length;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Why `air` cannot travel in a FRAME, or null when it can. The air produces arbitrary frames, so the
 * sender asks this first and counts refusals instead of letting encodeAirFrame throw.
 */
export function airFrameEncodingProblem(air: AirFrame): Rejection<"oversize" | "bad-field"> | null {
  if (air.frame.length > MAX_FRAME_BYTES) {
    return { reason: "oversize", detail: `${air.frame.length}-byte frame, at most ${MAX_FRAME_BYTES}` };
  }
  if (air.frame.length === 0) return { reason: "bad-field", detail: "empty 802.11 frame" };
  if (!isIntegerIn(air.freqMhz, 0, 0xffff))
    return { reason: "bad-field", detail: `frequency ${air.freqMhz} MHz` };
  if (!isIntegerIn(air.rate500kbps, 0, 0xff))
    return { reason: "bad-field", detail: `rate ${air.rate500kbps}` };
  if (!isIntegerIn(air.signalDbm, -128, 127))
    return { reason: "bad-field", detail: `signal ${air.signalDbm} dBm` };
  if (!isIntegerIn(air.flags, 0, 0xff)) return { reason: "bad-field", detail: `flags ${air.flags}` };
  return null;
}

/** Writes the FRAME body at `offset`; throws RangeError on a frame airFrameEncodingProblem refuses. */
export function encodeAirFrame(air: AirFrame, buf: Buffer, offset: number): void {
  const problem = airFrameEncodingProblem(air);
  if (problem !== null) throw new RangeError(`cannot encode FRAME: ${problem.detail}`);
  buf.writeUInt16BE(air.freqMhz, offset + FrameOffset.freqMhz);
  buf[offset + FrameOffset.rate500kbps] = air.rate500kbps;
  buf.writeInt8(air.signalDbm, offset + FrameOffset.signalDbm);
  buf[offset + FrameOffset.flags] = air.flags;
  air.frame.copy(buf, offset + FrameOffset.frame);
}

/**
 * Decodes a whole FRAME body. The returned frame is a view into `body` (no copy). Flag bits this
 * version does not name pass through untouched: the medium decides what it honours. Never throws.
 */
export function decodeAirFrame(body: Buffer): Result<AirFrame, AirFrameReject> {
  if (body.length < FRAME_METADATA_LENGTH) {
    return reject(
      "truncated",
      `FRAME body of ${body.length} bytes, the metadata alone is ${FRAME_METADATA_LENGTH}`,
    );
  }
  const frameLength = body.length - FRAME_METADATA_LENGTH;
  if (frameLength === 0) return reject("bad-field", "FRAME without an 802.11 frame");
  if (frameLength > MAX_FRAME_BYTES)
    return reject("oversize", `${frameLength}-byte frame, at most ${MAX_FRAME_BYTES}`);
  return ok({
    freqMhz: body.readUInt16BE(FrameOffset.freqMhz),
    rate500kbps: body[FrameOffset.rate500kbps],
    signalDbm: body.readInt8(FrameOffset.signalDbm),
    flags: body[FrameOffset.flags],
    frame: body.subarray(FrameOffset.frame),
  });
}
