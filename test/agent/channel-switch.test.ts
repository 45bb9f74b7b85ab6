// An AP announcing a channel switch: the agent parks a radio on the new channel before the AP moves,
// for a remote AP's beacons (the station's side) and for the local AP's own (the AP's side).

import { describe, expect, it, vi } from "vitest";
import { HwsimMedium } from "../../src/agent/hwsim-medium.js";
import { createLogger } from "../../src/log.js";
import { RecordingRadios } from "../../src/os/doubles/recording-radios.js";
import type { GuestInterface } from "../../src/os/radios/backend.js";
import { HWSIM_RADIOTAP_LENGTH, HWSIM_RADIOTAP_PRESENT } from "../../src/radiotap/radiotap.js";

const quiet = createLogger({ level: "error", write: () => {} });
const AP_MAC = "020000000000";

/** A beacon from AP_MAC; with `switchTo`, a CSA element naming that 5 GHz channel. */
function beacon(switchTo?: number): Buffer {
  const csa = switchTo === undefined ? "" : `250301${switchTo.toString(16).padStart(2, "0")}05`;
  return Buffer.from(
    `80000000ffffffffffff${AP_MAC}${AP_MAC}0000` + "0000000000000000640011040000" + csa,
    "hex",
  );
}

/** What hwsim0 shows for a frame sent on `freqMhz`. */
function hwsimPacket(frame: Buffer, freqMhz: number): Buffer {
  const header = Buffer.alloc(HWSIM_RADIOTAP_LENGTH);
  header.writeUInt16LE(HWSIM_RADIOTAP_LENGTH, 2);
  header.writeUInt32LE(HWSIM_RADIOTAP_PRESENT, 4);
  header[17] = 12;
  header.writeUInt16LE(freqMhz, 18);
  return Buffer.concat([header, frame]);
}

function medium(guest: GuestInterface[], onPacket?: (push: (packet: Buffer) => void) => void) {
  const radios = new RecordingRadios(guest);
  const hwsim = new HwsimMedium({
    captureIface: "hwsim0",
    source: {
      start: (deliver) => onPacket?.((packet) => deliver(packet, 0n)),
      close: () => {},
    },
    backend: radios,
    log: quiet,
    pollGuest: false,
  });
  return { radios, hwsim };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("channel switch announcements", () => {
  it("a remote AP's beacon announcing 149 readies a radio on 5745 MHz for an associated station", async () => {
    const station: GuestInterface[] = [
      { ifindex: 2, ifname: "wlan0", iftype: "STATION", up: true, freqMhz: 5180, mac: 0x02_00_00_77_00_02 },
    ];
    const { radios, hwsim } = medium(station);
    await hwsim.start(() => {});
    hwsim.setGuestInterfaces(station);
    const air = { freqMhz: 5180, rate500kbps: 12, signalDbm: -30, flags: 0 };
    hwsim.deliver({ ...air, frame: beacon() });
    await settle();
    expect([...radios.radios.keys()]).toEqual([5180]);
    hwsim.deliver({ ...air, frame: beacon(149) });
    await settle();
    expect([...radios.radios.keys()]).toEqual([5180, 5745]);
    await hwsim.close();
  });

  it("the local AP's own beacon announcing 149 readies a radio there for its stations' frames", async () => {
    const ap: GuestInterface[] = [
      { ifindex: 2, ifname: "wlan0", iftype: "AP", up: true, freqMhz: 5180, mac: 0x02_00_00_00_00_00 },
    ];
    let push: (packet: Buffer) => void = () => {};
    const { radios, hwsim } = medium(ap, (deliver) => {
      push = deliver;
    });
    const sent: number[] = [];
    await hwsim.start((frame) => sent.push(frame.freqMhz));
    hwsim.setGuestInterfaces(ap);
    push(hwsimPacket(beacon(), 5180));
    await settle();
    // The AP's own channel has its radio since the AP was seen there (its stations' frames come
    // there); a plain beacon adds none.
    expect([...radios.radios.keys()]).toEqual([5180]);
    push(hwsimPacket(beacon(149), 5180));
    await settle();
    expect([...radios.radios.keys()]).toEqual([5180, 5745]);
    // The beacon itself still goes to the peers, on its own channel.
    expect(sent).toEqual([5180, 5180]);
    await hwsim.close();
  });

  it("after a remote AP announced a move, its frames on the new channel reach the station still on the old one, for 10 s", async () => {
    vi.useFakeTimers();
    try {
      const station: GuestInterface[] = [
        { ifindex: 2, ifname: "wlan0", iftype: "STATION", up: true, freqMhz: 5180, mac: 0x02_00_00_77_00_02 },
      ];
      const { radios, hwsim } = medium(station);
      await hwsim.start(() => {});
      hwsim.setGuestInterfaces(station);
      const on = (freqMhz: number, frame: Buffer) => ({
        freqMhz,
        rate500kbps: 12,
        signalDbm: -30,
        flags: 0,
        frame,
      });
      // Before any announcement a beacon on 149 is not for a station associated on 36.
      expect(hwsim.deliver(on(5745, beacon()))).toEqual({ delivered: false, drop: "wrong-channel" });
      hwsim.deliver(on(5180, beacon(149)));
      await vi.advanceTimersByTimeAsync(10);
      // The AP moved; the station (still read as on 36) needs its first beacon on 149 to follow.
      expect(hwsim.deliver(on(5745, beacon()))).toEqual({ delivered: true });
      expect(radios.injected.at(-1)?.freqMhz).toBe(5745);
      await vi.advanceTimersByTimeAsync(10_100);
      expect(hwsim.deliver(on(5745, beacon()))).toEqual({ delivered: false, drop: "wrong-channel" });
      await hwsim.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
