// pcap and pcapng are written in the byte order of the machine that wrote them; the magic number
// tells which. Decoders pick one of these readers once and never branch on byte order again.

export interface ByteOrderReader {
  readonly littleEndian: boolean;
  u16(offset: number): number;
  u32(offset: number): number;
  u64(offset: number): bigint;
  i64(offset: number): bigint;
}

export function byteOrderReader(bytes: Buffer, littleEndian: boolean): ByteOrderReader {
  return littleEndian
    ? {
        littleEndian,
        u16: (offset) => bytes.readUInt16LE(offset),
        u32: (offset) => bytes.readUInt32LE(offset),
        u64: (offset) => bytes.readBigUInt64LE(offset),
        i64: (offset) => bytes.readBigInt64LE(offset),
      }
    : {
        littleEndian,
        u16: (offset) => bytes.readUInt16BE(offset),
        u32: (offset) => bytes.readUInt32BE(offset),
        u64: (offset) => bytes.readBigUInt64BE(offset),
        i64: (offset) => bytes.readBigInt64BE(offset),
      };
}
