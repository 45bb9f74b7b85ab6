// The MAC80211_HWSIM generic netlink family's numbers, for both of its uses here: managing radios
// (radios.ts) and being the namespace's medium (medium-wire.ts). Read from
// drivers/net/wireless/mac80211_hwsim.h (6.1).

export const HWSIM_FAMILY = "MAC80211_HWSIM";
/** hwsim_genl_family.version. */
export const HWSIM_GENL_VERSION = 1;

/** enum hwsim_commands: the medium's (REGISTER, FRAME, TX_INFO_FRAME) and radio management's. */
export const HwsimCommand = {
  REGISTER: 1,
  FRAME: 2,
  TX_INFO_FRAME: 3,
  NEW_RADIO: 4,
  DEL_RADIO: 5,
  GET_RADIO: 6,
} as const;

/** enum hwsim_attrs: the ones the agent writes or reads. */
export const HwsimAttr = {
  ADDR_RECEIVER: 1,
  ADDR_TRANSMITTER: 2,
  FRAME: 3,
  FLAGS: 4,
  RX_RATE: 5,
  SIGNAL: 6,
  TX_INFO: 7,
  COOKIE: 8,
  CHANNELS: 9,
  RADIO_ID: 10,
  DESTROY_RADIO_ON_CLOSE: 16,
  RADIO_NAME: 17,
  NO_VIF: 18,
  FREQ: 19,
  TX_INFO_FLAGS: 21,
  PERM_ADDR: 22,
} as const;

/** HWSIM_ATTR_FLAGS bits (enum hwsim_tx_control_flags). */
export const HwsimTxFlags = { REQ_TX_STATUS: 0x1, NO_ACK: 0x2, STAT_ACK: 0x4 } as const;

/** MAC80211_HWSIM_TX_RC_* bits of HWSIM_ATTR_TX_INFO_FLAGS that say a rate is not a legacy one. */
export const HwsimRateFlags = { MCS: 1 << 3, VHT_MCS: 1 << 8 } as const;

/** IEEE80211_TX_MAX_RATES: HWSIM_ATTR_TX_INFO is this many {s8 idx, u8 count}. */
export const TX_RATE_SLOTS = 4;
export const TX_INFO_BYTES = TX_RATE_SLOTS * 2;
/** HWSIM_ATTR_TX_INFO_FLAGS: TX_RATE_SLOTS packed {s8 idx, u16 flags}. */
export const TX_INFO_FLAGS_SLOT = 3;
