// What the agent knows of the guest's own radios: which addresses are theirs (a remote frame from
// one of them is a MAC collision), and that monitor interfaces do not count.

import { describe, expect, it } from "vitest";
import { GuestWatch } from "../../src/agent/guest-watch.js";
import { HwsimMedium } from "../../src/agent/hwsim-medium.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import { createLogger } from "../../src/log.js";
import { RecordingRadios } from "../../src/os/doubles/recording-radios.js";
import type { GuestInterface } from "../../src/os/radios/backend.js";

const quiet = createLogger({ level: "error", write: () => {} });
const SHARED_DEFAULT = 0x02_00_00_00_00_00;

const iface = (ifname: string, iftype: string, mac: number, ifindex: number): GuestInterface => ({
  ifindex,
  ifname,
  iftype,
  mac,
  up: true,
  freqMhz: 2437,
});

function dataFrom(transmitter: number): Buffer {
  return encodeThreeAddressHeader(
    { frameControl: 0x0008, addr1: 0x02_00_00_00_aa_01, addr2: transmitter, addr3: 0x02_00_00_00_aa_01 },
    16,
  );
}

describe("guest addresses", () => {
  it("a monitor interface's address is not the guest's: it never transmits or acknowledges with it", () => {
    const watch = new GuestWatch({
      name: "hwsim0",
      backend: new RecordingRadios([]),
      log: quiet,
      now: Date.now,
    });
    watch.setInterfaces([
      iface("wlan0", "STATION", 0x02_00_00_00_aa_01, 2),
      iface("mon0", "MONITOR", SHARED_DEFAULT, 3),
    ]);
    expect(watch.macs()).toEqual([0x02_00_00_00_aa_01]);
    expect(watch.ownerOf(SHARED_DEFAULT)).toBeUndefined();
    expect(watch.ownerOf(0x02_00_00_00_aa_01)).toBe("wlan0");
  });

  it("a remote frame from a local station's address is dropped as our own (collision or returned); from a local monitor's, not", async () => {
    const guest = [
      iface("wlan0", "STATION", SHARED_DEFAULT, 2),
      iface("mon0", "MONITOR", 0x02_00_00_00_01_00, 3),
    ];
    const hwsim = new HwsimMedium({
      captureIface: "hwsim0",
      source: { start: () => {}, close: () => {} },
      backend: new RecordingRadios(guest),
      log: quiet,
      pollGuest: false,
    });
    await hwsim.start(() => {});
    hwsim.setGuestInterfaces(guest);
    const air = (transmitter: number) => ({
      frame: dataFrom(transmitter),
      freqMhz: 2437,
      rate500kbps: 2,
      signalDbm: -30,
      flags: 0,
    });
    hwsim.deliver(air(0x02_00_00_00_01_00));
    expect(hwsim.counters()["own-frame"]).toBe(0);
    expect(hwsim.deliver(air(SHARED_DEFAULT))).toEqual({ delivered: false, drop: "own-frame" });
    expect(hwsim.counters()["own-frame"]).toBe(1);
    expect(hwsim.guestMacs()).toEqual([SHARED_DEFAULT]);
    await hwsim.close();
  });
});
