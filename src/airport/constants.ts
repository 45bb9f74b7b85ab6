// The virtio-mac80211 "airport" protocol: what QEMU's airport netdev (qemu/net/airport.c) and the
// wifi-medium server (wifimedium/wifimedium.c) of github.com/ra7narajm/virtio-mac80211 put on their
// AF_UNIX stream socket. Every number here was read from those two files; docs/protocol.md says where.

/**
 * Every message starts with this C struct, copied raw in host byte order (little-endian on x86):
 *   int8 mode | int8 hub id | int16 port id
 * There is no length field: a message is whatever one send() carried.
 */
export const AIRPORT_HEADER_BYTES = 4;

export const HeaderOffset = {
  mode: 0,
  hubId: 1,
  portId: 2,
} as const;

export const AirportMode = {
  /** Client → server: "give me a port"; server → client: the answer, port id or -1. */
  portRequest: 0,
  /** An 802.11 frame follows the header (no FCS, no radio metadata). */
  wifiFrame: 1,
} as const;

/** The port id of a refusal answer (wrong hub id, or the hub is full). */
export const REFUSED_PORT_ID = -1;

/**
 * The port id wifi-tunnel writes on frames it injects into a hub it serves (frames from the tunnel).
 * Not a port any guest can hold; QEMU ignores the port id of frames it receives.
 */
export const MEDIUM_PORT_ID = -1;

/** wifimedium.c has a fixed table of 8 ports; port ids are the table slots 0..7. */
export const AIRPORT_MAX_PORTS = 8;

/** The hub id the reference wifi-medium server hard-codes (its -i option is not implemented). */
export const REFERENCE_HUB_ID = 20;

/** Frame-length rules, in bytes of 802.11 frame (MAC header onwards, no FCS). */
export const AirportFrameLimits = {
  /** The guest driver refuses to transmit anything shorter (WARN_ON(skb->len < 10)): an ACK or CTS. */
  minTransmitted: 10,
  /** The guest driver drops received frames shorter than struct ieee80211_hdr (4-address header). */
  minReceived: 30,
  /** The guest's receive buffers hold IEEE80211_MAX_RTS_THRESHOLD bytes; QEMU drops longer frames. */
  maxReceived: 2353,
  /** QEMU's and wifi-medium's message buffers: 4-byte header + 4096 frame bytes, read with one recv(). */
  maxOnWire: 4096,
} as const;

/** The longest message any implementation reads in one recv(): sizeof(wifi_iov). */
export const AIRPORT_MAX_MESSAGE_BYTES = AIRPORT_HEADER_BYTES + AirportFrameLimits.maxOnWire;

/**
 * QEMU truncates its int32 `termid` option into the int8 hub id of the header; termid=200 becomes -56.
 * Mirror that so a hub configured with the same number as QEMU's termid meets it.
 */
export function hubIdFromTermid(termid: number): number {
  return (termid << 24) >> 24;
}

export function isHubId(value: number): boolean {
  return Number.isInteger(value) && value >= -128 && value <= 127;
}

/**
 * Both C programs build the path with sprintf("/tmp/wifimedium_data.%u.sock", hubid): the int8 is
 * promoted to int and printed as unsigned, so hub 20 → ".20.sock" but hub -56 → ".4294967240.sock".
 */
export function airportSocketPath(hubId: number): string {
  const printedUnsigned = hubId >= 0 ? hubId : hubId + 2 ** 32;
  return `/tmp/wifimedium_data.${printedUnsigned}.sock`;
}

/** What a hub's guests are assumed to use: airport frames carry no channel, rate or signal. */
export interface AirportRadio {
  /** Centre frequency in MHz that every guest of the hub is assumed to use. */
  readonly freqMhz: number;
  /** Signal in dBm reported for frames from this hub. */
  readonly signalDbm: number;
  /** Legacy rate in units of 500 kbit/s reported for frames from this hub. */
  readonly rate500kbps: number;
}

/** The one statement of the airport defaults; the command line's --airport-* defaults are these. */
export const DEFAULT_AIRPORT_RADIO: AirportRadio = {
  // Channel 6: the usual default of hostapd configs and one of the guest driver's 2.4 GHz channels.
  freqMhz: 2437,
  // What mac80211_hwsim reports for a radio at its default 20 dBm: -50 + txpower.
  signalDbm: -30,
  // 1 Mbit/s: the DSSS rate every 2.4 GHz receiver decodes.
  rate500kbps: 2,
};
