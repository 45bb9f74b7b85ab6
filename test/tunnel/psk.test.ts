import { describe, expect, it } from "vitest";
import { generatePresharedKey, PRESHARED_KEY_BYTES, parsePresharedKey } from "../../src/tunnel/psk.js";

function reasonOf(text: string): string {
  const parsed = parsePresharedKey(text);
  return parsed.ok ? "ok" : parsed.error.reason;
}

describe("pre-shared key file", () => {
  it("parses what the generator writes, back to 32 bytes", () => {
    const text = generatePresharedKey();
    expect(text).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    const parsed = parsePresharedKey(text);
    expect(parsed.ok && parsed.value.length).toBe(PRESHARED_KEY_BYTES);
    expect(parsed.ok && parsed.value.toString("base64")).toBe(text.trim());
  });

  it("generates a different key every time", () => {
    expect(generatePresharedKey()).not.toBe(generatePresharedKey());
  });

  it("accepts surrounding whitespace (CRLF, trailing newline)", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    const parsed = parsePresharedKey(`  ${key}\r\n`);
    expect(parsed.ok && parsed.value).toEqual(Buffer.alloc(32, 7));
  });

  it("names what is wrong with a bad file", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    expect(reasonOf("")).toBe("empty");
    expect(reasonOf("\n\n")).toBe("empty");
    expect(reasonOf(`${key}\n${key}\n`)).toBe("not-one-line");
    expect(reasonOf(Buffer.alloc(16).toString("base64"))).toBe("wrong-length");
    expect(reasonOf(Buffer.alloc(33).toString("base64"))).toBe("wrong-length");
    expect(reasonOf(key.slice(0, 43))).toBe("wrong-length");
    expect(reasonOf(`${key.slice(0, 10)}*${key.slice(11)}`)).toBe("not-base64");
    expect(reasonOf(Buffer.alloc(32, 0xfb).toString("base64url"))).toBe("not-base64"); // "-" and "_"
    // The 43rd character carries 2 unused low bits that must be zero: "x" sets one of them.
    expect(reasonOf(`${key.slice(0, 42)}x=`)).toBe("not-base64");
  });
});
