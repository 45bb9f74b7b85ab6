// 802.11 frame control numbers (IEEE 802.11-2020, 9.2.4.1). The subtype names are the short forms
// Wireshark and the kernel use, lowercase and dashed, so logs and counters read naturally.

export const FRAME_TYPES = ["management", "control", "data", "extension"] as const;
export type FrameType = (typeof FRAME_TYPES)[number];

/** Frame type numbers (frame control bits 2-3). */
export const FrameTypeCode = { management: 0, control: 1, data: 2, extension: 3 } as const;

const MANAGEMENT_SUBTYPES = [
  "assoc-req",
  "assoc-resp",
  "reassoc-req",
  "reassoc-resp",
  "probe-req",
  "probe-resp",
  "timing-advertisement",
  "reserved",
  "beacon",
  "atim",
  "disassoc",
  "auth",
  "deauth",
  "action",
  "action-no-ack",
  "reserved",
] as const;

const CONTROL_SUBTYPES = [
  "reserved",
  "reserved",
  "trigger",
  "tack",
  "beamforming-report-poll",
  "ndp-announcement",
  "control-frame-extension",
  "control-wrapper",
  "block-ack-req",
  "block-ack",
  "ps-poll",
  "rts",
  "cts",
  "ack",
  "cf-end",
  "cf-end-cf-ack",
] as const;

const DATA_SUBTYPES = [
  "data",
  "data-cf-ack",
  "data-cf-poll",
  "data-cf-ack-cf-poll",
  "null",
  "cf-ack",
  "cf-poll",
  "cf-ack-cf-poll",
  "qos-data",
  "qos-data-cf-ack",
  "qos-data-cf-poll",
  "qos-data-cf-ack-cf-poll",
  "qos-null",
  "reserved",
  "qos-cf-poll",
  "qos-cf-ack-cf-poll",
] as const;

const EXTENSION_SUBTYPES = [
  "dmg-beacon",
  "s1g-beacon",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
] as const;

export type FrameSubtypeName =
  | (typeof MANAGEMENT_SUBTYPES)[number]
  | (typeof CONTROL_SUBTYPES)[number]
  | (typeof DATA_SUBTYPES)[number]
  | (typeof EXTENSION_SUBTYPES)[number];

/** Subtype names indexed by (type << 4) | subtype. */
export const SUBTYPE_NAMES: readonly FrameSubtypeName[] = [
  ...MANAGEMENT_SUBTYPES,
  ...CONTROL_SUBTYPES,
  ...DATA_SUBTYPES,
  ...EXTENSION_SUBTYPES,
];

/**
 * Frame control byte 0 (protocol version 0, type management) of the management frames the agent
 * and the lab act on: one byte compare on the hot path instead of a full parse.
 */
export const ManagementFc0 = {
  assocRequest: 0x00,
  assocResponse: 0x10,
  reassocRequest: 0x20,
  reassocResponse: 0x30,
  probeRequest: 0x40,
  probeResponse: 0x50,
  beacon: 0x80,
  disassoc: 0xa0,
  auth: 0xb0,
  deauth: 0xc0,
} as const;

/** Bits of frame control byte 1 (the flags byte). */
export const FrameControlFlags = {
  toDs: 0x01,
  fromDs: 0x02,
  moreFragments: 0x04,
  retry: 0x08,
  powerMgmt: 0x10,
  moreData: 0x20,
  protected: 0x40,
  /** +HTC on QoS data and management frames; strictly-ordered service on others. */
  order: 0x80,
} as const;

/** Data subtypes with this bit carry a QoS Control field. */
export const DATA_SUBTYPE_QOS = 0x8;
/** Data subtypes with this bit carry no payload (null, CF-Ack, CF-Poll and their QoS forms). */
export const DATA_SUBTYPE_NO_DATA = 0x4;
/** QoS Control bit 7 in a frame with payload: the body is an A-MSDU. */
export const QOS_AMSDU_PRESENT = 0x0080;

/** MAC header sizes in bytes. */
export const HeaderLength = {
  /** Frame control, duration, RA: ACK, CTS, control wrapper's fixed part before its carried frame. */
  controlRaOnly: 10,
  /** Frame control, duration, RA, TA: RTS, PS-Poll, BlockAck(Req), CF-End, ... */
  controlRaTa: 16,
  /** Control wrapper: FC, duration, address 1, carried frame control, HT control. */
  controlWrapper: 16,
  /** Three addresses and sequence control: management and non-WDS data. */
  threeAddress: 24,
  /** The fourth address of WDS/mesh data (ToDS and FromDS both set). */
  address4: 6,
  qosControl: 2,
  htControl: 4,
  /** Extension frames (DMG/S1G beacons): FC, duration, one address. */
  extension: 10,
} as const;
