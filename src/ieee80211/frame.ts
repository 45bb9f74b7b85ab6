// A read-only view of an 802.11 MAC header (IEEE 802.11-2020, 9.2-9.3): frame control, addresses by
// role, sequence control, QoS and HT control, and where the body starts. It runs on every captured
// frame, so it reads fixed offsets, keeps addresses as integers and allocates nothing but the view.

import { ok, type Result, reject } from "../result.js";
import {
  DATA_SUBTYPE_NO_DATA,
  DATA_SUBTYPE_QOS,
  FRAME_TYPES,
  FrameControlFlags,
  type FrameSubtypeName,
  type FrameType,
  FrameTypeCode,
  HeaderLength,
  QOS_AMSDU_PRESENT,
  SUBTYPE_NAMES,
} from "./constants.js";
import { MAC_LENGTH, type MacAddress, readMac } from "./mac.js";

export interface FrameView {
  /** Frame control as the little-endian u16 the kernel sees (byte 0 in the low half). */
  readonly frameControl: number;
  readonly protocolVersion: number;
  readonly type: FrameType;
  readonly subtype: number;
  readonly subtypeName: FrameSubtypeName;
  readonly toDs: boolean;
  readonly fromDs: boolean;
  readonly moreFragments: boolean;
  readonly retry: boolean;
  readonly powerMgmt: boolean;
  readonly moreData: boolean;
  readonly protected: boolean;
  readonly order: boolean;
  /** Duration/ID: microseconds, or the AID (with the top two bits set) in a PS-Poll. */
  readonly duration: number;
  /** Receiver address: address 1 of every frame (null only for extension frames). */
  readonly ra: MacAddress | null;
  /** Transmitter address; null for ACK, CTS and the other RA-only control frames. */
  readonly ta: MacAddress | null;
  readonly bssid: MacAddress | null;
  /**
   * Source and destination: management and data frames only, and null in an A-MSDU wherever the
   * standard moves them into the subframes (802.11-2020 Table 9-30).
   */
  readonly sa: MacAddress | null;
  readonly da: MacAddress | null;
  /** From sequence control: management and data frames only. */
  readonly sequenceNumber: number | null;
  readonly fragmentNumber: number | null;
  /** QoS data/null frames only. */
  readonly qosControl: number | null;
  /** +HTC: QoS data and management frames with the order bit, and control wrappers. */
  readonly htControl: number | null;
  /** Bytes of MAC header: the body (or the carried frame of a control wrapper) starts here. */
  readonly headerLength: number;
  /** Bytes of the whole frame (header and body, no FCS). */
  readonly length: number;
}

export type FrameReject = "too-short" | "bad-version";

/** Control frames by subtype: which addresses follow duration, and where the header ends. */
interface ControlLayout {
  readonly headerLength: number;
  readonly hasTa: boolean;
  /** The BSSID is address 1 (PS-Poll) or address 2 (CF-End), or not carried. */
  readonly bssidAddress: 0 | 1 | 2;
}

const RA_ONLY: ControlLayout = { headerLength: HeaderLength.controlRaOnly, hasTa: false, bssidAddress: 0 };
const RA_TA: ControlLayout = { headerLength: HeaderLength.controlRaTa, hasTa: true, bssidAddress: 0 };
const PS_POLL: ControlLayout = { headerLength: HeaderLength.controlRaTa, hasTa: true, bssidAddress: 1 };
const CF_END: ControlLayout = { headerLength: HeaderLength.controlRaTa, hasTa: true, bssidAddress: 2 };
const CONTROL_WRAPPER: ControlLayout = {
  headerLength: HeaderLength.controlWrapper,
  hasTa: false,
  bssidAddress: 0,
};

/** Indexed by control subtype; reserved subtypes are read as far as the one address every frame has. */
const CONTROL_LAYOUTS: readonly ControlLayout[] = [
  RA_ONLY, //         0 reserved
  RA_ONLY, //         1 reserved
  RA_TA, //           2 trigger
  RA_TA, //           3 tack
  RA_TA, //           4 beamforming report poll
  RA_TA, //           5 NDP announcement
  RA_ONLY, //         6 control frame extension (DMG; layouts vary past RA)
  CONTROL_WRAPPER, // 7
  RA_TA, //           8 block ack request
  RA_TA, //           9 block ack
  PS_POLL, //        10
  RA_TA, //          11 RTS
  RA_ONLY, //        12 CTS
  RA_ONLY, //        13 ACK
  CF_END, //         14
  CF_END, //         15 CF-End + CF-Ack
];

const OFFSET_ADDRESS1 = 4;
const OFFSET_ADDRESS2 = 10;
const OFFSET_ADDRESS3 = 16;
const OFFSET_SEQUENCE_CONTROL = 22;
const OFFSET_ADDRESS4 = 24;
const OFFSET_WRAPPER_HT_CONTROL = 12;

/**
 * Address 2 of a management or data frame (its transmitter) read at its fixed offset, without a
 * full parse; null when the frame is too short to carry one. For control frames use parseFrame.
 */
export function readAddress2(frame: Buffer): MacAddress | null {
  return frame.length >= OFFSET_ADDRESS2 + MAC_LENGTH ? readMac(frame, OFFSET_ADDRESS2) : null;
}

/** Address 1 (the receiver) of any frame, at its fixed offset; null when the frame is too short. */
export function readAddress1(frame: Buffer): MacAddress | null {
  return frame.length >= OFFSET_ADDRESS1 + MAC_LENGTH ? readMac(frame, OFFSET_ADDRESS1) : null;
}

function tooShort(name: FrameSubtypeName, type: FrameType, needed: number, got: number) {
  return reject("too-short", `${type} ${name} frame needs ${needed} header bytes, got ${got}`);
}

/** The type field (FrameTypeCode) of frame control byte 0. */
export function frameTypeCode(fc0: number): number {
  return (fc0 >> 2) & 0x03;
}

/** Parses the MAC header of `frame` (no FCS). Never throws; never reads past `frame.length`. */
export function parseFrame(frame: Buffer): Result<FrameView, FrameReject> {
  const length = frame.length;
  if (length < 2) return reject("too-short", `${length} bytes, frame control needs 2`);
  const fc0 = frame[0];
  const flags = frame[1];
  const protocolVersion = fc0 & 0x03;
  if (protocolVersion !== 0)
    return reject("bad-version", `protocol version ${protocolVersion}, only 0 is parsed`);
  const typeCode = frameTypeCode(fc0);
  const subtype = fc0 >> 4;
  const type = FRAME_TYPES[typeCode];
  const subtypeName = SUBTYPE_NAMES[(typeCode << 4) | subtype];
  const toDs = (flags & FrameControlFlags.toDs) !== 0;
  const fromDs = (flags & FrameControlFlags.fromDs) !== 0;
  const order = (flags & FrameControlFlags.order) !== 0;

  let headerLength: number;
  let ra: MacAddress | null = null;
  let ta: MacAddress | null = null;
  let bssid: MacAddress | null = null;
  let sa: MacAddress | null = null;
  let da: MacAddress | null = null;
  let sequenceControl = -1;
  let qosControl: number | null = null;
  let htControl: number | null = null;

  if (typeCode === FrameTypeCode.control) {
    const layout = CONTROL_LAYOUTS[subtype];
    headerLength = layout.headerLength;
    if (length < headerLength) return tooShort(subtypeName, type, headerLength, length);
    ra = readMac(frame, OFFSET_ADDRESS1);
    if (layout.hasTa) ta = readMac(frame, OFFSET_ADDRESS2);
    if (layout.bssidAddress === 1) bssid = ra;
    else if (layout.bssidAddress === 2) bssid = ta;
    if (layout === CONTROL_WRAPPER) htControl = frame.readUInt32LE(OFFSET_WRAPPER_HT_CONTROL);
  } else if (typeCode === FrameTypeCode.extension) {
    // DMG and S1G beacons: the one address is the transmitter (BSSID or SA); the rest is body.
    headerLength = HeaderLength.extension;
    if (length < headerLength) return tooShort(subtypeName, type, headerLength, length);
    ta = readMac(frame, OFFSET_ADDRESS1);
  } else {
    const isData = typeCode === FrameTypeCode.data;
    const hasAddress4 = isData && toDs && fromDs;
    const hasQos = isData && (subtype & DATA_SUBTYPE_QOS) !== 0;
    // +HTC follows the order bit only where the standard reuses it for that: QoS data and management.
    const hasHtControl = order && (hasQos || !isData);
    headerLength =
      HeaderLength.threeAddress +
      (hasAddress4 ? HeaderLength.address4 : 0) +
      (hasQos ? HeaderLength.qosControl : 0) +
      (hasHtControl ? HeaderLength.htControl : 0);
    if (length < headerLength) return tooShort(subtypeName, type, headerLength, length);

    const address1 = readMac(frame, OFFSET_ADDRESS1);
    const address2 = readMac(frame, OFFSET_ADDRESS2);
    const address3 = readMac(frame, OFFSET_ADDRESS3);
    // QoS control, then HT control, follow sequence control (and address 4 when there is one).
    const afterAddresses = hasAddress4
      ? OFFSET_ADDRESS4 + HeaderLength.address4
      : OFFSET_SEQUENCE_CONTROL + 2;
    if (hasQos) qosControl = frame.readUInt16LE(afterAddresses);
    // An A-MSDU carries SA and DA in each subframe; the MAC header's spare addresses hold the BSSID.
    const isAmsdu =
      qosControl !== null && (subtype & DATA_SUBTYPE_NO_DATA) === 0 && (qosControl & QOS_AMSDU_PRESENT) !== 0;
    ra = address1;
    ta = address2;
    if (!isData || (!toDs && !fromDs)) {
      da = address1;
      sa = address2;
      bssid = address3;
    } else if (toDs && !fromDs) {
      bssid = address1;
      sa = address2;
      da = isAmsdu ? null : address3;
    } else if (fromDs && !toDs) {
      da = address1;
      bssid = address2;
      sa = isAmsdu ? null : address3;
    } else if (isAmsdu) {
      bssid = address3;
    } else {
      // WDS / mesh: four addresses and no BSSID.
      da = address3;
      sa = readMac(frame, OFFSET_ADDRESS4);
    }
    sequenceControl = frame.readUInt16LE(OFFSET_SEQUENCE_CONTROL);
    if (hasHtControl) htControl = frame.readUInt32LE(afterAddresses + (hasQos ? HeaderLength.qosControl : 0));
  }

  return ok({
    frameControl: fc0 | (flags << 8),
    protocolVersion,
    type,
    subtype,
    subtypeName,
    toDs,
    fromDs,
    moreFragments: (flags & FrameControlFlags.moreFragments) !== 0,
    retry: (flags & FrameControlFlags.retry) !== 0,
    powerMgmt: (flags & FrameControlFlags.powerMgmt) !== 0,
    moreData: (flags & FrameControlFlags.moreData) !== 0,
    protected: (flags & FrameControlFlags.protected) !== 0,
    order,
    duration: frame.readUInt16LE(2),
    ra,
    ta,
    bssid,
    sa,
    da,
    sequenceNumber: sequenceControl < 0 ? null : sequenceControl >> 4,
    fragmentNumber: sequenceControl < 0 ? null : sequenceControl & 0x0f,
    qosControl,
    htControl,
    headerLength,
    length,
  });
}
