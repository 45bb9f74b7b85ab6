// Optional authentication and encryption of tunnel datagrams with a pre-shared key.
//
// AEAD: ChaCha20-Poly1305 (RFC 8439; aead.ts: libsodium, or node:crypto). It is constant-time in plain software, and the
// agents run inside TCG-emulated VMs whose CPU model may lack AES-NI, where AES-GCM falls back to
// slow table code. Same choice as WireGuard.
//
// Nonce uniqueness without a handshake: each sender session gets its own traffic key,
//   traffic key = HKDF-SHA256(ikm = PSK, salt = "wifi-tunnel v1", info = "traffic key" || node id || session id)
// and the 64-bit sequence number, which never repeats within a session, is the nonce counter. A
// restarted agent draws a new random session id, hence a new key, so reusing the PSK never reuses a
// (key, nonce) pair. The cleartext header is the AAD: any change to it fails authentication.

import { hkdfSync } from "node:crypto";
import { ok, type Result, reject } from "../result.js";
import { aead } from "./aead.js";
import { HEADER_LENGTH, HeaderFlags, HeaderOffset, TAG_LENGTH } from "./constants.js";
import type { SessionRef } from "./hello.js";

/** A 32-byte ChaCha20-Poly1305 key (a traffic or pair key, from HKDF). */
export type AeadKey = Buffer;
export const TRAFFIC_KEY_SALT = "wifi-tunnel v1";
export const TRAFFIC_KEY_LABEL = "traffic key";
export const TRAFFIC_KEY_BYTES = 32;
export const NONCE_BYTES = 12;

export type OpenReject = "truncated" | "unauthenticated";

/** The HKDF info: label, then node id (u32 BE) and session id (u64 BE) exactly as in the header. */
function trafficKeyInfo(nodeId: number, sessionId: bigint): Buffer {
  const label = Buffer.from(TRAFFIC_KEY_LABEL, "ascii");
  const info = Buffer.alloc(label.length + 4 + 8);
  label.copy(info, 0);
  info.writeUInt32BE(nodeId, label.length);
  info.writeBigUInt64BE(sessionId, label.length + 4);
  return info;
}

/** The 32-byte traffic key of one sender session. */
export function deriveTrafficKey(psk: Buffer, nodeId: number, sessionId: bigint): AeadKey {
  const salt = Buffer.from(TRAFFIC_KEY_SALT, "ascii");
  return Buffer.from(hkdfSync("sha256", psk, salt, trafficKeyInfo(nodeId, sessionId), TRAFFIC_KEY_BYTES));
}

/**
 * Traffic keys of recently seen sender sessions, so a receiver runs HKDF once per session rather than
 * per datagram. Bounded: past `capacity` sessions the oldest entry goes (it is re-derived if it
 * ever sends again), so a flood of invented session ids cannot grow memory.
 */
export class TrafficKeyCache {
  private readonly keys = new Map<string, AeadKey>();

  constructor(
    private readonly psk: Buffer,
    private readonly capacity = 1024,
  ) {}

  get(nodeId: number, sessionId: bigint): AeadKey {
    const cached = this.peek(nodeId, sessionId);
    if (cached !== undefined) return cached;
    const key = this.derive(nodeId, sessionId);
    this.put(nodeId, sessionId, key);
    return key;
  }

  /** The cached key, without deriving one. */
  peek(nodeId: number, sessionId: bigint): AeadKey | undefined {
    return this.keys.get(`${nodeId}:${sessionId}`);
  }

  /** A fresh derivation, not cached (a receiver caches only keys that opened something). */
  derive(nodeId: number, sessionId: bigint): AeadKey {
    return deriveTrafficKey(this.psk, nodeId, sessionId);
  }

  put(nodeId: number, sessionId: bigint, key: AeadKey): void {
    if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(`${nodeId}:${sessionId}`, key);
  }

  get size(): number {
    return this.keys.size;
  }
}

export const PAIR_KEY_LABEL = "pair key";

/**
 * Handshake extension: the key of FRAMEs from one sender session to one receiver session,
 *   HKDF-SHA256(ikm = PSK, salt = "wifi-tunnel v1",
 *               info = "pair key" || sender node id || sender session id || receiver node id || receiver session id)
 * A receiver that restarted has a new session id, so nothing sealed for its earlier run opens.
 */
export function derivePairKey(psk: Buffer, sender: SessionRef, receiver: SessionRef): AeadKey {
  const label = Buffer.from(PAIR_KEY_LABEL, "ascii");
  const info = Buffer.alloc(label.length + 24);
  label.copy(info, 0);
  info.writeUInt32BE(sender.nodeId, label.length);
  info.writeBigUInt64BE(sender.sessionId, label.length + 4);
  info.writeUInt32BE(receiver.nodeId, label.length + 12);
  info.writeBigUInt64BE(receiver.sessionId, label.length + 16);
  const salt = Buffer.from(TRAFFIC_KEY_SALT, "ascii");
  return Buffer.from(hkdfSync("sha256", psk, salt, info, TRAFFIC_KEY_BYTES));
}

/** 4 zero bytes, then the sequence number as u64 BE (for documentation and tests). */
export function aeadNonce(sequence: bigint): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(sequence, NONCE_BYTES - 8);
  return nonce;
}

// Both AEADs read the nonce during the call, so one scratch nonce serves every call; its first 4 bytes stay zero.
const scratchNonce = Buffer.alloc(NONCE_BYTES);

/** The nonce of a datagram, copied from the sequence bytes of its header (no bigint on the hot path). */
function nonceOf(datagram: Buffer): Buffer {
  datagram.copy(scratchNonce, NONCE_BYTES - 8, HeaderOffset.sequence, HeaderOffset.sequence + 8);
  return scratchNonce;
}

/**
 * Seals, in place, a datagram laid out as header || body || 16 spare bytes (encodeMessage with
 * TAG_LENGTH bytes of room): sets the sealed flag, encrypts the body with the flagged header as AAD
 * and writes the tag into the spare bytes. Sealing in place saves the sender a frame-sized copy.
 */
export function sealInPlace(datagram: Buffer, key: AeadKey): void {
  datagram[HeaderOffset.flags] |= HeaderFlags.sealed;
  aead().sealInPlace(datagram, HEADER_LENGTH, datagram.length - TAG_LENGTH, nonceOf(datagram), key);
}

/** Seals a copy of an unsealed datagram: header (sealed flag set) || ciphertext || tag. */
export function sealDatagram(unsealed: Buffer, key: AeadKey): Buffer {
  const sealed = Buffer.allocUnsafe(unsealed.length + TAG_LENGTH);
  unsealed.copy(sealed, 0);
  sealInPlace(sealed, key);
  return sealed;
}

/**
 * Authenticates and decrypts a sealed datagram whose header has been checked; returns the plaintext
 * body. A wrong key, a forged tag and a tampered header or body all read "unauthenticated". Never throws.
 */
export function openSealedBody(datagram: Buffer, key: AeadKey): Result<Buffer, OpenReject> {
  if (datagram.length < HEADER_LENGTH + TAG_LENGTH) {
    return reject(
      "truncated",
      `${datagram.length}-byte sealed datagram, header and tag alone are ${HEADER_LENGTH + TAG_LENGTH}`,
    );
  }
  const body = aead().open(datagram, HEADER_LENGTH, datagram.length - TAG_LENGTH, nonceOf(datagram), key);
  if (body === null)
    return reject("unauthenticated", "authentication tag does not match (wrong key, forged or altered)");
  return ok(body);
}
