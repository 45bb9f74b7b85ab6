// The beacon keeper (src/agent/beacon-keeper.ts) through the hwsim medium, on fake timers and a
// clock the test moves: a remote AP's beacon stands in for late ones after three silent intervals,
// once per interval, for at most 2 s after the last real one; real beacons on time are never
// doubled; a beacon announcing a channel switch is not kept.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { beaconIntervalMs, KEEP_MAX_MS } from "../../src/agent/beacon-keeper.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import type { AirFrame } from "../../src/medium/medium.js";
import type { GuestInterface } from "../../src/os/radios/backend.js";
import { silentMedium } from "./hwsim-fixtures.js";

const AP = 0x02_00_00_00_00_00;
const BROADCAST = 0xff_ff_ff_ff_ff_ff;

/** A local station associated on channel 6: it keeps its AP's beacons. */
const wlan0: GuestInterface = {
  ifindex: 2,
  ifname: "wlan0",
  iftype: "STATION",
  mac: 0x02_00_00_77_00_02,
  up: true,
  freqMhz: 2437,
};

/** A beacon with interval `tu` and the given elements after the fixed fields. */
function beacon(tu: number, elements: number[] = [0, 4, 0x6c, 0x61, 0x62, 0x31]): Buffer {
  const body = Buffer.alloc(12 + elements.length);
  body.writeUInt16LE(tu, 8);
  Buffer.from(elements).copy(body, 12);
  const frame = encodeThreeAddressHeader(
    { frameControl: 0x80, addr1: BROADCAST, addr2: AP, addr3: AP },
    body.length,
  );
  body.copy(frame, 24);
  return frame;
}

const air = (frame: Buffer): AirFrame => ({ frame, freqMhz: 2437, rate500kbps: 2, signalDbm: -30, flags: 0 });

describe("beacon elements", () => {
  it.each([
    [100, 102.4],
    [200, 204.8],
    [0, 102.4], // nonsense: the usual interval
    [5000, 102.4],
  ])("interval %i TU is %f ms", (tu, ms) => {
    expect(beaconIntervalMs(beacon(tu))).toBeCloseTo(ms, 5);
  });
});

describe("the beacon keeper", () => {
  // Fake timers fake Date.now too: the medium's clock and its timers move together.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  async function medium() {
    const { hwsim, radios } = await silentMedium(wlan0, () => Date.now());
    return { hwsim, radios, advance: (ms: number) => vi.advanceTimersByTimeAsync(ms) };
  }

  it("stands in after three silent intervals, once per interval, until 2 s after the last real beacon", async () => {
    const { hwsim, radios, advance } = await medium();
    const frame = beacon(100);
    expect(hwsim.deliver(air(frame)).delivered).toBe(true);
    await advance(1); // the radio comes up and the real beacon goes out
    expect(radios.injected).toHaveLength(1);
    await advance(300);
    expect(hwsim.counters()["beacons-kept"]).toBe(0); // 301 ms: still inside three intervals
    await advance(10);
    expect(hwsim.counters()["beacons-kept"]).toBe(1);
    await advance(KEEP_MAX_MS);
    // Stand-ins at 307.2 ms and every 102.4 ms after, up to 2 s after the real beacon: 17 of them.
    expect(hwsim.counters()["beacons-kept"]).toBe(17);
    for (const { packet } of radios.injected)
      expect(packet.subarray(packet.length - frame.length)).toEqual(frame);
    await advance(5000);
    expect(hwsim.counters()["beacons-kept"]).toBe(17);
    await hwsim.close();
  });

  it("never doubles beacons that come on time, even a little late", async () => {
    const { hwsim, advance } = await medium();
    for (let n = 0; n < 30; n++) {
      hwsim.deliver(air(beacon(100)));
      await advance(n % 3 === 0 ? 250 : 102); // late now and then, never three intervals
    }
    expect(hwsim.counters()["beacons-kept"]).toBe(0);
    expect(hwsim.counters().delivered).toBe(30);
    await hwsim.close();
  });

  it("does not keep a beacon that announces a channel switch", async () => {
    const { hwsim, advance } = await medium();
    hwsim.deliver(air(beacon(100)));
    await advance(50);
    hwsim.deliver(air(beacon(100, [0, 1, 0x61, 37, 3, 1, 11, 5])));
    await advance(KEEP_MAX_MS);
    expect(hwsim.counters()["beacons-kept"]).toBe(0);
    await hwsim.close();
  });
});
