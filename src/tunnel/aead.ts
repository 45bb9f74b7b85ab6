// The AEAD under seal.ts: ChaCha20-Poly1305 (RFC 8439, 12-byte nonce, 16-byte tag), from one of two
// implementations of the same construction (docs/protocol.md's vectors hold for both):
//   sodium   libsodium through sodium-native: one native call per datagram, sealing in place.
//   node     node:crypto: a Cipher object per datagram (createCipheriv, setAAD, update, final,
//            getAuthTag), the reference, and the fallback where sodium-native does not load.
// Why sodium: natively a 1500-byte seal costs 1.8 µs against node:crypto's 6.4 µs (100 B: 0.7 against
// 6.8 µs; 200k seals each, 2026-12-02), and in a TCG guest sealing with node:crypto halved the
// tunnel's TCP (docs/benchmarks.md, "sealed and unsealed"). WIFI_TUNNEL_AEAD=node picks the
// reference (benches, tests); sodium-native is loaded only when a key is first used.

import { createCipheriv, createDecipheriv } from "node:crypto";
import { createRequire } from "node:module";
import { TAG_LENGTH } from "./constants.js";

export const AEAD_ALGORITHM = "chacha20-poly1305";

/** Both implementations, by name. */
export type AeadName = "sodium" | "node";

export interface Aead {
  readonly name: AeadName;
  /**
   * Encrypts `buffer[bodyStart, tagStart)` in place under `key` and `nonce`, authenticating
   * `buffer[0, bodyStart)` as the associated data, and writes the tag to `buffer[tagStart, +16)`.
   */
  sealInPlace(buffer: Buffer, bodyStart: number, tagStart: number, nonce: Buffer, key: Buffer): void;
  /** The plaintext of `buffer[bodyStart, tagStart)` (a new buffer), or null if the tag fails. */
  open(buffer: Buffer, bodyStart: number, tagStart: number, nonce: Buffer, key: Buffer): Buffer | null;
}

export const nodeAead: Aead = {
  name: "node",
  sealInPlace(buffer, bodyStart, tagStart, nonce, key) {
    const cipher = createCipheriv(AEAD_ALGORITHM, key, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(buffer.subarray(0, bodyStart), { plaintextLength: tagStart - bodyStart });
    // node:crypto cannot encrypt into a given buffer: copy the ciphertext over the plaintext.
    cipher.update(buffer.subarray(bodyStart, tagStart)).copy(buffer, bodyStart);
    cipher.final(); // a stream cipher: nothing is held back
    cipher.getAuthTag().copy(buffer, tagStart);
  },
  open(buffer, bodyStart, tagStart, nonce, key) {
    const decipher = createDecipheriv(AEAD_ALGORITHM, key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(buffer.subarray(0, bodyStart), { plaintextLength: tagStart - bodyStart });
    decipher.setAuthTag(buffer.subarray(tagStart, tagStart + TAG_LENGTH));
    const body = decipher.update(buffer.subarray(bodyStart, tagStart));
    try {
      decipher.final();
    } catch {
      return null;
    }
    return body;
  },
};

/** The part of sodium-native this module calls. */
interface SodiumAeadCalls {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Buffer,
    m: Buffer,
    ad: Buffer | null,
    nsec: null,
    npub: Buffer,
    k: Buffer,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Buffer,
    nsec: null,
    c: Buffer,
    ad: Buffer | null,
    npub: Buffer,
    k: Buffer,
  ): number;
}

/** An Aead over libsodium's calls (exported for tests). */
export function sodiumAead(sodium: SodiumAeadCalls): Aead {
  return {
    name: "sodium",
    sealInPlace(buffer, bodyStart, tagStart, nonce, key) {
      // libsodium encrypts in place when the output starts where the message does.
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        buffer.subarray(bodyStart, tagStart + TAG_LENGTH),
        buffer.subarray(bodyStart, tagStart),
        buffer.subarray(0, bodyStart),
        null,
        nonce,
        key,
      );
    },
    open(buffer, bodyStart, tagStart, nonce, key) {
      const body = Buffer.allocUnsafe(tagStart - bodyStart);
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          body,
          null,
          buffer.subarray(bodyStart, tagStart + TAG_LENGTH),
          buffer.subarray(0, bodyStart),
          nonce,
          key,
        );
      } catch {
        return null; // sodium-native throws when the tag does not verify
      }
      return body;
    },
  };
}

/** sodium-native's calls, or null where it does not load (no prebuilt binary for this platform). */
export function loadSodium(): SodiumAeadCalls | null {
  try {
    // The bundle is CommonJS (its own require, resolving from dist/bundle/ into the checkout's
    // node_modules; import.meta is empty there); compiled ESM has only import.meta.
    const load = typeof require === "function" ? require : createRequire(import.meta.url);
    return load("sodium-native") as SodiumAeadCalls;
  } catch {
    return null;
  }
}

let chosen: Aead | undefined;

/** The implementation seal.ts uses: sodium unless WIFI_TUNNEL_AEAD=node or it does not load. */
export function aead(): Aead {
  if (chosen === undefined) {
    const sodium = process.env.WIFI_TUNNEL_AEAD === "node" ? null : loadSodium();
    chosen = sodium === null ? nodeAead : sodiumAead(sodium);
  }
  return chosen;
}
