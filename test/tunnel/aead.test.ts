// The two ChaCha20-Poly1305 implementations under seal.ts (aead.ts) produce the same bytes: the
// RFC 8439 AEAD vector (section 2.8.2), in place, and each opens what the other sealed.

import { describe, expect, it } from "vitest";
import { type Aead, aead, loadSodium, nodeAead, sodiumAead } from "../../src/tunnel/aead.js";
import { TAG_LENGTH } from "../../src/tunnel/constants.js";

const sodium = loadSodium();
const implementations: Aead[] = [nodeAead, ...(sodium ? [sodiumAead(sodium)] : [])];

// RFC 8439, 2.8.2.
const KEY = Buffer.from("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "hex");
const NONCE = Buffer.from("070000004041424344454647", "hex");
const AAD = Buffer.from("50515253c0c1c2c3c4c5c6c7", "hex");
const PLAINTEXT = Buffer.from(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  "ascii",
);
const TAG = "1ae10b594f09e26a7e902ecbd0600691";

/** AAD || plaintext || room for the tag, as seal.ts lays out a datagram. */
function layout(): Buffer {
  return Buffer.concat([AAD, PLAINTEXT, Buffer.alloc(TAG_LENGTH)]);
}
const tagStart = AAD.length + PLAINTEXT.length;

describe("aead", () => {
  it("sodium-native loads on this platform (the agent's default)", () => {
    expect(sodium).not.toBeNull();
    expect(aead().name).toBe(process.env.WIFI_TUNNEL_AEAD === "node" ? "node" : "sodium");
  });

  it.each(implementations.map((impl) => [impl.name, impl] as const))(
    "%s seals the RFC 8439 vector in place and opens it again",
    (_name, impl) => {
      const buffer = layout();
      impl.sealInPlace(buffer, AAD.length, tagStart, NONCE, KEY);
      expect(buffer.subarray(0, AAD.length)).toEqual(AAD);
      expect(buffer.subarray(AAD.length, AAD.length + 4).toString("hex")).toBe("d31a8d34");
      expect(buffer.subarray(tagStart).toString("hex")).toBe(TAG);
      expect(impl.open(buffer, AAD.length, tagStart, NONCE, KEY)).toEqual(PLAINTEXT);
    },
  );

  it("each opens what the other sealed, and both refuse a flipped bit anywhere", () => {
    for (const sealer of implementations)
      for (const opener of implementations) {
        const buffer = layout();
        sealer.sealInPlace(buffer, AAD.length, tagStart, NONCE, KEY);
        expect(opener.open(buffer, AAD.length, tagStart, NONCE, KEY)).toEqual(PLAINTEXT);
        for (const at of [0, AAD.length + 5, tagStart + 3]) {
          const forged = Buffer.from(buffer);
          forged[at] ^= 0x01;
          expect(opener.open(forged, AAD.length, tagStart, NONCE, KEY)).toBeNull();
        }
        const wrongKey = Buffer.from(KEY);
        wrongKey[0] ^= 0x80;
        expect(opener.open(buffer, AAD.length, tagStart, NONCE, wrongKey)).toBeNull();
      }
  });
});
