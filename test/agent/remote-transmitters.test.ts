// The remote-transmitter table of `status` (src/agent/remote-transmitters.ts): per address and
// channel, most recently heard first, bounded by evicting the least recently heard.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RemoteTransmitters } from "../../src/agent/remote-transmitters.js";
import { formatMac } from "../../src/ieee80211/mac.js";
import { keyFingerprint } from "../../src/tunnel/psk.js";
import { airOf, markedFrame } from "../hostile/harness.js";

const air = (transmitter: number, freqMhz = 2437) => airOf(markedFrame(0, 40, transmitter), freqMhz);

describe("remote transmitters", () => {
  it("counts frames per address and channel, most recently heard first", () => {
    const table = new RemoteTransmitters();
    table.heard(air(0x0200_0000_0001), "a", 1000);
    table.heard(air(0x0200_0000_0002), "b", 2000);
    table.heard(air(0x0200_0000_0001), "a", 3000);
    table.heard(air(0x0200_0000_0001, 2412), "a", 2500);
    expect(table.list()).toEqual([
      { address: formatMac(0x0200_0000_0001), freqMhz: 2437, peer: "a", lastHeardMs: 3000, frames: 2 },
      { address: formatMac(0x0200_0000_0001), freqMhz: 2412, peer: "a", lastHeardMs: 2500, frames: 1 },
      { address: formatMac(0x0200_0000_0002), freqMhz: 2437, peer: "b", lastHeardMs: 2000, frames: 1 },
    ]);
  });

  it("forgets the least recently heard beyond its bound; frames without address 2 are skipped", () => {
    const table = new RemoteTransmitters(2);
    table.heard(air(0x0200_0000_0001), "a", 1);
    table.heard(air(0x0200_0000_0002), "a", 2);
    table.heard(air(0x0200_0000_0001), "a", 3);
    table.heard(air(0x0200_0000_0003), "a", 4);
    table.heard(airOf(Buffer.alloc(4)), "a", 5);
    expect(table.list().map((entry) => entry.address)).toEqual([
      formatMac(0x0200_0000_0003),
      formatMac(0x0200_0000_0001),
    ]);
  });
});

describe("key fingerprint", () => {
  it("is 16 hex digits, equal for equal keys, different for different ones, and not the key's hash", () => {
    const key = Buffer.alloc(32, 7);
    expect(keyFingerprint(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyFingerprint(Buffer.alloc(32, 7))).toBe(keyFingerprint(key));
    expect(keyFingerprint(Buffer.alloc(32, 8))).not.toBe(keyFingerprint(key));
    expect(keyFingerprint(key)).not.toBe(createHash("sha256").update(key).digest("hex").slice(0, 16));
  });
});
