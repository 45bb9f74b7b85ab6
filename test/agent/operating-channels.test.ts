// A local radio's operating channel gets an injecting radio as soon as the guest is seen there,
// before any remote frame for it arrives (hwsim-medium.ts, onOperatingChannels): an AP's first
// remote frame is a station's probe request or authentication, which otherwise waited for it.

import { describe, expect, it } from "vitest";
import type { GuestInterface } from "../../src/os/radios/backend.js";
import { silentMedium } from "./hwsim-fixtures.js";

const wlan0 = (iftype: string, freqMhz: number | null, up = true): GuestInterface => ({
  ifindex: 2,
  ifname: "wlan0",
  iftype,
  mac: 0x02_00_00_00_00_00,
  up,
  freqMhz,
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("radios for the channels local radios operate on", () => {
  it.each([
    ["an AP serving 2437 MHz", wlan0("AP", 2437), [2437]],
    ["a mesh point on 5180 MHz", wlan0("MESH_POINT", 5180), [5180]],
    ["a station associated on 2412 MHz", wlan0("STATION", 2412), [2412]],
    ["a station without a channel (scanning)", wlan0("STATION", null), []],
    ["an AP whose interface is down", wlan0("AP", 2437, false), []],
    ["a monitor on 2462 MHz (it only listens)", wlan0("MONITOR", 2462), []],
  ])("%s: radios on %j before any frame", async (_, guest, expected) => {
    const { hwsim, radios } = await silentMedium(guest);
    await settle();
    expect([...radios.radios.keys()]).toEqual(expected);
    expect(hwsim.counters()["radios-created"]).toBe(expected.length);
    await hwsim.close();
  });

  it("a station that associates gets its channel's radio then", async () => {
    const { hwsim, radios } = await silentMedium(wlan0("STATION", null));
    hwsim.setGuestInterfaces([wlan0("STATION", 2437)]);
    await settle();
    expect([...radios.radios.keys()]).toEqual([2437]);
    await hwsim.close();
  });
});
