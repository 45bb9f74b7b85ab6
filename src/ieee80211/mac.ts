// MAC addresses as 48-bit integers: exact in a double, compared with ===, cheap as Map keys, and read
// from a frame without allocating. Text exists only at the edges (logs, configuration).

import { ok, type Result, reject } from "../result.js";

/** A 48-bit IEEE 802 MAC address, most significant octet first (02:00:00:00:01:00 is 0x020000000100). */
export type MacAddress = number;

export const MAC_LENGTH = 6;

/** ff:ff:ff:ff:ff:ff */
export const BROADCAST: MacAddress = 0xffff_ffff_ffff;

/** 2^40: dividing by it brings the first octet down to the low byte. */
const FIRST_OCTET_DIVISOR = 0x100_0000_0000;

/** Reads the 6 octets at `offset` as a MacAddress. The caller has checked the bounds. */
export function readMac(buf: Buffer, offset: number): MacAddress {
  return buf.readUIntBE(offset, MAC_LENGTH);
}

export function writeMac(buf: Buffer, offset: number, mac: MacAddress): void {
  buf.writeUIntBE(mac, offset, MAC_LENGTH);
}

/** The individual/group bit (least significant bit of the first octet): multicast and broadcast. */
export function isGroupAddress(mac: MacAddress): boolean {
  return (Math.floor(mac / FIRST_OCTET_DIVISOR) & 0x01) !== 0;
}

/** The universal/local bit (second bit of the first octet), set on addresses like hwsim's 02:00:... */
export function isLocallyAdministered(mac: MacAddress): boolean {
  return (Math.floor(mac / FIRST_OCTET_DIVISOR) & 0x02) !== 0;
}

/**
 * Marks the address in `bytes` (six bytes, in place) locally administered and unicast: an address of
 * our own making that no vendor assigned and that is nobody's group. Returns `bytes`.
 */
export function makeLocalUnicast(bytes: Buffer): Buffer {
  bytes[0] = (bytes[0] & 0xfc) | 0x02;
  return bytes;
}

/** "02:00:00:00:01:00": lowercase, colon-separated, as iw and the kernel print them. */
export function formatMac(mac: MacAddress): string {
  const hex = mac.toString(16).padStart(12, "0");
  return (
    hex.slice(0, 2) +
    ":" +
    hex.slice(2, 4) +
    ":" +
    hex.slice(4, 6) +
    ":" +
    hex.slice(6, 8) +
    ":" +
    hex.slice(8, 10) +
    ":" +
    hex.slice(10, 12)
  );
}

const MAC_TEXT = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i;

/** Parses six colon-separated hex octets (either case). */
export function parseMac(text: string): Result<MacAddress, "bad-mac"> {
  const match = MAC_TEXT.exec(text);
  if (match === null)
    return reject("bad-mac", `not a MAC address (want xx:xx:xx:xx:xx:xx): ${JSON.stringify(text)}`);
  return ok(Number.parseInt(match.slice(1).join(""), 16));
}
