// Netlink and generic netlink message headers (struct nlmsghdr, struct genlmsghdr), and the one
// message of the generic netlink controller the agent writes itself: a family looked up by name.

import { attributeLength, putBytes } from "./attributes.js";

export const NLMSG_HEADER = 16;
export const GENL_HEADER = 4;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
/** An error, or with errno 0 an acknowledgement. */
export const NLMSG_ERROR = 2;
/** The generic netlink controller, to look a family up by name. */
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;

/** Padded to 4 bytes (NLMSG_ALIGN): where the next message of a datagram starts. */
export function nlmsgAlign(length: number): number {
  return (length + 3) & ~3;
}

/**
 * Writes both headers at the start of `buf`, whose length is the message's; returns the offset of
 * the first attribute. Positional arguments: this runs for every status and delivery the medium
 * sends, and takes no object of its own.
 */
export function putGenlHeaders(
  buf: Buffer,
  type: number,
  flags: number,
  seq: number,
  command: number,
  version: number,
): number {
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf.writeUInt32LE(0, 12); // the kernel fills in our port
  buf[NLMSG_HEADER] = command;
  buf[NLMSG_HEADER + 1] = version;
  buf.writeUInt16LE(0, NLMSG_HEADER + 2);
  return NLMSG_HEADER + GENL_HEADER;
}

/** CTRL_CMD_GETFAMILY for `name`, acknowledged. */
export function encodeGetFamily(name: string, seq: number): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, "latin1");
  const buf = Buffer.alloc(NLMSG_HEADER + GENL_HEADER + attributeLength(nameBytes.length));
  // Version 1, as this message has always been sent (the controller reads any).
  const offset = putGenlHeaders(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq, CTRL_CMD_GETFAMILY, 1);
  putBytes(buf, offset, CTRL_ATTR_FAMILY_NAME, nameBytes);
  return buf;
}
