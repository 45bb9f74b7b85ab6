// Writes pcapng (little-endian, draft-ietf-opsawg-pcapng): a Section Header Block, one Interface
// Description Block with nanosecond timestamps, then Enhanced Packet Blocks that may carry the
// packet's direction (epb_flags) and a comment (opt_comment) — what the agent's capture needs to say
// which way a frame went and what became of it. Pure functions over Buffers, like the reader.

const BlockType = { sectionHeader: 0x0a0d0d0a, interfaceDescription: 1, enhancedPacket: 6 } as const;
const Option = { endOfOptions: 0, comment: 1, ifName: 2, epbFlags: 2, ifTsresol: 9 } as const;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const NANOSECONDS = 9;

/** epb_flags bits 0-1: the packet's direction. */
export const PacketDirection = { unknown: 0, inbound: 1, outbound: 2 } as const;
export type PacketDirection = (typeof PacketDirection)[keyof typeof PacketDirection];

export interface EnhancedPacket {
  readonly interfaceId: number;
  readonly timestampNs: bigint;
  readonly data: Buffer;
  readonly direction?: PacketDirection;
  readonly comment?: string;
}

const padded = (length: number): number => (length + 3) & ~3;

function optionLength(value: Buffer): number {
  return 4 + padded(value.length);
}

function writeOption(target: Buffer, at: number, code: number, value: Buffer): number {
  target.writeUInt16LE(code, at);
  target.writeUInt16LE(value.length, at + 2);
  value.copy(target, at + 4);
  return at + optionLength(value);
}

function block(type: number, bodyLength: number, fill: (body: Buffer) => void): Buffer {
  const total = 12 + padded(bodyLength);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  fill(out.subarray(8, 8 + padded(bodyLength)));
  out.writeUInt32LE(total, total - 4);
  return out;
}

/** A Section Header Block of unknown length, version 1.0. */
export function encodeSectionHeader(): Buffer {
  return block(BlockType.sectionHeader, 16, (body) => {
    body.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
    body.writeUInt16LE(1, 4);
    body.writeUInt16LE(0, 6);
    body.writeBigInt64LE(-1n, 8);
  });
}

/** An Interface Description Block with nanosecond timestamps and, if given, if_name. */
export function encodeInterfaceDescription(linkType: number, snaplen: number, name?: string): Buffer {
  const tsresol = Buffer.from([NANOSECONDS]);
  const nameBytes = name === undefined ? null : Buffer.from(name, "utf8");
  const length = 8 + optionLength(tsresol) + (nameBytes ? optionLength(nameBytes) : 0) + 4;
  return block(BlockType.interfaceDescription, length, (body) => {
    body.writeUInt16LE(linkType, 0);
    body.writeUInt32LE(snaplen, 4);
    let at = writeOption(body, 8, Option.ifTsresol, tsresol);
    if (nameBytes) at = writeOption(body, at, Option.ifName, nameBytes);
    writeOption(body, at, Option.endOfOptions, Buffer.alloc(0));
  });
}

function enhancedPacketBodyLength(packet: EnhancedPacket, comment: Buffer | null): number {
  const hasOptions = packet.direction !== undefined || comment !== null;
  return (
    20 +
    padded(packet.data.length) +
    (packet.direction !== undefined ? 8 : 0) +
    (comment ? optionLength(comment) : 0) +
    (hasOptions ? 4 : 0)
  );
}

/** An Enhanced Packet Block: the whole packet (captured = original length), nanosecond timestamp. */
export function encodeEnhancedPacket(packet: EnhancedPacket): Buffer {
  const comment = packet.comment === undefined ? null : Buffer.from(packet.comment, "utf8");
  return block(BlockType.enhancedPacket, enhancedPacketBodyLength(packet, comment), (body) => {
    body.writeUInt32LE(packet.interfaceId, 0);
    body.writeUInt32LE(Number(packet.timestampNs >> 32n) >>> 0, 4);
    body.writeUInt32LE(Number(packet.timestampNs & 0xffff_ffffn), 8);
    body.writeUInt32LE(packet.data.length, 12);
    body.writeUInt32LE(packet.data.length, 16);
    packet.data.copy(body, 20);
    let at = 20 + padded(packet.data.length);
    if (packet.direction !== undefined) {
      const flags = Buffer.alloc(4);
      flags.writeUInt32LE(packet.direction, 0);
      at = writeOption(body, at, Option.epbFlags, flags);
    }
    if (comment) at = writeOption(body, at, Option.comment, comment);
    if (packet.direction !== undefined || comment)
      writeOption(body, at, Option.endOfOptions, Buffer.alloc(0));
  });
}
