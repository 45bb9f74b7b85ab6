// pcapng files are a chain of blocks: type, total length, body, total length again. A Section
// Header Block starts each section and fixes its byte order; Interface Description Blocks declare
// link type, snaplen and timestamp resolution; packet blocks refer to an interface by its index
// within the section. Blocks of other types are skipped by their length. Layout:
// draft-ietf-opsawg-pcapng.

import { ok, type Rejection, type Result, reject } from "../result.js";
import { type ByteOrderReader, byteOrderReader } from "./byte-order.js";
import type { CaptureFile, CaptureFileReject, CaptureInterface, CaptureRecord } from "./capture-file.js";

/** Reads the same in both byte orders, so a reader can recognise it before knowing the order. */
export const PCAPNG_SECTION_HEADER_TYPE = 0x0a0d0d0a;

const BlockType = {
  sectionHeader: PCAPNG_SECTION_HEADER_TYPE,
  interfaceDescription: 0x0000_0001,
  /** Obsolete predecessor of the Enhanced Packet Block; old Wireshark versions wrote it. */
  packet: 0x0000_0002,
  simplePacket: 0x0000_0003,
  enhancedPacket: 0x0000_0006,
} as const;

/** The fixed fields of each block body, before packet data or options. */
const FixedBodyLength = {
  sectionHeader: 16, // byte-order magic, major, minor, section length
  interfaceDescription: 8, // link type, reserved, snaplen
  packet: 20, // interface id (16 bits), drops count, timestamp high, low, captured length, original length
  simplePacket: 4, // original length
  enhancedPacket: 20, // interface id, timestamp high, low, captured length, original length
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const SUPPORTED_MAJOR_VERSION = 1;
/** Block type and total length in front of the body, the total length again behind it. */
const BLOCK_FRAMING_LENGTH = 12;

const InterfaceOption = {
  endOfOptions: 0,
  /** Timestamp units: bit 7 clear means 10^-value seconds, set means 2^-(value & 0x7f) seconds. */
  timestampResolution: 9,
  /** Signed seconds to add to every timestamp of the interface. */
  timestampOffset: 14,
} as const;

const MICROSECONDS_PER_SECOND = 1_000_000n;

interface SectionInterface {
  /** Index into the file-wide CaptureFile.interfaces. */
  readonly fileInterfaceId: number;
  readonly linkType: number;
  readonly snaplen: number;
  readonly unitsPerSecond: bigint;
  readonly offsetSeconds: bigint;
}

interface Section {
  readonly index: number;
  readonly littleEndian: boolean;
  /** Interfaces in the order their IDBs appeared: packet blocks name them by this position. */
  readonly interfaces: SectionInterface[];
}

/** What the blocks read so far have built. */
interface DecodeState {
  section: Section | null;
  readonly interfaces: CaptureInterface[];
  readonly records: CaptureRecord[];
}

type BlockReject = "truncated" | "bad-block";

export function decodePcapng(bytes: Buffer): Result<CaptureFile, CaptureFileReject> {
  if (
    bytes.length < 12 ||
    bytes.readUInt32LE(0) !== PCAPNG_SECTION_HEADER_TYPE ||
    byteOrderAt(bytes, 8) === null
  ) {
    return reject("not-a-capture", "no pcapng Section Header Block with a byte-order magic at the start");
  }
  const state: DecodeState = { section: null, interfaces: [], records: [] };
  let offset = 0;
  while (offset < bytes.length) {
    const block = decodeBlock(bytes, offset, state);
    if (!block.ok) {
      if (state.section === null) return block;
      const stoppedEarly: Rejection<BlockReject> = {
        reason: block.error.reason,
        detail: `${block.error.detail} (block at byte ${offset}), after ${state.records.length} records`,
      };
      return ok({ format: "pcapng", interfaces: state.interfaces, records: state.records, stoppedEarly });
    }
    offset += block.value.totalLength;
  }
  return ok({ format: "pcapng", interfaces: state.interfaces, records: state.records, stoppedEarly: null });
}

/** Decode the block at `offset` into `state`; returns its total length so the caller can step over it. */
function decodeBlock(
  bytes: Buffer,
  offset: number,
  state: DecodeState,
): Result<{ totalLength: number }, BlockReject> {
  const remaining = bytes.length - offset;
  if (remaining < 8) return reject("truncated", `block header cut off (${remaining} of 8 bytes)`);
  const isSectionHeader = bytes.readUInt32LE(offset) === PCAPNG_SECTION_HEADER_TYPE;

  // A Section Header Block announces its own byte order; every other block uses its section's.
  let littleEndian: boolean;
  if (isSectionHeader) {
    if (remaining < 12) return reject("truncated", `Section Header Block cut off (${remaining} of 12 bytes)`);
    const order = byteOrderAt(bytes, offset + 8);
    if (order === null)
      return reject("bad-block", "Section Header Block without the byte-order magic 0x1a2b3c4d");
    littleEndian = order === "little-endian";
  } else if (state.section === null) {
    return reject("bad-block", "block before any Section Header Block");
  } else {
    littleEndian = state.section.littleEndian;
  }

  const read = byteOrderReader(bytes, littleEndian);
  const type = read.u32(offset);
  const totalLength = read.u32(offset + 4);
  if (totalLength < BLOCK_FRAMING_LENGTH || totalLength % 4 !== 0) {
    return reject("bad-block", `block of type 0x${type.toString(16)} has total length ${totalLength}`);
  }
  if (totalLength > remaining) {
    return reject("truncated", `block of ${totalLength} bytes cut off after ${remaining} bytes`);
  }
  const trailingLength = read.u32(offset + totalLength - 4);
  if (trailingLength !== totalLength) {
    return reject("bad-block", `block length ${totalLength} at the front but ${trailingLength} at the back`);
  }
  const body = bytes.subarray(offset + 8, offset + totalLength - 4);
  const bodyRead = byteOrderReader(body, littleEndian);

  switch (type) {
    case BlockType.sectionHeader: {
      if (body.length < FixedBodyLength.sectionHeader) return tooShort("Section Header Block", body);
      const major = bodyRead.u16(4);
      if (major !== SUPPORTED_MAJOR_VERSION) {
        return reject("bad-block", `pcapng version ${major}.${bodyRead.u16(6)}; only version 1.x is read`);
      }
      // Interface numbering starts over in every section.
      state.section = { index: (state.section?.index ?? -1) + 1, littleEndian, interfaces: [] };
      break;
    }
    case BlockType.interfaceDescription: {
      const section = state.section!;
      const described = decodeInterfaceDescription(body, bodyRead);
      if (!described.ok) return described;
      const { linkType, snaplen } = described.value;
      section.interfaces.push({ ...described.value, fileInterfaceId: state.interfaces.length });
      state.interfaces.push({ linkType, snaplen, section: section.index });
      break;
    }
    case BlockType.enhancedPacket:
    case BlockType.packet:
    case BlockType.simplePacket: {
      const record = decodePacketBlock(type, body, bodyRead, state.section!.interfaces);
      if (!record.ok) return record;
      state.records.push(record.value);
      break;
    }
    default:
      // Name resolution, statistics, decryption secrets, custom blocks: nothing a frame list needs.
      // (tshark lists custom blocks as packets; libpcap, and so tcpdump, skips them as we do.)
      break;
  }
  return ok({ totalLength });
}

function byteOrderAt(bytes: Buffer, offset: number): "little-endian" | "big-endian" | null {
  if (bytes.readUInt32LE(offset) === BYTE_ORDER_MAGIC) return "little-endian";
  if (bytes.readUInt32BE(offset) === BYTE_ORDER_MAGIC) return "big-endian";
  return null;
}

function tooShort(blockName: string, body: Buffer): { ok: false; error: Rejection<"bad-block"> } {
  return reject("bad-block", `${blockName} body of ${body.length} bytes is too short for its fixed fields`);
}

type DescribedInterface = Omit<SectionInterface, "fileInterfaceId">;

function decodeInterfaceDescription(
  body: Buffer,
  read: ByteOrderReader,
): Result<DescribedInterface, "bad-block"> {
  if (body.length < FixedBodyLength.interfaceDescription)
    return tooShort("Interface Description Block", body);
  let unitsPerSecond = MICROSECONDS_PER_SECOND;
  let offsetSeconds = 0n;

  // Options: 16-bit code, 16-bit value length, value padded to 32 bits.
  let optionOffset = FixedBodyLength.interfaceDescription;
  while (body.length - optionOffset >= 4) {
    const code = read.u16(optionOffset);
    const valueLength = read.u16(optionOffset + 2);
    if (code === InterfaceOption.endOfOptions) break;
    const valueOffset = optionOffset + 4;
    if (valueOffset + valueLength > body.length) {
      return reject("bad-block", `Interface Description Block option ${code} runs past the end of the block`);
    }
    if (code === InterfaceOption.timestampResolution) {
      if (valueLength !== 1) return reject("bad-block", `if_tsresol option of ${valueLength} bytes, not 1`);
      const resolution = body[valueOffset];
      unitsPerSecond = resolution & 0x80 ? 2n ** BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
    } else if (code === InterfaceOption.timestampOffset) {
      if (valueLength !== 8) return reject("bad-block", `if_tsoffset option of ${valueLength} bytes, not 8`);
      offsetSeconds = read.i64(valueOffset);
    }
    optionOffset = valueOffset + paddedTo32Bits(valueLength);
  }
  return ok({ linkType: read.u16(0), snaplen: read.u32(4), unitsPerSecond, offsetSeconds });
}

function decodePacketBlock(
  type: number,
  body: Buffer,
  read: ByteOrderReader,
  interfaces: readonly SectionInterface[],
): Result<CaptureRecord, "bad-block"> {
  if (type === BlockType.simplePacket) {
    if (body.length < FixedBodyLength.simplePacket) return tooShort("Simple Packet Block", body);
    // A Simple Packet Block belongs to the section's first interface and has no captured-length field:
    // the data is the original packet cut to the snaplen (the rest of the body is padding).
    const owner = interfaces[0];
    if (owner === undefined)
      return reject("bad-block", "Simple Packet Block in a section without interfaces");
    const originalLength = read.u32(0);
    const room = body.length - FixedBodyLength.simplePacket;
    const capturedLength = Math.min(originalLength, room, owner.snaplen === 0 ? room : owner.snaplen);
    return ok({
      timestampNs: null,
      linkType: owner.linkType,
      interfaceId: owner.fileInterfaceId,
      data: body.subarray(FixedBodyLength.simplePacket, FixedBodyLength.simplePacket + capturedLength),
      originalLength,
    });
  }

  const isEnhanced = type === BlockType.enhancedPacket;
  const blockName = isEnhanced ? "Enhanced Packet Block" : "Packet Block";
  if (body.length < FixedBodyLength.enhancedPacket) return tooShort(blockName, body);
  // Same layout except that the obsolete Packet Block has a 16-bit interface id and a drops count.
  const interfaceIndex = isEnhanced ? read.u32(0) : read.u16(0);
  const owner = interfaces[interfaceIndex];
  if (owner === undefined) {
    return reject(
      "bad-block",
      `${blockName} names interface ${interfaceIndex}; the section has ${interfaces.length}`,
    );
  }
  const timestamp = (BigInt(read.u32(4)) << 32n) | BigInt(read.u32(8));
  const capturedLength = read.u32(12);
  const originalLength = read.u32(16);
  const dataOffset = FixedBodyLength.enhancedPacket;
  if (capturedLength > body.length - dataOffset) {
    return reject(
      "bad-block",
      `${blockName} claims ${capturedLength} captured bytes in a ${body.length}-byte body`,
    );
  }
  return ok({
    timestampNs: (timestamp * 1_000_000_000n) / owner.unitsPerSecond + owner.offsetSeconds * 1_000_000_000n,
    linkType: owner.linkType,
    interfaceId: owner.fileInterfaceId,
    data: body.subarray(dataOffset, dataOffset + capturedLength),
    originalLength,
  });
}

function paddedTo32Bits(length: number): number {
  return (length + 3) & ~3;
}
