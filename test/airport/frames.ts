// 802.11 frames for airport tests: a data frame from a given transmitter whose payload is derived from
// a sequence number, so a receiver can tell frames apart and spot any byte out of place.

import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import type { MacAddress } from "../../src/ieee80211/mac.js";

export const STATION_A: MacAddress = 0x5255_00d1_5501;
export const STATION_B: MacAddress = 0x5255_00d1_5502;
export const ACCESS_POINT: MacAddress = 0x5255_00d1_5500;

const DATA_HEADER_BYTES = 24;

export interface TestFrameOptions {
  readonly transmitter: MacAddress;
  readonly sequence: number;
  /** Whole frame length in bytes (at least 24). */
  readonly length: number;
}

/** A To-DS data frame (FC 08 01) transmitter → ACCESS_POINT with a payload seeded by `sequence`. */
export function testFrame({ transmitter, sequence, length }: TestFrameOptions): Buffer {
  const frame = encodeThreeAddressHeader(
    { frameControl: 0x0108, addr1: ACCESS_POINT, addr2: transmitter, addr3: ACCESS_POINT, sequence },
    length - DATA_HEADER_BYTES,
  );
  // xorshift32: payload bytes that differ from frame to frame and look like ciphertext.
  let state = (sequence * 2654435761 + 1) >>> 0 || 1;
  for (let at = DATA_HEADER_BYTES; at < length; at++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    frame[at] = state & 0xff;
  }
  return frame;
}

/** The frame length to use for the i-th frame of a burst: every length a guest can receive, spread out. */
export function burstFrameLength(index: number): number {
  return 30 + ((index * 577) % (2353 - 30 + 1));
}
