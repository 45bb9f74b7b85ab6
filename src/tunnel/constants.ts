// Numbers of the wifi-tunnel UDP wire protocol v1 (docs/protocol.md, "# Tunnel protocol v1").
// Everything on the wire is big-endian (network byte order).

import { MAX_AIR_FRAME_BYTES } from "../medium/medium.js";

/** "WT": the first two bytes of every datagram; anything else is not ours. */
export const MAGIC = 0x5754;
export const PROTOCOL_VERSION = 1;

/** Byte offsets of the common header that starts every datagram. */
export const HeaderOffset = {
  magic: 0, // u16 "WT"
  version: 2, // u8
  type: 3, // u8, MessageType
  flags: 4, // u8, HeaderFlags
  nodeId: 5, // u32, configured per agent
  sessionId: 9, // u64, random per agent run
  sequence: 17, // u64, per (node id, session id), from 0, +1 per datagram
} as const;
export const HEADER_LENGTH = 25;

export const MessageType = {
  hello: 0x01,
  frame: 0x02,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/**
 * Bundle extension: several whole datagrams in one UDP datagram (docs/protocol.md, "BUNDLE"). Not a
 * MessageType: a bundle has no common header of its own, and decodeHeader refuses its type byte, so
 * a bundle can never sit inside another.
 */
export const BUNDLE_TYPE = 0x03;
/** Magic (2), version (1), type (1), flags (1, zero): then entries to the end. */
export const BUNDLE_HEADER_LENGTH = 5;
/** Each entry: the inner datagram's length (u16), then the datagram. */
export const BUNDLE_ENTRY_HEADER_LENGTH = 2;
/** The largest UDP payload over IPv4: no bundle is longer. */
export const MAX_BUNDLE_LENGTH = 65507;

/** HELLO capability bits: what the sender accepts beyond v1's base (ignore unknown bits). */
export const HelloCapability = {
  /** Send me BUNDLEs. */
  bundles: 0x0000_0001,
} as const;

export const HeaderFlags = {
  /** The body is ChaCha20-Poly1305 ciphertext followed by a 16-byte tag. */
  sealed: 0x01,
  /**
   * Handshake extension: a sealed FRAME under the pair key of its sender's and its receiver's
   * sessions (docs/protocol.md, "Pair keys"). Always together with `sealed`, only on FRAMEs.
   */
  paired: 0x02,
} as const;
/** Header flags change how the body is read, so a receiver rejects bits it does not know. */
export const KNOWN_HEADER_FLAGS = HeaderFlags.sealed | HeaderFlags.paired;

/** Byte offsets inside a HELLO body (after the header, before sealing). */
export const HelloOffset = {
  flags: 0, // u8, HelloFlags
  keepaliveIntervalMs: 1, // u16
  capabilities: 3, // u32, HelloCapability
  tlvs: 7, // TLVs to the end of the body
} as const;
export const HELLO_FIXED_LENGTH = 7;

export const HelloFlags = {
  /** "I have just started or just met you: send me your HELLO now rather than at your next interval." */
  replyRequested: 0x01,
} as const;

/** A HELLO TLV is type (u8), length of the value (u16), value. Unknown types are skipped. */
export const HelloTlvType = {
  /** UTF-8 node name, 1..MAX_NODE_NAME_BYTES bytes. */
  nodeName: 0x01,
  /** The sender's local radio MAC addresses, 6 bytes each. */
  radioMacs: 0x02,
  /** Handshake extension: the addressee's node id (u32) and session id (u64) as the sender last heard them. */
  heardSession: 0x03,
} as const;
export const HEARD_SESSION_TLV_LENGTH = 12;
export const HELLO_TLV_HEADER_LENGTH = 3;
export const MAX_NODE_NAME_BYTES = 64;

/** Byte offsets inside a FRAME body: the AirFrame metadata, then the 802.11 frame without FCS. */
export const FrameOffset = {
  freqMhz: 0, // u16
  rate500kbps: 2, // u8
  signalDbm: 3, // i8
  flags: 4, // u8, AirFrameFlags
  frame: 5,
} as const;
export const FRAME_METADATA_LENGTH = 5;
/** The largest frame a FRAME datagram carries: the medium's limit (src/medium/medium.ts). */
export const MAX_FRAME_BYTES = MAX_AIR_FRAME_BYTES;

/** Poly1305 tag appended to every sealed datagram. */
export const TAG_LENGTH = 16;

/** The largest datagram v1 can produce: a sealed FRAME carrying MAX_FRAME_BYTES. */
export const MAX_DATAGRAM_LENGTH = HEADER_LENGTH + FRAME_METADATA_LENGTH + MAX_FRAME_BYTES + TAG_LENGTH;

/** Every reason a datagram can be turned away; the receiver counts each one. */
export const TUNNEL_REJECT_REASONS = [
  "truncated",
  "oversize",
  "bad-magic",
  "bad-version",
  "unknown-type",
  "bad-field",
  "not-sealed",
  "sealed-but-no-key",
  "unauthenticated",
  "stale-session",
  "replayed",
  "too-old",
  /** A FRAME of a session no HELLO started (opened without any key derivation). */
  "unknown-session",
  /** Unsealed and more than a replay window ahead, not (yet) confirmed by a second datagram. */
  "too-far-ahead",
  /** A HELLO of a session whose key is not cached, while the budget of key derivations is spent. */
  "busy",
] as const;
export type TunnelReject = (typeof TUNNEL_REJECT_REASONS)[number];
