// Codec for one airport message: the 4-byte header and, for Wi-Fi frames, the raw 802.11 bytes after
// it. Pure functions over Buffers. Where one message ends is the stream reader's business
// (stream.ts): this module is handed exactly one message.

import { ok, type Result, reject } from "../result.js";
import { AIRPORT_HEADER_BYTES, AirportFrameLimits, AirportMode, HeaderOffset } from "./constants.js";

export interface AirportHeader {
  readonly mode: number;
  readonly hubId: number;
  readonly portId: number;
}

export type AirportMessage =
  /** Mode 0 both ways: the client's port request (port 0) and the server's answer (port id, or -1). */
  | { readonly kind: "port"; readonly hubId: number; readonly portId: number }
  /** Mode 1: a frame, tagged with the hub and the port that sent it. */
  | { readonly kind: "frame"; readonly hubId: number; readonly portId: number; readonly frame: Buffer };

/** Why decodeMessage() refuses a message. */
export const AIRPORT_MESSAGE_REASONS = [
  "truncated-header",
  "unknown-mode",
  "port-message-with-payload",
  "frame-too-short",
  "frame-too-long",
  "oversize",
] as const;
export type AirportMessageReason = (typeof AIRPORT_MESSAGE_REASONS)[number];

export type FrameLengthReason = "frame-too-short" | "frame-too-long";

/** Reads the header at `offset`; the caller guarantees 4 bytes are there. */
export function readHeader(bytes: Buffer, offset = 0): AirportHeader {
  return {
    mode: bytes.readInt8(offset + HeaderOffset.mode),
    hubId: bytes.readInt8(offset + HeaderOffset.hubId),
    portId: bytes.readInt16LE(offset + HeaderOffset.portId),
  };
}

export function writeHeader(header: AirportHeader, bytes: Buffer, offset = 0): void {
  bytes.writeInt8(header.mode, offset + HeaderOffset.mode);
  bytes.writeInt8(header.hubId, offset + HeaderOffset.hubId);
  bytes.writeInt16LE(header.portId, offset + HeaderOffset.portId);
}

export function encodingLength(message: AirportMessage): number {
  return AIRPORT_HEADER_BYTES + (message.kind === "frame" ? message.frame.length : 0);
}

/** Encodes one message. Hub and port ids must fit their int8/int16 fields (Buffer throws otherwise). */
export function encodeMessage(message: AirportMessage): Buffer {
  const bytes = Buffer.allocUnsafe(encodingLength(message));
  const mode = message.kind === "frame" ? AirportMode.wifiFrame : AirportMode.portRequest;
  writeHeader({ mode, hubId: message.hubId, portId: message.portId }, bytes);
  if (message.kind === "frame") message.frame.copy(bytes, AIRPORT_HEADER_BYTES);
  return bytes;
}

/** What QEMU sends right after connecting: {0, hub, 0}. */
export function encodePortRequest(hubId: number): Buffer {
  return encodeMessage({ kind: "port", hubId, portId: 0 });
}

/** The server's answer: the request echoed with the port id filled in (-1 refuses). */
export function encodePortAnswer(hubId: number, portId: number): Buffer {
  return encodeMessage({ kind: "port", hubId, portId });
}

export function encodeFrameMessage(hubId: number, portId: number, frame: Buffer): Buffer {
  return encodeMessage({ kind: "frame", hubId, portId, frame });
}

/**
 * Whether a guest can receive a frame of this length: its driver drops anything shorter than a
 * 4-address MAC header and QEMU drops anything longer than the guest's receive buffer.
 */
export function checkFrameLength(length: number): Result<number, FrameLengthReason> {
  if (length < AirportFrameLimits.minReceived) {
    return reject(
      "frame-too-short",
      `${length}-byte frame: a virtio-mac80211 guest drops frames under ${AirportFrameLimits.minReceived} bytes`,
    );
  }
  if (length > AirportFrameLimits.maxReceived) {
    return reject(
      "frame-too-long",
      `${length}-byte frame: a virtio-mac80211 guest receives at most ${AirportFrameLimits.maxReceived} bytes`,
    );
  }
  return ok(length);
}

/**
 * Decodes exactly one message. A frame message decodes only if its frame obeys checkFrameLength:
 * relaying a frame that no guest can take would only hide the problem.
 * The returned frame is a view into `bytes`.
 */
export function decodeMessage(bytes: Buffer): Result<AirportMessage, AirportMessageReason> {
  if (bytes.length < AIRPORT_HEADER_BYTES) {
    return reject("truncated-header", `${bytes.length} bytes, a header needs ${AIRPORT_HEADER_BYTES}`);
  }
  const header = readHeader(bytes);
  if (header.mode === AirportMode.portRequest) {
    if (bytes.length !== AIRPORT_HEADER_BYTES) {
      return reject(
        "port-message-with-payload",
        `port message carries ${bytes.length - AIRPORT_HEADER_BYTES} bytes after its header`,
      );
    }
    return ok({ kind: "port", hubId: header.hubId, portId: header.portId });
  }
  if (header.mode !== AirportMode.wifiFrame) {
    return reject("unknown-mode", `mode ${header.mode} is neither 0 (port request) nor 1 (Wi-Fi frame)`);
  }
  const frameLength = bytes.length - AIRPORT_HEADER_BYTES;
  if (frameLength > AirportFrameLimits.maxOnWire) {
    return reject(
      "oversize",
      `${frameLength} frame bytes, more than the ${AirportFrameLimits.maxOnWire} any airport peer reads at once`,
    );
  }
  const length = checkFrameLength(frameLength);
  if (!length.ok) return length;
  return ok({
    kind: "frame",
    hubId: header.hubId,
    portId: header.portId,
    frame: bytes.subarray(AIRPORT_HEADER_BYTES),
  });
}
