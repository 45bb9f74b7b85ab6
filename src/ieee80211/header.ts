// Writing the 24-byte three-address MAC header (management frames, and data frames without WDS or
// QoS): what tools that build frames need (the lab's access point and ACK probe, tests). The agent
// itself only reads headers (frame.ts).

import { HeaderLength } from "./constants.js";
import { type MacAddress, writeMac } from "./mac.js";

export interface ThreeAddressHeader {
  /** Frame control as the little-endian u16 (byte 0 in the low half), e.g. 0x0080 for a beacon. */
  readonly frameControl: number;
  readonly addr1: MacAddress;
  readonly addr2: MacAddress;
  readonly addr3: MacAddress;
  /** Sequence number (12 bits); the fragment number is 0. */
  readonly sequence?: number;
  readonly durationId?: number;
}

/** A frame of `HeaderLength.threeAddress + bodyBytes` zero-filled bytes with `header` written. */
export function encodeThreeAddressHeader(header: ThreeAddressHeader, bodyBytes = 0): Buffer {
  const frame = Buffer.alloc(HeaderLength.threeAddress + bodyBytes);
  frame.writeUInt16LE(header.frameControl, 0);
  frame.writeUInt16LE(header.durationId ?? 0, 2);
  writeMac(frame, 4, header.addr1);
  writeMac(frame, 10, header.addr2);
  writeMac(frame, 16, header.addr3);
  frame.writeUInt16LE(((header.sequence ?? 0) & 0x0fff) << 4, 22);
  return frame;
}
