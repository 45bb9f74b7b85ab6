// Radiotap codec: the metadata header in front of every 802.11 frame on a Linux monitor interface.
// decodeRadiotap reads any version-0 header (chained present words, namespace switches, vendor
// namespaces); decodeHwsimRadiotap is the hot path for the one layout mac80211_hwsim emits; the
// encoders build the small headers we prepend when injecting frames.

import { ok, type Result, reject } from "../result.js";
import {
  RADIOTAP_FIXED_HEADER_LENGTH,
  RADIOTAP_VERSION,
  RadiotapFlags,
  RadiotapPresent,
  RadiotapTxFlags,
  VENDOR_NAMESPACE_ALIGN,
  VENDOR_NAMESPACE_HEADER_LENGTH,
} from "./constants.js";
import {
  RADIOTAP_FIELDS,
  type RadiotapFields,
  type RadiotapFieldsDraft,
  type RadiotapMcs,
  type RadiotapVht,
} from "./fields.js";

export interface RadiotapHeader extends RadiotapFields {
  readonly version: number;
  /** it_len: everything up to here is radiotap, the 802.11 frame follows. */
  readonly length: number;
  /** Every it_present word, in order (bit 31 set on all but the last). */
  readonly presentWords: readonly number[];
  /**
   * Set when field parsing stopped early, to the radiotap bit where it stopped: a field whose size
   * this codec does not know (nothing after it can be located), or 28, a TLV list it does not read.
   * The header is still complete up to `length`; only fields from this bit on are missing.
   */
  readonly unparsedFromBit?: number;
}

export interface RadiotapPacket {
  readonly header: RadiotapHeader;
  /** The 802.11 frame: a view into the packet (no copy), without the FCS when the header says it has one. */
  readonly frame: Buffer;
}

export type RadiotapReject = "truncated" | "bad-version" | "bad-length" | "bad-field";

const FCS_LENGTH = 4;
const BIT_EXT = 1 << RadiotapPresent.ext;
const BIT_RADIOTAP_NAMESPACE = 1 << RadiotapPresent.radiotapNamespace;
const BIT_VENDOR_NAMESPACE = 1 << RadiotapPresent.vendorNamespace;
/** Bits 0..28 of a word carry fields; 29..31 are the namespace and chaining bits. */
const FIELD_BITS_PER_WORD = RadiotapPresent.radiotapNamespace;

function alignUp(offset: number, align: number): number {
  return (offset + align - 1) & ~(align - 1);
}

/** Decodes any radiotap header and returns it with the 802.11 frame behind it. Never throws. */
export function decodeRadiotap(packet: Buffer): Result<RadiotapPacket, RadiotapReject> {
  if (packet.length < RADIOTAP_FIXED_HEADER_LENGTH) {
    return reject("truncated", `${packet.length} bytes, a radiotap header needs at least 8`);
  }
  const version = packet[0];
  if (version !== RADIOTAP_VERSION)
    return reject("bad-version", `radiotap version ${version}, only 0 exists`);
  const length = packet.readUInt16LE(2);
  if (length < RADIOTAP_FIXED_HEADER_LENGTH) return reject("bad-length", `it_len ${length} is below 8`);
  if (length > packet.length) {
    return reject("truncated", `it_len ${length} but the packet has only ${packet.length} bytes`);
  }

  const presentWords: number[] = [];
  let cursor = 4;
  for (;;) {
    if (cursor + 4 > length) {
      return reject("bad-length", `present word ${presentWords.length} runs past it_len ${length}`);
    }
    const word = packet.readUInt32LE(cursor);
    presentWords.push(word);
    cursor += 4;
    if ((word & BIT_EXT) === 0) break;
  }

  const fields: RadiotapFieldsDraft = {};
  const walk = walkFields(packet, length, presentWords, cursor, fields);
  if (typeof walk === "string") return reject("bad-field", walk);

  const header: RadiotapHeader =
    walk < 0
      ? { version, length, presentWords, ...fields }
      : { version, length, presentWords, ...fields, unparsedFromBit: walk };
  return withFrame(packet, header);
}

/**
 * Walks the data area in present-bit order, decoding radiotap-namespace fields into `into`.
 * Returns -1 when every field was visited, the bit where it had to stop, or a problem description.
 */
function walkFields(
  packet: Buffer,
  length: number,
  presentWords: readonly number[],
  dataStart: number,
  into: RadiotapFieldsDraft,
): number | string {
  let cursor = dataStart;
  let inRadiotapNamespace = true;
  // Bit numbers continue across words (32, 33, ...) until a namespace bit restarts them at 0.
  let bitBase = 0;
  // A field repeated after a namespace reset (per-antenna signal, say) keeps its first value.
  let decoded = 0;

  for (const word of presentWords) {
    if (inRadiotapNamespace) {
      for (let bit = 0; bit < FIELD_BITS_PER_WORD; bit++) {
        if ((word & (1 << bit)) === 0) continue;
        const fieldBit = bitBase + bit;
        const field = RADIOTAP_FIELDS[fieldBit];
        if (field === undefined) return fieldBit;
        cursor = alignUp(cursor, field.align);
        if (cursor + field.size > length) {
          return `field ${field.key} (bit ${fieldBit}) at offset ${cursor} runs past it_len ${length}`;
        }
        if ((decoded & (1 << fieldBit)) === 0) {
          field.decode(packet, cursor, into);
          decoded |= 1 << fieldBit;
        }
        cursor += field.size;
      }
    }
    // In a vendor namespace the field bits are the vendor's: its data was skipped as a whole below.

    let restart = false;
    if ((word & BIT_RADIOTAP_NAMESPACE) !== 0) {
      inRadiotapNamespace = true;
      restart = true;
    }
    if ((word & BIT_VENDOR_NAMESPACE) !== 0) {
      cursor = alignUp(cursor, VENDOR_NAMESPACE_ALIGN);
      if (cursor + VENDOR_NAMESPACE_HEADER_LENGTH > length) {
        return `vendor namespace header at offset ${cursor} runs past it_len ${length}`;
      }
      const skipLength = packet.readUInt16LE(cursor + 4);
      cursor += VENDOR_NAMESPACE_HEADER_LENGTH + skipLength;
      if (cursor > length) {
        return `vendor namespace data (skip_length ${skipLength}) runs past it_len ${length}`;
      }
      inRadiotapNamespace = false;
      restart = true;
    }
    bitBase = restart ? 0 : bitBase + 32;
  }
  return -1;
}

function withFrame(packet: Buffer, header: RadiotapHeader): Result<RadiotapPacket, RadiotapReject> {
  const fcsLength = ((header.flags ?? 0) & RadiotapFlags.fcsAtEnd) !== 0 ? FCS_LENGTH : 0;
  if (packet.length - header.length < fcsLength) {
    return reject(
      "truncated",
      `flags say FCS at end but only ${packet.length - header.length} bytes follow the header`,
    );
  }
  return ok({ header, frame: packet.subarray(header.length, packet.length - fcsLength) });
}

/** mac80211_hwsim's hwsim0 header: TSFT, Flags, Rate, Channel in one present word, 22 bytes. */
export const HWSIM_RADIOTAP_LENGTH = 22;
export const HWSIM_RADIOTAP_PRESENT =
  (1 << RadiotapPresent.tsft) |
  (1 << RadiotapPresent.flags) |
  (1 << RadiotapPresent.rate) |
  (1 << RadiotapPresent.channel);
/** hwsim's header for the synthetic ACK records: Flags, pad byte, Channel, 14 bytes. */
export const HWSIM_ACK_RADIOTAP_LENGTH = 14;
export const HWSIM_ACK_RADIOTAP_PRESENT = (1 << RadiotapPresent.flags) | (1 << RadiotapPresent.channel);

const HWSIM_PRESENT_WORDS: readonly number[] = Object.freeze([HWSIM_RADIOTAP_PRESENT]);

/**
 * decodeRadiotap for the capture hot path: hwsim0 delivers one fixed 22-byte layout, read here at
 * constant offsets. Anything else (hwsim's 14-byte ACK records included) takes the general decoder.
 */
export function decodeHwsimRadiotap(packet: Buffer): Result<RadiotapPacket, RadiotapReject> {
  if (
    packet.length >= HWSIM_RADIOTAP_LENGTH &&
    packet[0] === RADIOTAP_VERSION &&
    packet.readUInt16LE(2) === HWSIM_RADIOTAP_LENGTH &&
    packet.readUInt32LE(4) === HWSIM_RADIOTAP_PRESENT
  ) {
    const flags = packet[16];
    const fcsLength = (flags & RadiotapFlags.fcsAtEnd) !== 0 ? FCS_LENGTH : 0;
    if (packet.length - HWSIM_RADIOTAP_LENGTH >= fcsLength) {
      const header: RadiotapHeader = {
        version: RADIOTAP_VERSION,
        length: HWSIM_RADIOTAP_LENGTH,
        presentWords: HWSIM_PRESENT_WORDS,
        tsft: packet.readBigUInt64LE(8),
        flags,
        rate500kbps: packet[17],
        channel: { freqMhz: packet.readUInt16LE(18), flags: packet.readUInt16LE(20) },
      };
      return ok({ header, frame: packet.subarray(HWSIM_RADIOTAP_LENGTH, packet.length - fcsLength) });
    }
  }
  return decodeRadiotap(packet);
}

/** Lays out `fields` in bit order with each field at its alignment; returns the end offset. */
function layout(fields: RadiotapFields, place?: (offset: number, bit: number) => void): number {
  let cursor = RADIOTAP_FIXED_HEADER_LENGTH;
  for (const field of RADIOTAP_FIELDS) {
    if (fields[field.key] === undefined) continue;
    cursor = alignUp(cursor, field.align);
    place?.(cursor, field.bit);
    cursor += field.size;
  }
  return cursor;
}

/** Bytes encodeRadiotap writes for `fields`. */
export function radiotapEncodingLength(fields: RadiotapFields): number {
  return layout(fields);
}

/**
 * Encodes the fields that are present (the header-only properties of a RadiotapHeader are ignored)
 * as a radiotap header with a single present word and zeroed padding. Writes into `target` at
 * `offset` when given (alignment is relative to the header, so any offset works), else allocates.
 * Returns the bytes written. Throws RangeError when the target is too small or a value does not fit
 * its field: those are programming errors, unlike bad bytes handed to the decoders.
 */
export function encodeRadiotap(fields: RadiotapFields, target?: Buffer, offset = 0): Buffer {
  const length = layout(fields);
  const out = target ? target.subarray(offset, offset + length) : Buffer.alloc(length);
  if (out.length < length) throw new RangeError(`radiotap header needs ${length} bytes at offset ${offset}`);
  out.fill(0);
  let present = 0;
  layout(fields, (fieldOffset, bit) => {
    RADIOTAP_FIELDS[bit].encode(out, fieldOffset, fields);
    present |= 1 << bit;
  });
  out.writeUInt8(RADIOTAP_VERSION, 0);
  out.writeUInt16LE(length, 2);
  out.writeUInt32LE(present, 4);
  return out;
}

/** What to ask of the kernel when injecting one frame through a monitor interface. */
export interface InjectionSpec {
  /** RadiotapFlags bits, e.g. shortPreamble. Leave fcsAtEnd clear unless the frame carries its FCS. */
  readonly flags?: number;
  readonly rate500kbps?: number;
  /** Informational: the kernel transmits on the interface's channel whatever this says. */
  readonly freqMhz?: number;
  /** RadiotapChannelFlags bits for the Channel field (0 when only freqMhz is given). */
  readonly channelFlags?: number;
  /** RadiotapTxFlags bits. */
  readonly txFlags?: number;
  /** Adds RadiotapTxFlags.noAck: send once, expect no ACK. */
  readonly noAck?: boolean;
  readonly dataRetries?: number;
  readonly mcs?: RadiotapMcs;
  readonly vht?: RadiotapVht;
}

function injectionFields(spec: InjectionSpec): RadiotapFields {
  const txFlags = spec.noAck ? (spec.txFlags ?? 0) | RadiotapTxFlags.noAck : spec.txFlags;
  const fields: RadiotapFieldsDraft = {};
  if (spec.flags !== undefined) fields.flags = spec.flags;
  if (spec.rate500kbps !== undefined) fields.rate500kbps = spec.rate500kbps;
  if (spec.freqMhz !== undefined) fields.channel = { freqMhz: spec.freqMhz, flags: spec.channelFlags ?? 0 };
  if (txFlags !== undefined) fields.txFlags = txFlags;
  if (spec.dataRetries !== undefined) fields.dataRetries = spec.dataRetries;
  if (spec.mcs !== undefined) fields.mcs = spec.mcs;
  if (spec.vht !== undefined) fields.vht = spec.vht;
  return fields;
}

export function injectionHeaderLength(spec: InjectionSpec): number {
  return radiotapEncodingLength(injectionFields(spec));
}

/** The minimal radiotap header to put in front of a frame injected with pcap on a monitor interface. */
export function encodeInjectionHeader(spec: InjectionSpec, target?: Buffer, offset = 0): Buffer {
  return encodeRadiotap(injectionFields(spec), target, offset);
}
