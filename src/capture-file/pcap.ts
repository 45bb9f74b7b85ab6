// Classic libpcap files: a 24-byte file header, then records of a 16-byte header and the captured
// bytes. The magic number says both the byte order and whether the sub-second field counts
// microseconds or nanoseconds. Layout: draft-ietf-opsawg-pcap.

import { ok, type Rejection, type Result, reject } from "../result.js";
import { byteOrderReader } from "./byte-order.js";
import type { CaptureFile, CaptureFileReject, CaptureRecord } from "./capture-file.js";

export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** libpcap refuses records longer than this (MAXIMUM_SNAPLEN); a bigger length means a corrupt header. */
export const PCAP_MAX_CAPTURED_LENGTH = 262_144;

interface PcapFlavour {
  readonly littleEndian: boolean;
  /** Nanoseconds per unit of the record header's sub-second field. */
  readonly nsPerSubsecondUnit: bigint;
}

/** The four magics, keyed by how the first four bytes read as a little-endian word. */
export const PCAP_MAGICS: ReadonlyMap<number, PcapFlavour> = new Map([
  [0xa1b2c3d4, { littleEndian: true, nsPerSubsecondUnit: 1000n }],
  [0xd4c3b2a1, { littleEndian: false, nsPerSubsecondUnit: 1000n }],
  [0xa1b23c4d, { littleEndian: true, nsPerSubsecondUnit: 1n }],
  [0x4d3cb2a1, { littleEndian: false, nsPerSubsecondUnit: 1n }],
]);

const NANOSECOND_MAGIC = 0xa1b23c4d;
const PCAP_VERSION_MAJOR = 2;
const PCAP_VERSION_MINOR = 4;
// The top bits of the link type word carry FCS information, not the link type (libpcap LT_LINKTYPE).
const LINK_TYPE_MASK = 0x03ff_ffff;

export function decodePcap(bytes: Buffer): Result<CaptureFile, CaptureFileReject> {
  const flavour = bytes.length >= 4 ? PCAP_MAGICS.get(bytes.readUInt32LE(0)) : undefined;
  if (flavour === undefined) return reject("not-a-capture", "no pcap magic number");
  if (bytes.length < PCAP_FILE_HEADER_LENGTH) {
    return reject("truncated", `the pcap file header needs 24 bytes, the file has ${bytes.length}`);
  }
  const read = byteOrderReader(bytes, flavour.littleEndian);
  const versionMajor = read.u16(4);
  if (versionMajor !== PCAP_VERSION_MAJOR) {
    return reject("bad-block", `pcap version ${versionMajor}.${read.u16(6)}; only version 2.x exists`);
  }
  const snaplen = read.u32(16);
  const linkType = read.u32(20) & LINK_TYPE_MASK;

  const records: CaptureRecord[] = [];
  let stoppedEarly: Rejection<"truncated" | "bad-block"> | null = null;
  let offset = PCAP_FILE_HEADER_LENGTH;
  while (offset < bytes.length) {
    const recordNumber = records.length + 1;
    if (bytes.length - offset < PCAP_RECORD_HEADER_LENGTH) {
      stoppedEarly = {
        reason: "truncated",
        detail: `record ${recordNumber} header is cut off (${bytes.length - offset} of 16 bytes) after ${records.length} records`,
      };
      break;
    }
    const seconds = BigInt(read.u32(offset));
    const subseconds = BigInt(read.u32(offset + 4));
    const capturedLength = read.u32(offset + 8);
    const originalLength = read.u32(offset + 12);
    if (capturedLength > PCAP_MAX_CAPTURED_LENGTH) {
      stoppedEarly = {
        reason: "bad-block",
        detail: `record ${recordNumber} claims ${capturedLength} captured bytes, more than pcap's ${PCAP_MAX_CAPTURED_LENGTH}, after ${records.length} records`,
      };
      break;
    }
    const dataStart = offset + PCAP_RECORD_HEADER_LENGTH;
    if (bytes.length - dataStart < capturedLength) {
      stoppedEarly = {
        reason: "truncated",
        detail: `record ${recordNumber} is cut off (${bytes.length - dataStart} of ${capturedLength} bytes) after ${records.length} records`,
      };
      break;
    }
    records.push({
      timestampNs: seconds * 1_000_000_000n + subseconds * flavour.nsPerSubsecondUnit,
      linkType,
      interfaceId: 0,
      data: bytes.subarray(dataStart, dataStart + capturedLength),
      originalLength,
    });
    offset = dataStart + capturedLength;
  }
  return ok({ format: "pcap", interfaces: [{ linkType, snaplen, section: 0 }], records, stoppedEarly });
}

// The writer always produces little-endian nanosecond pcap: hwsim0 timestamps lose nothing, and
// every libpcap since 1.5 (tcpdump, tshark) reads it.

/** The 24-byte file header for a nanosecond pcap file. */
export function encodePcapHeader(linkType: number, snaplen: number = PCAP_MAX_CAPTURED_LENGTH): Buffer {
  const header = Buffer.alloc(PCAP_FILE_HEADER_LENGTH);
  header.writeUInt32LE(NANOSECOND_MAGIC, 0);
  header.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
  header.writeUInt16LE(PCAP_VERSION_MINOR, 6);
  // Bytes 8-15 (time zone offset, timestamp accuracy) are zero in every modern writer.
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(linkType, 20);
  return header;
}

/** One record (header and data) for a file started with encodePcapHeader. */
export function encodePcapRecord(
  timestampNs: bigint,
  data: Buffer,
  originalLength: number = data.length,
): Buffer {
  const seconds = timestampNs / 1_000_000_000n;
  if (timestampNs < 0n || seconds > 0xffff_ffffn) {
    throw new RangeError(`pcap timestamps hold 0 to 2^32-1 seconds since 1970; got ${timestampNs} ns`);
  }
  const record = Buffer.alloc(PCAP_RECORD_HEADER_LENGTH + data.length);
  record.writeUInt32LE(Number(seconds), 0);
  record.writeUInt32LE(Number(timestampNs % 1_000_000_000n), 4);
  record.writeUInt32LE(data.length, 8);
  record.writeUInt32LE(originalLength, 12);
  data.copy(record, PCAP_RECORD_HEADER_LENGTH);
  return record;
}

export interface PcapRecordToWrite {
  readonly timestampNs: bigint;
  readonly data: Buffer;
  readonly originalLength?: number;
}

/** A whole nanosecond pcap file. */
export function encodePcapFile(
  linkType: number,
  records: readonly PcapRecordToWrite[],
  snaplen: number = PCAP_MAX_CAPTURED_LENGTH,
): Buffer {
  return Buffer.concat([
    encodePcapHeader(linkType, snaplen),
    ...records.map((record) => encodePcapRecord(record.timestampNs, record.data, record.originalLength)),
  ]);
}
