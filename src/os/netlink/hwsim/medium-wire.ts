// hwsim's medium interface on the wire: the generic netlink messages between mac80211_hwsim and the
// one process registered as the medium of its network namespace (wmediumd's role; the agent with
// `--medium netlink`). Pure functions over Buffers; the socket is medium-socket.ts, the rates in
// TX_INFO are rates.ts's.
//
// Once a process sends HWSIM_CMD_REGISTER, hwsim hands it every frame any radio of the namespace
// transmits (HWSIM_CMD_FRAME: transmitter, frame, flags, rates, channel, cookie) instead of giving it
// to the other radios, and keeps the frame pending until the medium reports its fate
// (HWSIM_CMD_TX_INFO_FRAME with the cookie: acknowledged or not, after which tries). The medium
// delivers frames with HWSIM_CMD_FRAME to one radio at a time, named by its hwsim address, with the
// signal and rate the receiver reports. Read from drivers/net/wireless/mac80211_hwsim.{c,h} (6.1).

import { MAC_LENGTH, type MacAddress, readMac } from "../../../ieee80211/mac.js";
import {
  attributeLength,
  NLA_HEADER,
  NLA_TYPE_MASK,
  nlaAlign,
  putAttributeHeader,
  putBytes,
  putMac,
  putU32,
  readAttributes,
} from "../attributes.js";
import {
  CTRL_ATTR_FAMILY_ID,
  GENL_HEADER,
  GENL_ID_CTRL,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_ERROR,
  NLMSG_HEADER,
  nlmsgAlign,
  putGenlHeaders,
} from "../messages.js";
import {
  HWSIM_GENL_VERSION,
  HwsimAttr,
  HwsimCommand,
  HwsimRateFlags,
  TX_INFO_BYTES,
  TX_INFO_FLAGS_SLOT,
} from "./constants.js";

/** A frame a local radio transmitted, as hwsim hands it to the medium. */
export interface HwsimTransmission {
  /** The transmitting radio's hwsim address (its `addresses[1]`): how the medium names it. */
  readonly radio: MacAddress;
  /** The 802.11 frame, MAC header onwards, without FCS (a view into the received buffer). */
  readonly frame: Buffer;
  readonly flags: number;
  /** The rates mac80211 asked for: TX_RATE_SLOTS {s8 idx, u8 count} (a view). */
  readonly rates: Buffer;
  /** True when the first rate is an MCS (HT/VHT), not an index into the legacy rate table. */
  readonly mcs: boolean;
  /** Centre frequency of the channel it was sent on (0 when hwsim did not say). */
  readonly freqMhz: number;
  /** hwsim's handle of the pending frame, echoed in the status (8 bytes, a view). */
  readonly cookie: Buffer;
}

/** What a message from the kernel on the medium socket is. */
export type HwsimMediumMessage =
  | { readonly kind: "transmission"; readonly transmission: HwsimTransmission }
  /** A netlink error or acknowledgement of a message of ours: `errno` 0 is an ACK. */
  | { readonly kind: "status"; readonly seq: number; readonly errno: number }
  | { readonly kind: "family"; readonly seq: number; readonly familyId: number }
  | { readonly kind: "malformed"; readonly detail: string }
  | { readonly kind: "other"; readonly type: number };

/** The fate of a transmission, for HWSIM_CMD_TX_INFO_FRAME. */
export interface HwsimTxStatus {
  readonly radio: MacAddress;
  readonly cookie: Buffer;
  /** The transmission's flags, with STAT_ACK set when it was acknowledged. */
  readonly flags: number;
  /** TX_RATE_SLOTS {s8 idx, u8 count}: the tries made (see rates.ts's txStatusRates). */
  readonly rates: Buffer;
  /** Signal of the acknowledgement (dBm). */
  readonly ackSignalDbm: number;
}

/** A frame for one local radio, for HWSIM_CMD_FRAME. */
export interface HwsimDelivery {
  readonly radio: MacAddress;
  readonly frame: Buffer;
  /** Index into the receiving band's rate table (hwsimRateIndex). */
  readonly rateIndex: number;
  readonly signalDbm: number;
  readonly freqMhz: number;
}

function putHeaders(buf: Buffer, type: number, flags: number, seq: number, command: number): number {
  return putGenlHeaders(buf, type, flags, seq, command, HWSIM_GENL_VERSION);
}

/** HWSIM_CMD_REGISTER, acknowledged: this socket becomes the namespace's medium. */
export function encodeRegister(familyId: number, seq: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HEADER + GENL_HEADER);
  putHeaders(buf, familyId, NLM_F_REQUEST | NLM_F_ACK, seq, HwsimCommand.REGISTER);
  return buf;
}

export function txStatusEncodingLength(): number {
  return (
    NLMSG_HEADER + GENL_HEADER + attributeLength(MAC_LENGTH) + 2 * attributeLength(4) + 2 * attributeLength(8)
  );
}

/** HWSIM_CMD_TX_INFO_FRAME (not acknowledged: hwsim answers only when it refuses one). */
export function encodeTxStatus(familyId: number, seq: number, status: HwsimTxStatus): Buffer {
  // Pooled and written in full: a zeroed allocation per frame costs a TCG guest (profiled).
  const buf = Buffer.allocUnsafe(txStatusEncodingLength());
  let offset = putHeaders(buf, familyId, NLM_F_REQUEST, seq, HwsimCommand.TX_INFO_FRAME);
  offset = putMac(buf, offset, HwsimAttr.ADDR_TRANSMITTER, status.radio);
  offset = putU32(buf, offset, HwsimAttr.FLAGS, status.flags);
  offset = putU32(buf, offset, HwsimAttr.SIGNAL, status.ackSignalDbm);
  offset = putBytes(buf, offset, HwsimAttr.TX_INFO, status.rates);
  putBytes(buf, offset, HwsimAttr.COOKIE, status.cookie);
  return buf;
}

export function deliveryEncodingLength(frameBytes: number): number {
  return (
    NLMSG_HEADER +
    GENL_HEADER +
    attributeLength(MAC_LENGTH) +
    attributeLength(frameBytes) +
    3 * attributeLength(4)
  );
}

/**
 * HWSIM_CMD_FRAME to one radio as three pieces for one sendmsg: the headers, the frame itself (not
 * copied) and the attributes after it. Not acknowledged: hwsim refuses what the radio cannot hear.
 */
export function deliveryParts(
  familyId: number,
  seq: number,
  delivery: HwsimDelivery,
): [Buffer, Buffer, Buffer] {
  const frameBytes = delivery.frame.length;
  const pad = attributeLength(frameBytes) - NLA_HEADER - frameBytes;
  const head = Buffer.allocUnsafe(NLMSG_HEADER + GENL_HEADER + attributeLength(MAC_LENGTH) + NLA_HEADER);
  putHeaders(head, familyId, NLM_F_REQUEST, seq, HwsimCommand.FRAME);
  head.writeUInt32LE(deliveryEncodingLength(frameBytes), 0);
  const afterReceiver = putMac(head, NLMSG_HEADER + GENL_HEADER, HwsimAttr.ADDR_RECEIVER, delivery.radio);
  putAttributeHeader(head, afterReceiver, HwsimAttr.FRAME, frameBytes);
  const tail = Buffer.allocUnsafe(pad + 3 * attributeLength(4));
  tail.fill(0, 0, pad);
  let offset = putU32(tail, pad, HwsimAttr.RX_RATE, delivery.rateIndex);
  offset = putU32(tail, offset, HwsimAttr.SIGNAL, delivery.signalDbm);
  putU32(tail, offset, HwsimAttr.FREQ, delivery.freqMhz);
  return [head, delivery.frame, tail];
}

/**
 * A transmission's attributes, read in one pass without a Map or a view per attribute: this runs
 * for every frame a local radio sends, and in a TCG guest each allocation shows (profiled).
 */
function decodeTransmission(buf: Buffer, start: number, end: number): HwsimMediumMessage {
  let radio = -1;
  let frameStart = -1;
  let frameEnd = -1;
  let flags = -1;
  let rates = -1;
  let cookie = -1;
  let freqMhz = 0;
  let firstRateFlags = 0;
  let offset = start;
  while (offset + NLA_HEADER <= end) {
    const length = buf.readUInt16LE(offset);
    if (length < NLA_HEADER || offset + length > end)
      return { kind: "malformed", detail: `attribute of length ${length} at ${offset - start}` };
    const payload = offset + NLA_HEADER;
    const size = length - NLA_HEADER;
    switch (buf.readUInt16LE(offset + 2) & NLA_TYPE_MASK) {
      case HwsimAttr.ADDR_TRANSMITTER:
        if (size === MAC_LENGTH) radio = payload;
        break;
      case HwsimAttr.FRAME:
        frameStart = payload;
        frameEnd = payload + size;
        break;
      case HwsimAttr.FLAGS:
        if (size === 4) flags = buf.readUInt32LE(payload);
        break;
      case HwsimAttr.TX_INFO:
        if (size >= TX_INFO_BYTES) rates = payload;
        break;
      case HwsimAttr.COOKIE:
        if (size === 8) cookie = payload;
        break;
      case HwsimAttr.FREQ:
        if (size === 4) freqMhz = buf.readUInt32LE(payload);
        break;
      case HwsimAttr.TX_INFO_FLAGS:
        if (size >= TX_INFO_FLAGS_SLOT) firstRateFlags = buf.readUInt16LE(payload + 1);
        break;
      default:
        break;
    }
    offset += nlaAlign(length);
  }
  if (radio < 0) return { kind: "malformed", detail: "FRAME without a transmitter" };
  if (frameStart < 0 || frameEnd === frameStart)
    return { kind: "malformed", detail: "FRAME without a frame" };
  if (flags < 0) return { kind: "malformed", detail: "FRAME without flags" };
  if (rates < 0) return { kind: "malformed", detail: "FRAME without rates" };
  if (cookie < 0) return { kind: "malformed", detail: "FRAME without a cookie" };
  return {
    kind: "transmission",
    transmission: {
      radio: readMac(buf, radio),
      frame: buf.subarray(frameStart, frameEnd),
      flags,
      rates: buf.subarray(rates, rates + TX_INFO_BYTES),
      mcs: (firstRateFlags & (HwsimRateFlags.MCS | HwsimRateFlags.VHT_MCS)) !== 0,
      freqMhz,
      cookie: buf.subarray(cookie, cookie + 8),
    },
  };
}

/**
 * Every netlink message in one datagram from the medium socket. `familyId` is hwsim's (0 before the
 * family is known). Never throws: what cannot be read comes back as "malformed".
 */
export function decodeMediumMessages(buf: Buffer, familyId: number): HwsimMediumMessage[] {
  const messages: HwsimMediumMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HEADER <= buf.length) {
    const length = buf.readUInt32LE(offset);
    if (length < NLMSG_HEADER || offset + length > buf.length) {
      messages.push({ kind: "malformed", detail: `netlink message of length ${length}` });
      return messages;
    }
    const type = buf.readUInt16LE(offset + 4);
    const seq = buf.readUInt32LE(offset + 8);
    const end = offset + length;
    if (type === NLMSG_ERROR) {
      const errno = length >= NLMSG_HEADER + 4 ? -buf.readInt32LE(offset + NLMSG_HEADER) : 0;
      messages.push({ kind: "status", seq, errno });
    } else if (type === familyId && buf[offset + NLMSG_HEADER] === HwsimCommand.FRAME) {
      messages.push(decodeTransmission(buf, offset + NLMSG_HEADER + GENL_HEADER, end));
    } else if ((type === familyId || type === GENL_ID_CTRL) && length >= NLMSG_HEADER + GENL_HEADER) {
      const attrs = readAttributes(buf, offset + NLMSG_HEADER + GENL_HEADER, end);
      if (attrs.problem !== null) messages.push({ kind: "malformed", detail: attrs.problem });
      else if (type === GENL_ID_CTRL) {
        const id = attrs.values.get(CTRL_ATTR_FAMILY_ID);
        messages.push(
          id?.length === 2
            ? { kind: "family", seq, familyId: id.readUInt16LE(0) }
            : { kind: "malformed", detail: "family reply without an id" },
        );
      } else messages.push({ kind: "other", type });
    } else messages.push({ kind: "other", type });
    offset += nlmsgAlign(length);
  }
  return messages;
}
