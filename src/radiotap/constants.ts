// Radiotap numbers from radiotap.org (defined fields, plus the suggested fields that Linux, Wireshark
// and tcpdump agree on). All multi-byte radiotap values are little-endian.

/** The only radiotap version there is; anything else is not radiotap we can read. */
export const RADIOTAP_VERSION = 0;

/** it_version, it_pad, it_len, it_present: the fixed part every radiotap header starts with. */
export const RADIOTAP_FIXED_HEADER_LENGTH = 8;

/** Bit numbers in an it_present word of the radiotap namespace. */
export const RadiotapPresent = {
  tsft: 0,
  flags: 1,
  rate: 2,
  channel: 3,
  fhss: 4,
  dbmAntennaSignal: 5,
  dbmAntennaNoise: 6,
  lockQuality: 7,
  txAttenuation: 8,
  dbTxAttenuation: 9,
  dbmTxPower: 10,
  antenna: 11,
  dbAntennaSignal: 12,
  dbAntennaNoise: 13,
  rxFlags: 14,
  txFlags: 15,
  rtsRetries: 16,
  dataRetries: 17,
  xChannel: 18,
  mcs: 19,
  ampduStatus: 20,
  vht: 21,
  timestamp: 22,
  he: 23,
  heMu: 24,
  heMuOtherUser: 25,
  zeroLengthPsdu: 26,
  lSig: 27,
  /** The rest of the header is a TLV list (fields numbered 32 and up live only there). */
  tlv: 28,
  /** Valid in every word: the next present word starts again at bit 0 of the radiotap namespace. */
  radiotapNamespace: 29,
  /** Valid in every word: the next present word belongs to the vendor namespace announced here. */
  vendorNamespace: 30,
  /** Valid in every word: another present word follows. */
  ext: 31,
} as const;

/** The Flags field (bit 1). */
export const RadiotapFlags = {
  cfp: 0x01,
  shortPreamble: 0x02,
  wep: 0x04,
  fragmentation: 0x08,
  /** The 802.11 frame ends with its 4-byte FCS. */
  fcsAtEnd: 0x10,
  /** Padding between the 802.11 header and the body, to a 32-bit boundary. */
  dataPad: 0x20,
  badFcs: 0x40,
  shortGuardInterval: 0x80,
} as const;

/** The TX flags field (bit 15). */
export const RadiotapTxFlags = {
  failed: 0x0001,
  ctsToSelf: 0x0002,
  rtsCts: 0x0004,
  /** Do not wait for an ACK and do not retry: the injected frame goes out exactly once. */
  noAck: 0x0008,
  /** Keep the sequence number the frame already carries. */
  noSequenceNumber: 0x0010,
  /** Do not reorder relative to other frames with this flag. */
  noReorder: 0x0020,
} as const;

/** The RX flags field (bit 14). */
export const RadiotapRxFlags = {
  badPlcp: 0x0002,
} as const;

/** Flags half of the Channel field (bit 3). */
export const RadiotapChannelFlags = {
  turbo: 0x0010,
  cck: 0x0020,
  ofdm: 0x0040,
  band2Ghz: 0x0080,
  band5Ghz: 0x0100,
  passive: 0x0200,
  dynamicCckOfdm: 0x0400,
  gfsk: 0x0800,
} as const;

/** Vendor namespace field: u8 OUI[3], u8 sub_namespace, u16 skip_length, 2-byte aligned. */
export const VENDOR_NAMESPACE_ALIGN = 2;
export const VENDOR_NAMESPACE_HEADER_LENGTH = 6;
