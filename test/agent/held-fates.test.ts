// Which frames wait for an answer and which give one (the rule of held-fates.ts), and the hold itself.

import { afterEach, describe, expect, it, vi } from "vitest";
import { awaitsAnswer, endsWait, HeldFates, HOLD_MS } from "../../src/agent/held-fates.js";
import { HeaderLength } from "../../src/ieee80211/constants.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";

const STATION = 0x02_00_00_77_00_02;
const AP = 0x02_00_00_00_00_00;

/** A management frame `fc0` from `from` to `to` with `body` after the 24-byte header. */
function mgmt(fc0: number, to: number, from: number, body: number[] = []): Buffer {
  const frame = encodeThreeAddressHeader(
    { frameControl: fc0, addr1: to, addr2: from, addr3: AP },
    body.length,
  );
  Buffer.from(body).copy(frame, HeaderLength.threeAddress);
  return frame;
}
/** An authentication body: algorithm, transaction, status (little-endian). */
const auth = (algorithm: number, transaction: number) => [algorithm, 0, transaction, 0, 0, 0];

afterEach(() => {
  vi.useRealTimers();
});

describe("the frames a station's kernel waits 100 ms for", () => {
  it.each([
    ["an Open System authentication, transaction 1", mgmt(0xb0, AP, STATION, auth(0, 1)), true],
    ["a Shared Key authentication's transaction 3", mgmt(0xb0, AP, STATION, auth(1, 3)), true],
    ["an FT authentication (802.11r over the air)", mgmt(0xb0, AP, STATION, auth(2, 1)), true],
    ["an association request", mgmt(0x00, AP, STATION, [0x31, 0x04, 0x0a, 0x00]), true],
    ["a reassociation request", mgmt(0x20, AP, STATION, [0x31, 0x04, 0x0a, 0x00]), true],
    ["the AP's authentication answer, transaction 2", mgmt(0xb0, STATION, AP, auth(0, 2)), false],
    ["an SAE commit (mac80211 waits 2 s for SAE)", mgmt(0xb0, AP, STATION, auth(3, 1)), false],
    ["an authentication cut short", mgmt(0xb0, AP, STATION, [0, 0]), false],
    ["a probe request", mgmt(0x40, AP, STATION), false],
    ["a data frame", mgmt(0x08, AP, STATION, [0, 0, 0, 0]), false],
  ])("%s: %s", (_what, frame, expected) => {
    expect(awaitsAnswer(frame)).toBe(expected);
  });

  it.each([
    ["an authentication", 0xb0, true],
    ["an association response", 0x10, true],
    ["a reassociation response", 0x30, true],
    ["a deauthentication", 0xc0, true],
    ["a disassociation", 0xa0, true],
    ["a beacon", 0x80, false],
    ["a probe response", 0x50, false],
    ["an action frame", 0xd0, false],
  ])("%s ends the wait: %s", (_what, fc0, expected) => {
    expect(endsWait(mgmt(fc0, STATION, AP, [0, 0, 0, 0, 0, 0]))).toBe(expected);
  });
});

describe("HeldFates", () => {
  const request = mgmt(0xb0, AP, STATION, auth(0, 1));

  it("releases a held fate when the AP's answer to that station arrives, not for another pair's", () => {
    const released: [string, boolean][] = [];
    const fates = new HeldFates<string>((status, expired) => released.push([status, expired]));
    expect(fates.hold(request, "auth")).toBe(true);
    fates.answered(mgmt(0xb0, STATION + 1, AP, auth(0, 2)));
    fates.answered(mgmt(0x80, STATION, AP));
    expect(released).toEqual([]);
    fates.answered(mgmt(0xb0, STATION, AP, auth(0, 2)));
    expect(released).toEqual([["auth", false]]);
    expect(fates.size).toBe(0);
    fates.close();
  });

  it("releases it as expired after HOLD_MS, once", () => {
    vi.useFakeTimers();
    const released: [string, boolean][] = [];
    const fates = new HeldFates<string>((status, expired) => released.push([status, expired]));
    fates.hold(request, "auth");
    vi.advanceTimersByTime(HOLD_MS - 1);
    expect(released).toEqual([]);
    vi.advanceTimersByTime(1);
    fates.answered(mgmt(0xb0, STATION, AP, auth(0, 2)));
    expect(released).toEqual([["auth", true]]);
  });

  it("a second request to the same AP lets the first one's fate go at once", () => {
    const released: string[] = [];
    const fates = new HeldFates<string>((status) => released.push(status));
    fates.hold(request, "first");
    fates.hold(request, "second");
    expect(released).toEqual(["first"]);
    expect(fates.size).toBe(1);
    fates.close();
    expect(fates.size).toBe(0);
  });
});
