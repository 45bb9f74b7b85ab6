// Netlink attributes (struct nlattr): a u16 length that counts the 4-byte header, a u16 type, the
// payload, then padding to 4 bytes. Writers put one attribute at an offset of a buffer the caller
// sized with attributeLength, so a message is one allocation; readers take views, never copies.

import { MAC_LENGTH, type MacAddress, writeMac } from "../../ieee80211/mac.js";

export const NLA_HEADER = 4;
/** The type's top bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
export const NLA_TYPE_MASK = 0x3fff;

/** Padded to 4 bytes (NLA_ALIGN), as netlink lays out whatever follows. */
export function nlaAlign(length: number): number {
  return (length + 3) & ~3;
}

/** Bytes an attribute with a `payload`-byte payload takes, header and padding included. */
export function attributeLength(payload: number): number {
  return nlaAlign(NLA_HEADER + payload);
}

/** Writes one attribute header at `offset`; returns the payload's offset. */
export function putAttributeHeader(buf: Buffer, offset: number, type: number, payload: number): number {
  buf.writeUInt16LE(NLA_HEADER + payload, offset);
  buf.writeUInt16LE(type, offset + 2);
  return offset + NLA_HEADER;
}

/** The put* writers return the offset after the attribute and its padding. */
export function putU32(buf: Buffer, offset: number, type: number, value: number): number {
  buf.writeUInt32LE(value >>> 0, putAttributeHeader(buf, offset, type, 4));
  return offset + attributeLength(4);
}

export function putMac(buf: Buffer, offset: number, type: number, mac: MacAddress): number {
  const payload = putAttributeHeader(buf, offset, type, MAC_LENGTH);
  writeMac(buf, payload, mac);
  buf.writeUInt16LE(0, payload + MAC_LENGTH); // padding to 4 bytes
  return offset + attributeLength(MAC_LENGTH);
}

export function putBytes(buf: Buffer, offset: number, type: number, bytes: Buffer): number {
  const payload = putAttributeHeader(buf, offset, type, bytes.length);
  bytes.copy(buf, payload);
  const end = offset + attributeLength(bytes.length);
  buf.fill(0, payload + bytes.length, end);
  return end;
}

export interface Attributes {
  /** Payloads by type (views into the buffer read); the last of a type wins. */
  readonly values: Map<number, Buffer>;
  /** Why reading stopped early, or null when every attribute was read. */
  readonly problem: string | null;
}

/** The attributes between `start` and `end`. Never throws: a bad length ends the walk as a problem. */
export function readAttributes(buf: Buffer, start: number, end: number): Attributes {
  const values = new Map<number, Buffer>();
  let offset = start;
  while (offset + NLA_HEADER <= end) {
    const length = buf.readUInt16LE(offset);
    if (length < NLA_HEADER || offset + length > end)
      return { values, problem: `attribute of length ${length} at ${offset - start}` };
    values.set(
      buf.readUInt16LE(offset + 2) & NLA_TYPE_MASK,
      buf.subarray(offset + NLA_HEADER, offset + length),
    );
    offset += nlaAlign(length);
  }
  return { values, problem: null };
}
