// Tunnel message codec: the common header that starts every datagram, and the dispatch from the
// header's type byte to the body codecs (hello.ts, air-frame.ts). This module knows nothing about
// keys: sealing and opening live in seal.ts, the receive order of checks in receiver.ts.

import type { AirFrame } from "../medium/medium.js";
import { ok, type Result, reject } from "../result.js";
import { airFrameEncodingLength, decodeAirFrame, encodeAirFrame } from "./air-frame.js";
import {
  HEADER_LENGTH,
  HeaderFlags,
  HeaderOffset,
  KNOWN_HEADER_FLAGS,
  MAGIC,
  MAX_DATAGRAM_LENGTH,
  MessageType,
  type MessageTypeCode,
  PROTOCOL_VERSION,
  type TunnelReject,
} from "./constants.js";
import { decodeHello, encodeHello, type Hello, helloEncodingLength } from "./hello.js";

/** Who sent a datagram and where it sits in that sender's stream. */
export interface MessageOrigin {
  /** Configured per agent (u32). */
  readonly nodeId: number;
  /** Random per agent run (u64): a new value means the peer restarted. */
  readonly sessionId: bigint;
  /** Per (node id, session id), from 0, +1 per datagram (u64). */
  readonly sequence: bigint;
}

export interface TunnelHeader extends MessageOrigin {
  readonly type: MessageTypeCode;
  readonly sealed: boolean;
  /** Sealed under the pair key (handshake extension): sealed FRAMEs only. */
  readonly paired?: boolean;
}

export type TunnelMessage =
  | { readonly type: "hello"; readonly origin: MessageOrigin; readonly hello: Hello }
  | { readonly type: "frame"; readonly origin: MessageOrigin; readonly air: AirFrame };

export type HeaderReject = Extract<
  TunnelReject,
  "truncated" | "oversize" | "bad-magic" | "bad-version" | "unknown-type" | "bad-field"
>;
export type BodyReject = Extract<TunnelReject, "truncated" | "oversize" | "bad-field">;

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(MessageType));

/** Writes the common header at the start of `buf`. */
export function encodeHeader(header: TunnelHeader, buf: Buffer): void {
  buf.writeUInt16BE(MAGIC, HeaderOffset.magic);
  buf[HeaderOffset.version] = PROTOCOL_VERSION;
  buf[HeaderOffset.type] = header.type;
  buf[HeaderOffset.flags] =
    (header.sealed ? HeaderFlags.sealed : 0) | (header.paired ? HeaderFlags.paired : 0);
  buf.writeUInt32BE(header.nodeId, HeaderOffset.nodeId);
  buf.writeBigUInt64BE(header.sessionId, HeaderOffset.sessionId);
  buf.writeBigUInt64BE(header.sequence, HeaderOffset.sequence);
}

/**
 * Reads and checks the common header of a datagram. Magic and version are judged first, so foreign
 * traffic reads "bad-magic" and a later version "bad-version" whatever their length. Never throws.
 */
export function decodeHeader(datagram: Buffer): Result<TunnelHeader, HeaderReject> {
  if (datagram.length >= 2 && datagram.readUInt16BE(HeaderOffset.magic) !== MAGIC) {
    return reject(
      "bad-magic",
      `starts 0x${datagram.readUInt16BE(0).toString(16).padStart(4, "0")}, not "WT"`,
    );
  }
  if (datagram.length > HeaderOffset.version && datagram[HeaderOffset.version] !== PROTOCOL_VERSION) {
    return reject(
      "bad-version",
      `version ${datagram[HeaderOffset.version]}, this receiver speaks ${PROTOCOL_VERSION}`,
    );
  }
  if (datagram.length < HEADER_LENGTH) {
    return reject("truncated", `${datagram.length} bytes, the header alone is ${HEADER_LENGTH}`);
  }
  if (datagram.length > MAX_DATAGRAM_LENGTH) {
    return reject("oversize", `${datagram.length} bytes, v1 datagrams are at most ${MAX_DATAGRAM_LENGTH}`);
  }
  const type = datagram[HeaderOffset.type];
  if (!KNOWN_TYPES.has(type)) return reject("unknown-type", `message type 0x${type.toString(16)}`);
  const flags = datagram[HeaderOffset.flags];
  if ((flags & ~KNOWN_HEADER_FLAGS) !== 0) {
    return reject("bad-field", `header flags 0x${flags.toString(16)} include bits v1 does not define`);
  }
  const paired = (flags & HeaderFlags.paired) !== 0;
  if (paired && ((flags & HeaderFlags.sealed) === 0 || type !== MessageType.frame)) {
    return reject("bad-field", "the paired flag belongs on sealed FRAMEs only");
  }
  return ok({
    type: type as MessageTypeCode,
    sealed: (flags & HeaderFlags.sealed) !== 0,
    ...(paired ? { paired } : {}),
    nodeId: datagram.readUInt32BE(HeaderOffset.nodeId),
    sessionId: datagram.readBigUInt64BE(HeaderOffset.sessionId),
    sequence: datagram.readBigUInt64BE(HeaderOffset.sequence),
  });
}

function typeCodeOf(message: TunnelMessage): MessageTypeCode {
  return message.type === "hello" ? MessageType.hello : MessageType.frame;
}

function bodyEncodingLength(message: TunnelMessage): number {
  return message.type === "hello" ? helloEncodingLength(message.hello) : airFrameEncodingLength(message.air);
}

/** Length of the unsealed datagram; a sealed one is TAG_LENGTH longer. */
export function encodingLength(message: TunnelMessage): number {
  return HEADER_LENGTH + bodyEncodingLength(message);
}

/**
 * Encodes an unsealed datagram. `trailingRoom` bytes are left after the body, uninitialised, for
 * sealInPlace to write the tag into. Throws RangeError on field values the wire cannot carry; the
 * sender checks frames from the air first (airFrameEncodingProblem).
 */
export function encodeMessage(message: TunnelMessage, trailingRoom = 0): Buffer {
  const datagram = Buffer.allocUnsafe(encodingLength(message) + trailingRoom);
  const { nodeId, sessionId, sequence } = message.origin;
  encodeHeader({ type: typeCodeOf(message), sealed: false, nodeId, sessionId, sequence }, datagram);
  if (message.type === "hello") encodeHello(message.hello, datagram, HEADER_LENGTH);
  else encodeAirFrame(message.air, datagram, HEADER_LENGTH);
  return datagram;
}

/** Decodes the plaintext body behind a checked header. Views into `body` may appear in the result. */
export function decodeBody(header: TunnelHeader, body: Buffer): Result<TunnelMessage, BodyReject> {
  const origin: MessageOrigin = {
    nodeId: header.nodeId,
    sessionId: header.sessionId,
    sequence: header.sequence,
  };
  switch (header.type) {
    case MessageType.hello: {
      const hello = decodeHello(body);
      return hello.ok ? ok({ type: "hello", origin, hello: hello.value }) : hello;
    }
    case MessageType.frame: {
      const air = decodeAirFrame(body);
      return air.ok ? ok({ type: "frame", origin, air: air.value }) : air;
    }
  }
}

/**
 * Decodes an unsealed datagram without any replay or session bookkeeping (TunnelReceiver adds those,
 * and opens sealed ones). A sealed datagram is "sealed-but-no-key". Never throws.
 */
export function decodeMessage(datagram: Buffer): Result<TunnelMessage, TunnelReject> {
  const header = decodeHeader(datagram);
  if (!header.ok) return header;
  if (header.value.sealed)
    return reject("sealed-but-no-key", "sealed datagram and no pre-shared key to open it");
  return decodeBody(header.value, datagram.subarray(HEADER_LENGTH));
}
