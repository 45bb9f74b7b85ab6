// Capture files laid out field by field, in either byte order, independently of the writer in
// src/capture-file: the decoders are tested against bytes the test spells out, not against our own
// encoder's idea of the format.

export type ByteOrder = "LE" | "BE";

function u16(value: number, order: ByteOrder): Buffer {
  const bytes = Buffer.alloc(2);
  if (order === "LE") bytes.writeUInt16LE(value);
  else bytes.writeUInt16BE(value);
  return bytes;
}

function u32(value: number, order: ByteOrder): Buffer {
  const bytes = Buffer.alloc(4);
  if (order === "LE") bytes.writeUInt32LE(value);
  else bytes.writeUInt32BE(value);
  return bytes;
}

function i64(value: bigint, order: ByteOrder): Buffer {
  const bytes = Buffer.alloc(8);
  if (order === "LE") bytes.writeBigInt64LE(value);
  else bytes.writeBigInt64BE(value);
  return bytes;
}

function padTo32Bits(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
}

// ---- classic pcap ----

export interface PcapLayout {
  readonly order: ByteOrder;
  readonly resolution: "us" | "ns";
  readonly linkType: number;
  readonly snaplen?: number;
  readonly versionMajor?: number;
}

export function pcapFileHeader(layout: PcapLayout): Buffer {
  const magic = layout.resolution === "us" ? 0xa1b2c3d4 : 0xa1b23c4d;
  return Buffer.concat([
    u32(magic, layout.order),
    u16(layout.versionMajor ?? 2, layout.order),
    u16(4, layout.order),
    u32(0, layout.order), // thiszone
    u32(0, layout.order), // sigfigs
    u32(layout.snaplen ?? 65535, layout.order),
    u32(layout.linkType, layout.order),
  ]);
}

export interface PcapRecordLayout {
  readonly seconds: number;
  /** Microseconds or nanoseconds, per the file's magic. */
  readonly subseconds: number;
  readonly data: Buffer;
  readonly originalLength?: number;
  /** Lie about the captured length (corrupt files). */
  readonly capturedLength?: number;
}

export function pcapRecord(record: PcapRecordLayout, order: ByteOrder): Buffer {
  return Buffer.concat([
    u32(record.seconds, order),
    u32(record.subseconds, order),
    u32(record.capturedLength ?? record.data.length, order),
    u32(record.originalLength ?? record.data.length, order),
    record.data,
  ]);
}

// ---- pcapng ----

/** Any block: type, total length, body padded to 32 bits, total length. */
export function pcapngBlock(type: number, body: Buffer, order: ByteOrder): Buffer {
  const padded = padTo32Bits(body);
  const totalLength = padded.length + 12;
  return Buffer.concat([u32(type, order), u32(totalLength, order), padded, u32(totalLength, order)]);
}

export function pcapngOption(code: number, value: Buffer, order: ByteOrder): Buffer {
  return Buffer.concat([u16(code, order), u16(value.length, order), padTo32Bits(value)]);
}

export function pcapngEndOfOptions(order: ByteOrder): Buffer {
  return Buffer.concat([u16(0, order), u16(0, order)]);
}

export function sectionHeaderBlock(order: ByteOrder, versionMajor = 1): Buffer {
  const body = Buffer.concat([
    u32(0x1a2b3c4d, order),
    u16(versionMajor, order),
    u16(0, order),
    i64(-1n, order), // section length unknown
  ]);
  return pcapngBlock(0x0a0d0d0a, body, order);
}

export interface InterfaceLayout {
  readonly linkType: number;
  readonly snaplen?: number;
  /** Raw if_tsresol byte. */
  readonly tsresol?: number;
  readonly tsoffsetSeconds?: bigint;
}

export function interfaceDescriptionBlock(layout: InterfaceLayout, order: ByteOrder): Buffer {
  const options: Buffer[] = [];
  // An if_name option first, so the reader has to skip an option it does not use.
  options.push(pcapngOption(2, Buffer.from("hwsim0"), order));
  if (layout.tsresol !== undefined) options.push(pcapngOption(9, Buffer.from([layout.tsresol]), order));
  if (layout.tsoffsetSeconds !== undefined)
    options.push(pcapngOption(14, i64(layout.tsoffsetSeconds, order), order));
  options.push(pcapngEndOfOptions(order));
  const body = Buffer.concat([
    u16(layout.linkType, order),
    u16(0, order),
    u32(layout.snaplen ?? 262144, order),
    ...options,
  ]);
  return pcapngBlock(1, body, order);
}

export interface PacketLayout {
  readonly interfaceId: number;
  /** Timestamp in the interface's units. */
  readonly timestamp: bigint;
  readonly data: Buffer;
  readonly originalLength?: number;
  readonly capturedLength?: number;
}

function timestampWords(timestamp: bigint, order: ByteOrder): Buffer {
  return Buffer.concat([u32(Number(timestamp >> 32n), order), u32(Number(timestamp & 0xffff_ffffn), order)]);
}

export function enhancedPacketBlock(packet: PacketLayout, order: ByteOrder, withOptions = false): Buffer {
  const body = Buffer.concat([
    u32(packet.interfaceId, order),
    timestampWords(packet.timestamp, order),
    u32(packet.capturedLength ?? packet.data.length, order),
    u32(packet.originalLength ?? packet.data.length, order),
    padTo32Bits(packet.data),
    // epb_flags (inbound) then a comment: options the reader must not mistake for packet bytes.
    ...(withOptions
      ? [
          pcapngOption(2, u32(1, order), order),
          pcapngOption(1, Buffer.from("comment"), order),
          pcapngEndOfOptions(order),
        ]
      : []),
  ]);
  return pcapngBlock(6, body, order);
}

export function obsoletePacketBlock(packet: PacketLayout, order: ByteOrder): Buffer {
  const body = Buffer.concat([
    u16(packet.interfaceId, order),
    u16(0, order), // drops count
    timestampWords(packet.timestamp, order),
    u32(packet.capturedLength ?? packet.data.length, order),
    u32(packet.originalLength ?? packet.data.length, order),
    padTo32Bits(packet.data),
  ]);
  return pcapngBlock(2, body, order);
}

export function simplePacketBlock(data: Buffer, originalLength: number, order: ByteOrder): Buffer {
  return pcapngBlock(3, Buffer.concat([u32(originalLength, order), data]), order);
}
