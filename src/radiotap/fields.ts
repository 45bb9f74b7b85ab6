// The radiotap field table: for every field of the radiotap namespace, its bit, alignment, size and how
// its bytes map to a typed value. Alignment is relative to the start of the radiotap header and is the
// alignment of the field's widest member, not of its total size (Channel is 2 x u16: align 2, size 4).
// Sources: radiotap.org defined fields; XChannel (18) and HE-MU-other-user (25) are radiotap.org
// "suggested" fields whose layout Wireshark and tcpdump already parse, so their sizes are known.

import { RadiotapPresent } from "./constants.js";

export interface RadiotapChannel {
  readonly freqMhz: number;
  /** RadiotapChannelFlags bits. */
  readonly flags: number;
}

export interface RadiotapFhss {
  readonly hopSet: number;
  readonly hopPattern: number;
}

export interface RadiotapXChannel {
  readonly flags: number;
  readonly freqMhz: number;
  readonly channel: number;
  readonly maxPower: number;
}

export interface RadiotapMcs {
  /** Which parts of `flags` and `index` are valid. */
  readonly known: number;
  readonly flags: number;
  readonly index: number;
}

export interface RadiotapAmpduStatus {
  readonly reference: number;
  readonly flags: number;
  readonly delimiterCrc: number;
}

export type Quad = readonly [number, number, number, number];

export interface RadiotapVht {
  readonly known: number;
  readonly flags: number;
  readonly bandwidth: number;
  /** Per user: MCS in the high nibble, NSS in the low nibble. */
  readonly mcsNss: Quad;
  readonly coding: number;
  readonly groupId: number;
  readonly partialAid: number;
}

export interface RadiotapTimestamp {
  readonly timestamp: bigint;
  readonly accuracy: number;
  readonly unitPosition: number;
  readonly flags: number;
}

export interface RadiotapHe {
  readonly data: readonly [number, number, number, number, number, number];
}

export interface RadiotapHeMu {
  readonly flags1: number;
  readonly flags2: number;
  readonly ruChannel1: Quad;
  readonly ruChannel2: Quad;
}

export interface RadiotapHeMuOtherUser {
  readonly perUser1: number;
  readonly perUser2: number;
  readonly perUserPosition: number;
  readonly perUserKnown: number;
}

export interface RadiotapLSig {
  readonly data1: number;
  readonly data2: number;
}

/** Every radiotap-namespace field this codec knows; a property is absent when its field is. */
export interface RadiotapFields {
  readonly tsft?: bigint;
  /** RadiotapFlags bits. */
  readonly flags?: number;
  readonly rate500kbps?: number;
  readonly channel?: RadiotapChannel;
  readonly fhss?: RadiotapFhss;
  readonly dbmSignal?: number;
  readonly dbmNoise?: number;
  readonly lockQuality?: number;
  readonly txAttenuation?: number;
  readonly dbTxAttenuation?: number;
  readonly dbmTxPower?: number;
  readonly antenna?: number;
  readonly dbSignal?: number;
  readonly dbNoise?: number;
  /** RadiotapRxFlags bits. */
  readonly rxFlags?: number;
  /** RadiotapTxFlags bits. */
  readonly txFlags?: number;
  readonly rtsRetries?: number;
  readonly dataRetries?: number;
  readonly xChannel?: RadiotapXChannel;
  readonly mcs?: RadiotapMcs;
  readonly ampduStatus?: RadiotapAmpduStatus;
  readonly vht?: RadiotapVht;
  readonly timestamp?: RadiotapTimestamp;
  readonly he?: RadiotapHe;
  readonly heMu?: RadiotapHeMu;
  readonly heMuOtherUser?: RadiotapHeMuOtherUser;
  readonly zeroLengthPsdu?: number;
  readonly lSig?: RadiotapLSig;
}

/** What the decoder fills in; the same shape without `readonly`. */
export type RadiotapFieldsDraft = { -readonly [K in keyof RadiotapFields]: RadiotapFields[K] };

export interface RadiotapField {
  readonly bit: number;
  readonly key: keyof RadiotapFields;
  readonly align: number;
  readonly size: number;
  /** Reads the field at `offset` (already aligned and bounds-checked) into `into`. */
  decode(buf: Buffer, offset: number, into: RadiotapFieldsDraft): void;
  /** Writes the field at `offset` if `from` has it; the space is already reserved. */
  encode(buf: Buffer, offset: number, from: RadiotapFields): void;
}

type FieldValue<K extends keyof RadiotapFields> = NonNullable<RadiotapFields[K]>;

function field<K extends keyof RadiotapFields>(
  key: K,
  align: number,
  size: number,
  read: (buf: Buffer, offset: number) => FieldValue<K>,
  write: (buf: Buffer, offset: number, value: FieldValue<K>) => void,
): RadiotapField {
  return {
    bit: BIT_OF[key],
    key,
    align,
    size,
    decode(buf, offset, into) {
      into[key] = read(buf, offset);
    },
    encode(buf, offset, from) {
      const value = from[key];
      if (value !== undefined) write(buf, offset, value as FieldValue<K>);
    },
  };
}

/** Keys whose value is a plain number: the one-byte and two-byte scalar fields. */
type NumberKey = {
  [K in keyof RadiotapFields]-?: NonNullable<RadiotapFields[K]> extends number ? K : never;
}[keyof RadiotapFields];

function u8(key: NumberKey): RadiotapField {
  return field(
    key,
    1,
    1,
    (buf, o) => buf[o],
    (buf, o, v) => buf.writeUInt8(v, o),
  );
}

function s8(key: NumberKey): RadiotapField {
  return field(
    key,
    1,
    1,
    (buf, o) => buf.readInt8(o),
    (buf, o, v) => buf.writeInt8(v, o),
  );
}

function u16(key: NumberKey): RadiotapField {
  return field(
    key,
    2,
    2,
    (buf, o) => buf.readUInt16LE(o),
    (buf, o, v) => buf.writeUInt16LE(v, o),
  );
}

function quad(buf: Buffer, o: number): Quad {
  return [buf[o], buf[o + 1], buf[o + 2], buf[o + 3]];
}

function writeQuad(buf: Buffer, o: number, q: Quad): void {
  for (let i = 0; i < 4; i++) buf.writeUInt8(q[i], o + i);
}

/** Field key -> radiotap bit, so the table below names each field once. */
const BIT_OF: Record<keyof RadiotapFields, number> = {
  tsft: RadiotapPresent.tsft,
  flags: RadiotapPresent.flags,
  rate500kbps: RadiotapPresent.rate,
  channel: RadiotapPresent.channel,
  fhss: RadiotapPresent.fhss,
  dbmSignal: RadiotapPresent.dbmAntennaSignal,
  dbmNoise: RadiotapPresent.dbmAntennaNoise,
  lockQuality: RadiotapPresent.lockQuality,
  txAttenuation: RadiotapPresent.txAttenuation,
  dbTxAttenuation: RadiotapPresent.dbTxAttenuation,
  dbmTxPower: RadiotapPresent.dbmTxPower,
  antenna: RadiotapPresent.antenna,
  dbSignal: RadiotapPresent.dbAntennaSignal,
  dbNoise: RadiotapPresent.dbAntennaNoise,
  rxFlags: RadiotapPresent.rxFlags,
  txFlags: RadiotapPresent.txFlags,
  rtsRetries: RadiotapPresent.rtsRetries,
  dataRetries: RadiotapPresent.dataRetries,
  xChannel: RadiotapPresent.xChannel,
  mcs: RadiotapPresent.mcs,
  ampduStatus: RadiotapPresent.ampduStatus,
  vht: RadiotapPresent.vht,
  timestamp: RadiotapPresent.timestamp,
  he: RadiotapPresent.he,
  heMu: RadiotapPresent.heMu,
  heMuOtherUser: RadiotapPresent.heMuOtherUser,
  zeroLengthPsdu: RadiotapPresent.zeroLengthPsdu,
  lSig: RadiotapPresent.lSig,
};

/** The radiotap namespace, in bit order: RADIOTAP_FIELDS[i].bit === i for bits 0..27. */
export const RADIOTAP_FIELDS: readonly RadiotapField[] = [
  field(
    "tsft",
    8,
    8,
    (buf, o) => buf.readBigUInt64LE(o),
    (buf, o, v) => buf.writeBigUInt64LE(v, o),
  ),
  u8("flags"),
  u8("rate500kbps"),
  field(
    "channel",
    2,
    4,
    (buf, o) => ({ freqMhz: buf.readUInt16LE(o), flags: buf.readUInt16LE(o + 2) }),
    (buf, o, v) => {
      buf.writeUInt16LE(v.freqMhz, o);
      buf.writeUInt16LE(v.flags, o + 2);
    },
  ),
  field(
    "fhss",
    2,
    2,
    (buf, o) => ({ hopSet: buf[o], hopPattern: buf[o + 1] }),
    (buf, o, v) => {
      buf.writeUInt8(v.hopSet, o);
      buf.writeUInt8(v.hopPattern, o + 1);
    },
  ),
  s8("dbmSignal"),
  s8("dbmNoise"),
  u16("lockQuality"),
  u16("txAttenuation"),
  u16("dbTxAttenuation"),
  s8("dbmTxPower"),
  u8("antenna"),
  u8("dbSignal"),
  u8("dbNoise"),
  u16("rxFlags"),
  u16("txFlags"),
  u8("rtsRetries"),
  u8("dataRetries"),
  field(
    "xChannel",
    4,
    8,
    (buf, o) => ({
      flags: buf.readUInt32LE(o),
      freqMhz: buf.readUInt16LE(o + 4),
      channel: buf[o + 6],
      maxPower: buf[o + 7],
    }),
    (buf, o, v) => {
      buf.writeUInt32LE(v.flags, o);
      buf.writeUInt16LE(v.freqMhz, o + 4);
      buf.writeUInt8(v.channel, o + 6);
      buf.writeUInt8(v.maxPower, o + 7);
    },
  ),
  field(
    "mcs",
    1,
    3,
    (buf, o) => ({ known: buf[o], flags: buf[o + 1], index: buf[o + 2] }),
    (buf, o, v) => {
      buf.writeUInt8(v.known, o);
      buf.writeUInt8(v.flags, o + 1);
      buf.writeUInt8(v.index, o + 2);
    },
  ),
  field(
    "ampduStatus",
    4,
    8,
    // The eighth byte is reserved: written as zero, ignored on read.
    (buf, o) => ({
      reference: buf.readUInt32LE(o),
      flags: buf.readUInt16LE(o + 4),
      delimiterCrc: buf[o + 6],
    }),
    (buf, o, v) => {
      buf.writeUInt32LE(v.reference, o);
      buf.writeUInt16LE(v.flags, o + 4);
      buf.writeUInt8(v.delimiterCrc, o + 6);
    },
  ),
  field(
    "vht",
    2,
    12,
    (buf, o) => ({
      known: buf.readUInt16LE(o),
      flags: buf[o + 2],
      bandwidth: buf[o + 3],
      mcsNss: quad(buf, o + 4),
      coding: buf[o + 8],
      groupId: buf[o + 9],
      partialAid: buf.readUInt16LE(o + 10),
    }),
    (buf, o, v) => {
      buf.writeUInt16LE(v.known, o);
      buf.writeUInt8(v.flags, o + 2);
      buf.writeUInt8(v.bandwidth, o + 3);
      writeQuad(buf, o + 4, v.mcsNss);
      buf.writeUInt8(v.coding, o + 8);
      buf.writeUInt8(v.groupId, o + 9);
      buf.writeUInt16LE(v.partialAid, o + 10);
    },
  ),
  field(
    "timestamp",
    8,
    12,
    (buf, o) => ({
      timestamp: buf.readBigUInt64LE(o),
      accuracy: buf.readUInt16LE(o + 8),
      unitPosition: buf[o + 10],
      flags: buf[o + 11],
    }),
    (buf, o, v) => {
      buf.writeBigUInt64LE(v.timestamp, o);
      buf.writeUInt16LE(v.accuracy, o + 8);
      buf.writeUInt8(v.unitPosition, o + 10);
      buf.writeUInt8(v.flags, o + 11);
    },
  ),
  field(
    "he",
    2,
    12,
    (buf, o) => ({
      data: [
        buf.readUInt16LE(o),
        buf.readUInt16LE(o + 2),
        buf.readUInt16LE(o + 4),
        buf.readUInt16LE(o + 6),
        buf.readUInt16LE(o + 8),
        buf.readUInt16LE(o + 10),
      ],
    }),
    (buf, o, v) => {
      for (let i = 0; i < 6; i++) buf.writeUInt16LE(v.data[i], o + 2 * i);
    },
  ),
  field(
    "heMu",
    2,
    12,
    (buf, o) => ({
      flags1: buf.readUInt16LE(o),
      flags2: buf.readUInt16LE(o + 2),
      ruChannel1: quad(buf, o + 4),
      ruChannel2: quad(buf, o + 8),
    }),
    (buf, o, v) => {
      buf.writeUInt16LE(v.flags1, o);
      buf.writeUInt16LE(v.flags2, o + 2);
      writeQuad(buf, o + 4, v.ruChannel1);
      writeQuad(buf, o + 8, v.ruChannel2);
    },
  ),
  field(
    "heMuOtherUser",
    2,
    6,
    (buf, o) => ({
      perUser1: buf.readUInt16LE(o),
      perUser2: buf.readUInt16LE(o + 2),
      perUserPosition: buf[o + 4],
      perUserKnown: buf[o + 5],
    }),
    (buf, o, v) => {
      buf.writeUInt16LE(v.perUser1, o);
      buf.writeUInt16LE(v.perUser2, o + 2);
      buf.writeUInt8(v.perUserPosition, o + 4);
      buf.writeUInt8(v.perUserKnown, o + 5);
    },
  ),
  u8("zeroLengthPsdu"),
  field(
    "lSig",
    2,
    4,
    (buf, o) => ({ data1: buf.readUInt16LE(o), data2: buf.readUInt16LE(o + 2) }),
    (buf, o, v) => {
      buf.writeUInt16LE(v.data1, o);
      buf.writeUInt16LE(v.data2, o + 2);
    },
  ),
];
