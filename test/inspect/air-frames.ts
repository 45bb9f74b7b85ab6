// 802.11 frames and hwsim0-style radiotap records laid out byte by byte for the inspect tests: a
// short association and data exchange plus control frames, each with the values a test expects back.

/** Addresses as text, the way inspect prints them. */
export const AP = "02:00:00:00:00:00";
export const STA = "02:00:00:00:01:00";
export const BROADCAST = "ff:ff:ff:ff:ff:ff";
export const PEER = "02:00:00:00:02:00";

function mac(text: string): Buffer {
  return Buffer.from(text.replaceAll(":", ""), "hex");
}

function frameControl(type: number, subtype: number, flags = 0): Buffer {
  return Buffer.from([(subtype << 4) | (type << 2), flags]);
}

const DURATION = Buffer.from([0x3a, 0x01]);

function sequenceControl(seq: number, frag = 0): Buffer {
  const field = Buffer.alloc(2);
  field.writeUInt16LE((seq << 4) | frag);
  return field;
}

export interface AirFrame {
  readonly bytes: Buffer;
  /** What inspect should report for it. */
  readonly name: string;
  readonly ta: string | null;
  readonly ra: string;
  readonly bssid: string | null;
  readonly seq: number | null;
  readonly protected: boolean;
}

function managementFrame(
  subtype: number,
  name: string,
  da: string,
  sa: string,
  bssid: string,
  seq: number,
  body: Buffer,
): AirFrame {
  return {
    bytes: Buffer.concat([
      frameControl(0, subtype),
      DURATION,
      mac(da),
      mac(sa),
      mac(bssid),
      sequenceControl(seq),
      body,
    ]),
    name,
    ta: sa,
    ra: da,
    bssid,
    seq,
    protected: false,
  };
}

const SSID_ELEMENT = Buffer.concat([Buffer.from([0, 6]), Buffer.from("tunnel")]);
const RATES_ELEMENT = Buffer.from([1, 4, 0x82, 0x84, 0x8b, 0x96]);
const BEACON_FIXED = Buffer.from("0000000000000000" + "6400" + "1104", "hex"); // timestamp, interval, capabilities

/** A plausible exchange between AP and STA, in air order. */
export function associationExchange(): AirFrame[] {
  return [
    managementFrame(
      8,
      "beacon",
      BROADCAST,
      AP,
      AP,
      1,
      Buffer.concat([BEACON_FIXED, SSID_ELEMENT, RATES_ELEMENT]),
    ),
    managementFrame(
      4,
      "probe-req",
      BROADCAST,
      STA,
      BROADCAST,
      7,
      Buffer.concat([SSID_ELEMENT, RATES_ELEMENT]),
    ),
    managementFrame(
      5,
      "probe-resp",
      STA,
      AP,
      AP,
      2,
      Buffer.concat([BEACON_FIXED, SSID_ELEMENT, RATES_ELEMENT]),
    ),
    ack(AP),
    managementFrame(11, "auth", AP, STA, AP, 8, Buffer.from("000001000000", "hex")),
    ack(STA),
    managementFrame(11, "auth", STA, AP, AP, 3, Buffer.from("000002000000", "hex")),
    managementFrame(
      0,
      "assoc-req",
      AP,
      STA,
      AP,
      9,
      Buffer.concat([Buffer.from("11040a00", "hex"), SSID_ELEMENT]),
    ),
    managementFrame(
      1,
      "assoc-resp",
      STA,
      AP,
      AP,
      4,
      Buffer.concat([Buffer.from("110400000" + "1c0", "hex"), RATES_ELEMENT]),
    ),
    {
      bytes: Buffer.concat([frameControl(1, 11), DURATION, mac(AP), mac(STA)]),
      name: "rts",
      ta: STA,
      ra: AP,
      bssid: null,
      seq: null,
      protected: false,
    },
    {
      bytes: Buffer.concat([frameControl(1, 12), DURATION, mac(STA)]),
      name: "cts",
      ta: null,
      ra: STA,
      bssid: null,
      seq: null,
      protected: false,
    },
    // QoS data STA -> AP (ToDS), protected: CCMP header and ciphertext are opaque body bytes.
    {
      bytes: Buffer.concat([
        frameControl(2, 8, 0x01 | 0x40),
        DURATION,
        mac(AP),
        mac(STA),
        mac(PEER),
        sequenceControl(0),
        Buffer.from([0x06, 0x00]), // QoS control: TID 6
        Buffer.alloc(8 + 40 + 8, 0x5a),
      ]),
      name: "qos-data",
      ta: STA,
      ra: AP,
      bssid: AP,
      seq: 0,
      protected: true,
    },
    ack(STA),
    // Plain data AP -> STA (FromDS), unprotected, with an LLC/SNAP header.
    {
      bytes: Buffer.concat([
        frameControl(2, 0, 0x02),
        DURATION,
        mac(STA),
        mac(AP),
        mac(PEER),
        sequenceControl(4095, 1),
        Buffer.from("aaaa030000000800450000140000000040110000", "hex"),
      ]),
      name: "data",
      ta: AP,
      ra: STA,
      bssid: AP,
      seq: 4095,
      protected: false,
    },
    {
      bytes: Buffer.concat([
        frameControl(2, 4, 0x01 | 0x10),
        DURATION,
        mac(AP),
        mac(STA),
        mac(AP),
        sequenceControl(10),
      ]),
      name: "null",
      ta: STA,
      ra: AP,
      bssid: AP,
      seq: 10,
      protected: false,
    },
    {
      bytes: Buffer.concat([
        frameControl(1, 9),
        DURATION,
        mac(STA),
        mac(AP),
        Buffer.from("0500" + "1000" + "ffffffffffffffff", "hex"),
      ]),
      name: "block-ack",
      ta: AP,
      ra: STA,
      bssid: null,
      seq: null,
      protected: false,
    },
    managementFrame(13, "action", STA, AP, AP, 5, Buffer.from("0301001002", "hex")),
    managementFrame(12, "deauth", BROADCAST, AP, AP, 6, Buffer.from("0300", "hex")),
  ];
}

function ack(receiver: string): AirFrame {
  return {
    bytes: Buffer.concat([frameControl(1, 13), DURATION, mac(receiver)]),
    name: "ack",
    ta: null,
    ra: receiver,
    bssid: null,
    seq: null,
    protected: false,
  };
}

/**
 * The 22-byte radiotap header mac80211_hwsim puts on hwsim0 frames: TSFT, Flags, Rate, Channel
 * (present word 0x0000000f), flags 0 and no FCS.
 */
export function hwsimRadiotap(freqMhz: number, tsft = 0n, rate500kbps = 2): Buffer {
  const header = Buffer.alloc(22);
  header[0] = 0; // version
  header.writeUInt16LE(22, 2);
  header.writeUInt32LE(0x0000000f, 4);
  header.writeBigUInt64LE(tsft, 8);
  header[16] = 0; // flags
  header[17] = rate500kbps;
  header.writeUInt16LE(freqMhz, 18);
  header.writeUInt16LE(0x00a0, 20); // channel flags: 2 GHz, CCK (hwsim always says 2 GHz)
  return header;
}

/** The 14-byte header hwsim0 puts on its synthetic ACK records: Flags, a pad byte, Channel (present 0x0000000a). */
export function hwsimAckRadiotap(freqMhz: number): Buffer {
  const header = Buffer.alloc(14);
  header.writeUInt16LE(14, 2);
  header.writeUInt32LE(0x0000000a, 4);
  header.writeUInt16LE(freqMhz, 10);
  header.writeUInt16LE(0x00a0, 12);
  return header;
}
