// hwsim's medium interface on the wire: the generic netlink messages between mac80211_hwsim and the
// one process registered as the medium of its network namespace (wmediumd's role; the agent with
// `--medium netlink`). Pure functions over Buffers; the socket is hwsim-medium-socket.ts.
//
// Once a process sends HWSIM_CMD_REGISTER, hwsim hands it every frame any radio of the namespace
// transmits (HWSIM_CMD_FRAME: transmitter, frame, flags, rates, channel, cookie) instead of giving it
// to the other radios, and keeps the frame pending until the medium reports its fate
// (HWSIM_CMD_TX_INFO_FRAME with the cookie: acknowledged or not, after which tries). The medium
// delivers frames with HWSIM_CMD_FRAME to one radio at a time, named by its hwsim address, with the
// signal and rate the receiver reports. Read from drivers/net/wireless/mac80211_hwsim.{c,h} (6.1).

import { MAC_LENGTH, type MacAddress, readMac, writeMac } from "../../ieee80211/mac.js";

/** Generic netlink commands of the MAC80211_HWSIM family (enum hwsim_commands). */
export const HwsimMediumCommand = { REGISTER: 1, FRAME: 2, TX_INFO_FRAME: 3 } as const;

/** Attributes of those commands (enum hwsim_attrs). */
export const HwsimMediumAttr = {
  ADDR_RECEIVER: 1,
  ADDR_TRANSMITTER: 2,
  FRAME: 3,
  FLAGS: 4,
  RX_RATE: 5,
  SIGNAL: 6,
  TX_INFO: 7,
  COOKIE: 8,
  FREQ: 19,
  TX_INFO_FLAGS: 21,
} as const;

/** HWSIM_ATTR_FLAGS bits (enum hwsim_tx_control_flags). */
export const HwsimTxFlags = { REQ_TX_STATUS: 0x1, NO_ACK: 0x2, STAT_ACK: 0x4 } as const;

/** MAC80211_HWSIM_TX_RC_* bits of HWSIM_ATTR_TX_INFO_FLAGS that say a rate is not a legacy one. */
export const HwsimRateFlags = { MCS: 1 << 3, VHT_MCS: 1 << 8 } as const;

/** IEEE80211_TX_MAX_RATES: HWSIM_ATTR_TX_INFO is this many {s8 idx, u8 count}. */
export const TX_RATE_SLOTS = 4;
const TX_INFO_BYTES = TX_RATE_SLOTS * 2;
/** HWSIM_ATTR_TX_INFO_FLAGS: TX_RATE_SLOTS packed {s8 idx, u16 flags}. */
const TX_INFO_FLAGS_SLOT = 3;

const NLMSG_HEADER = 16;
const GENL_HEADER = 4;
const NLA_HEADER = 4;
const NLA_TYPE_MASK = 0x3fff;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLMSG_ERROR = 2;
/** The generic netlink controller, to look the family up by name. */
export const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
/** hwsim's family version (hwsim_genl_family.version). */
const HWSIM_GENL_VERSION = 1;

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
  /** TX_RATE_SLOTS {s8 idx, u8 count}: the tries made (see txStatusRates). */
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

function attributeLength(payload: number): number {
  return (NLA_HEADER + payload + 3) & ~3;
}

/** Writes one attribute header at `offset`; returns the payload's offset. */
function putHeader(buf: Buffer, offset: number, type: number, payload: number): number {
  buf.writeUInt16LE(NLA_HEADER + payload, offset);
  buf.writeUInt16LE(type, offset + 2);
  return offset + NLA_HEADER;
}

function putU32(buf: Buffer, offset: number, type: number, value: number): number {
  buf.writeUInt32LE(value >>> 0, putHeader(buf, offset, type, 4));
  return offset + attributeLength(4);
}

function putMac(buf: Buffer, offset: number, type: number, mac: MacAddress): number {
  const payload = putHeader(buf, offset, type, MAC_LENGTH);
  writeMac(buf, payload, mac);
  buf.writeUInt16LE(0, payload + MAC_LENGTH); // padding to 4 bytes
  return offset + attributeLength(MAC_LENGTH);
}

function putBytes(buf: Buffer, offset: number, type: number, bytes: Buffer): number {
  const payload = putHeader(buf, offset, type, bytes.length);
  bytes.copy(buf, payload);
  const end = offset + attributeLength(bytes.length);
  buf.fill(0, payload + bytes.length, end);
  return end;
}

function putHeaders(buf: Buffer, type: number, flags: number, seq: number, command: number): number {
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf.writeUInt32LE(0, 12); // the kernel fills in our port
  buf[NLMSG_HEADER] = command;
  buf[NLMSG_HEADER + 1] = HWSIM_GENL_VERSION;
  buf.writeUInt16LE(0, NLMSG_HEADER + 2);
  return NLMSG_HEADER + GENL_HEADER;
}

/** CTRL_CMD_GETFAMILY for `name`. */
export function encodeGetFamily(name: string, seq: number): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, "latin1");
  const buf = Buffer.alloc(NLMSG_HEADER + GENL_HEADER + attributeLength(nameBytes.length));
  const offset = putHeaders(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq, CTRL_CMD_GETFAMILY);
  putBytes(buf, offset, CTRL_ATTR_FAMILY_NAME, nameBytes);
  return buf;
}

/** HWSIM_CMD_REGISTER, acknowledged: this socket becomes the namespace's medium. */
export function encodeRegister(familyId: number, seq: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HEADER + GENL_HEADER);
  putHeaders(buf, familyId, NLM_F_REQUEST | NLM_F_ACK, seq, HwsimMediumCommand.REGISTER);
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
  let offset = putHeaders(buf, familyId, NLM_F_REQUEST, seq, HwsimMediumCommand.TX_INFO_FRAME);
  offset = putMac(buf, offset, HwsimMediumAttr.ADDR_TRANSMITTER, status.radio);
  offset = putU32(buf, offset, HwsimMediumAttr.FLAGS, status.flags);
  offset = putU32(buf, offset, HwsimMediumAttr.SIGNAL, status.ackSignalDbm);
  offset = putBytes(buf, offset, HwsimMediumAttr.TX_INFO, status.rates);
  putBytes(buf, offset, HwsimMediumAttr.COOKIE, status.cookie);
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
  putHeaders(head, familyId, NLM_F_REQUEST, seq, HwsimMediumCommand.FRAME);
  head.writeUInt32LE(deliveryEncodingLength(frameBytes), 0);
  const afterReceiver = putMac(
    head,
    NLMSG_HEADER + GENL_HEADER,
    HwsimMediumAttr.ADDR_RECEIVER,
    delivery.radio,
  );
  putHeader(head, afterReceiver, HwsimMediumAttr.FRAME, frameBytes);
  const tail = Buffer.allocUnsafe(pad + 3 * attributeLength(4));
  tail.fill(0, 0, pad);
  let offset = putU32(tail, pad, HwsimMediumAttr.RX_RATE, delivery.rateIndex);
  offset = putU32(tail, offset, HwsimMediumAttr.SIGNAL, delivery.signalDbm);
  putU32(tail, offset, HwsimMediumAttr.FREQ, delivery.freqMhz);
  return [head, delivery.frame, tail];
}

/** The same delivery as one buffer. */
export function encodeDelivery(familyId: number, seq: number, delivery: HwsimDelivery): Buffer {
  return Buffer.concat(deliveryParts(familyId, seq, delivery));
}

/**
 * The rates to report: acknowledged on the first try of the first rate, or (not acknowledged) every
 * try mac80211 asked for was made. Slots after the last one used are {-1, 0}, as mac80211 expects.
 */
export function txStatusRates(asked: Buffer, acknowledged: boolean): Buffer {
  const out = Buffer.allocUnsafe(TX_INFO_BYTES);
  for (let slot = 0; slot < TX_RATE_SLOTS; slot++) {
    const idx = asked.length >= 2 * slot + 2 ? asked.readInt8(2 * slot) : -1;
    const count = asked.length >= 2 * slot + 2 ? (asked[2 * slot + 1] ?? 0) : 0;
    const used = acknowledged ? slot === 0 : idx >= 0;
    out.writeInt8(used ? idx : -1, 2 * slot);
    out[2 * slot + 1] = used ? (acknowledged ? 1 : count) : 0;
  }
  return out;
}

/**
 * The rates to report for a frame acknowledged on try `tries` (1-based) of those mac80211 asked
 * for: the slots up to that try keep their rate, the try's slot counts the tries made in it, the rest
 * are {-1, 0}.
 */
export function txStatusRatesAfter(asked: Buffer, tries: number): Buffer {
  const out = Buffer.allocUnsafe(TX_INFO_BYTES);
  let left = tries;
  for (let slot = 0; slot < TX_RATE_SLOTS; slot++) {
    const idx = asked.readInt8(2 * slot);
    const count = asked[2 * slot + 1] ?? 0;
    const used = idx >= 0 && left > 0 ? Math.min(count, left) : 0;
    out.writeInt8(used > 0 ? idx : -1, 2 * slot);
    out[2 * slot + 1] = used;
    left -= used;
  }
  return out;
}

interface Attributes {
  readonly values: Map<number, Buffer>;
  readonly problem: string | null;
}

function readAttributes(buf: Buffer, start: number, end: number): Attributes {
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
    offset += (length + 3) & ~3;
  }
  return { values, problem: null };
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
      case HwsimMediumAttr.ADDR_TRANSMITTER:
        if (size === MAC_LENGTH) radio = payload;
        break;
      case HwsimMediumAttr.FRAME:
        frameStart = payload;
        frameEnd = payload + size;
        break;
      case HwsimMediumAttr.FLAGS:
        if (size === 4) flags = buf.readUInt32LE(payload);
        break;
      case HwsimMediumAttr.TX_INFO:
        if (size >= TX_INFO_BYTES) rates = payload;
        break;
      case HwsimMediumAttr.COOKIE:
        if (size === 8) cookie = payload;
        break;
      case HwsimMediumAttr.FREQ:
        if (size === 4) freqMhz = buf.readUInt32LE(payload);
        break;
      case HwsimMediumAttr.TX_INFO_FLAGS:
        if (size >= TX_INFO_FLAGS_SLOT) firstRateFlags = buf.readUInt16LE(payload + 1);
        break;
      default:
        break;
    }
    offset += (length + 3) & ~3;
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
    } else if (type === familyId && buf[offset + NLMSG_HEADER] === HwsimMediumCommand.FRAME) {
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
    offset += (length + 3) & ~3;
  }
  return messages;
}

/**
 * hwsim's legacy rates in 100 kbit/s (hwsim_rates): 2.4 GHz radios have all twelve, 5 GHz radios the
 * OFDM eight from 6 Mbit/s. HWSIM_ATTR_RX_RATE and the TX rates are indices into the band's table.
 */
const HWSIM_RATES_100KBPS = [10, 20, 55, 110, 60, 90, 120, 180, 240, 360, 480, 540] as const;
const OFDM_ONLY_FROM = 4;

function isFiveOrSixGhz(freqMhz: number): boolean {
  return freqMhz >= 4900;
}

/** The rate table index of `rate500kbps` on `freqMhz`'s band (0, the lowest rate, when unknown). */
export function hwsimRateIndex(rate500kbps: number, freqMhz: number): number {
  const index = HWSIM_RATES_100KBPS.indexOf((rate500kbps * 5) as (typeof HWSIM_RATES_100KBPS)[number]);
  if (index < 0) return 0;
  if (!isFiveOrSixGhz(freqMhz)) return index;
  return index >= OFDM_ONLY_FROM ? index - OFDM_ONLY_FROM : 0;
}

/** The legacy rate (500 kbit/s units) of rate table index `index` on `freqMhz`'s band; 0 if none. */
export function hwsimRate500kbps(index: number, freqMhz: number): number {
  const table = isFiveOrSixGhz(freqMhz) ? HWSIM_RATES_100KBPS.slice(OFDM_ONLY_FROM) : HWSIM_RATES_100KBPS;
  const rate = table[index];
  return rate === undefined ? 0 : rate / 5;
}
