// The pre-shared key file: 32 random bytes as base64 on one line, as `wg genpsk` writes them. Every
// agent of one tunnel holds the same file; traffic keys are derived from it per sender session.

import { createHash, randomBytes } from "node:crypto";
import { ok, type Result, reject } from "../result.js";

export const PRESHARED_KEY_BYTES = 32;

export type PresharedKeyReject = "empty" | "not-one-line" | "not-base64" | "wrong-length";

/** 32 bytes are exactly 44 base64 characters, the last one padding. */
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

/** Parses the contents of a key file; surrounding whitespace (the final newline) is allowed. */
export function parsePresharedKey(text: string): Result<Buffer, PresharedKeyReject> {
  const line = text.trim();
  if (line === "") return reject("empty", "the key file is empty");
  if (/\s/.test(line)) return reject("not-one-line", "want one base64 line, found whitespace inside");
  if (!BASE64_32_BYTES.test(line)) {
    // Say "wrong length" when it is base64 at all, since that is the likelier mistake (a truncated paste).
    return /^[A-Za-z0-9+/]+={0,2}$/.test(line)
      ? reject("wrong-length", `${line.length} base64 characters, a ${PRESHARED_KEY_BYTES}-byte key is 44`)
      : reject("not-base64", "characters outside the base64 alphabet");
  }
  const key = Buffer.from(line, "base64");
  // Unused low bits in the last character must be zero: one key, one spelling.
  if (key.toString("base64") !== line) return reject("not-base64", "not canonical base64 (stray low bits)");
  return ok(key);
}

/** A fresh key file body: 32 bytes from the OS CSPRNG, base64, newline-terminated. */
export function generatePresharedKey(): string {
  return randomBytes(PRESHARED_KEY_BYTES).toString("base64") + "\n";
}

/**
 * What `status` shows for the key: equal on every agent holding the same file, and useless for
 * guessing it (SHA-256 under a label of its own, so it is no traffic key and no hash anyone else
 * publishes). 8 bytes as 16 hex digits: enough to tell keys apart by eye.
 */
export function keyFingerprint(key: Buffer): string {
  return createHash("sha256")
    .update("wifi-tunnel key fingerprint v1\0")
    .update(key)
    .digest("hex")
    .slice(0, 16);
}
