// Answering local scans with remote APs' latest beacons: the cache's bounds, and the hwsim medium
// replaying a beacon the moment a local radio probes that beacon's channel.

import { describe, expect, it } from "vitest";
import { HwsimMedium } from "../../src/agent/hwsim-medium.js";
import { RemoteBeacons } from "../../src/agent/scan-answer.js";
import { HeaderLength } from "../../src/ieee80211/constants.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import type { AirFrame } from "../../src/medium/medium.js";
import { RecordingRadios } from "../../src/os/doubles/recording-radios.js";
import type { PacketSource } from "../../src/os/pcap/live.js";
import type { GuestInterface } from "../../src/os/radios/backend.js";
import { decodeRadiotap, encodeInjectionHeader } from "../../src/radiotap/radiotap.js";
import { quiet, silentMedium } from "./hwsim-fixtures.js";

const AP = 0x02_00_00_00_0a_01;
const OTHER_AP = 0x02_00_00_00_0a_02;
const STATION = 0x02_00_00_00_aa_01;

function management(fc0: number, transmitter: number, length = 60): Buffer {
  const frame = encodeThreeAddressHeader(
    { frameControl: fc0, addr1: 0xffff_ffff_ffff, addr2: transmitter, addr3: transmitter },
    length - HeaderLength.threeAddress,
  );
  frame[length - 1] = transmitter & 0xff;
  return frame;
}

/** The guest's wlan0 (ifindex 2) in some state. */
const wlan0 = (state: { up: boolean; freqMhz: number | null }): GuestInterface => ({
  ifindex: 2,
  ifname: "wlan0",
  iftype: "STATION",
  mac: STATION,
  ...state,
});

const beacon = (bssid: number, freqMhz = 2437): AirFrame => ({
  frame: management(0x80, bssid),
  freqMhz,
  rate500kbps: 2,
  signalDbm: -30,
  flags: 0,
});

describe("remote beacon cache", () => {
  const packet = (tag: number) => Buffer.from([tag]);

  it("answers a probe with the latest beacon of each AP on that channel only", () => {
    const cache = new RemoteBeacons();
    cache.heard(2437, AP, packet(1), 0);
    cache.heard(2437, AP, packet(2), 100);
    cache.heard(2437, OTHER_AP, packet(3), 100);
    cache.heard(2412, AP, packet(4), 100);
    expect(cache.answerProbe(2437, 200)).toEqual([packet(2), packet(3)]);
    expect(cache.answerProbe(5180, 200)).toEqual([]);
  });

  it("answers a burst of probes once, and again after the interval", () => {
    const cache = new RemoteBeacons({ maxAgeMs: 5000, maxPerChannel: 4, minIntervalMs: 20 });
    cache.heard(2437, AP, packet(1), 0);
    expect(cache.answerProbe(2437, 10)).toHaveLength(1);
    expect(cache.answerProbe(2437, 15)).toHaveLength(0);
    expect(cache.answerProbe(2437, 31)).toHaveLength(1);
  });

  it("replays at most a batch per tick, rotating so that every AP comes round", () => {
    const cache = new RemoteBeacons();
    for (let ap = 1; ap <= 5; ap++) cache.heard(2412 + 5 * (ap % 2), ap, packet(ap), 0);
    const tags = (batch: { packet: Buffer }[]) => batch.map(({ packet }) => packet[0]);
    const first = tags(cache.replayBatch(10, 2));
    const second = tags(cache.replayBatch(20, 2));
    const third = tags(cache.replayBatch(30, 2));
    expect(first).toHaveLength(2);
    expect(new Set([...first, ...second, ...third])).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(cache.replayBatch(40, 10)).toHaveLength(5);
  });

  it("forgets APs silent past the age limit, and keeps at most the bound per channel", () => {
    const cache = new RemoteBeacons({ maxAgeMs: 1000, maxPerChannel: 2, minIntervalMs: 0 });
    cache.heard(2437, 1, packet(1), 0);
    cache.heard(2437, 2, packet(2), 500);
    cache.heard(2437, 3, packet(3), 600);
    expect(cache.size).toBe(2);
    expect(cache.answerProbe(2437, 700)).toEqual([packet(2), packet(3)]);
    expect(cache.answerProbe(2437, 1550)).toEqual([packet(3)]);
    expect(cache.size).toBe(1);
  });
});

describe("hwsim medium answers local scans", () => {
  /** A capture that the test feeds by hand, as hwsim0 would show local transmissions. */
  function handCapture(): PacketSource & { show(frame: Buffer, freqMhz: number): void } {
    let onPacket: (packet: Buffer, timestampNs: bigint) => void = () => {};
    return {
      start: (callback) => {
        onPacket = callback;
      },
      close: () => {},
      show: (frame, freqMhz) => onPacket(Buffer.concat([encodeInjectionHeader({ freqMhz }), frame]), 0n),
    };
  }

  async function medium(guest: GuestInterface[]) {
    const radios = new RecordingRadios(guest);
    const capture = handCapture();
    const hwsim = new HwsimMedium({
      captureIface: "hwsim0",
      source: capture,
      backend: radios,
      log: quiet,
      pollGuest: false,
    });
    const sent: AirFrame[] = [];
    await hwsim.start((air) => sent.push(air));
    const injectedFrames = () =>
      radios.injected.map(({ packet }) => {
        const decoded = decodeRadiotap(packet);
        if (!decoded.ok) throw new Error(decoded.error.detail);
        return decoded.value.frame.toString("hex");
      });
    return { hwsim, radios, capture, sent, injectedFrames };
  }

  it("a probe request on a channel replays that channel's remote beacons at once, and still goes out", async () => {
    // wlan0 down: nothing is audible, so the beacons are dropped (but remembered, and their
    // channel's radio readied); then wpa_supplicant brings it up and its first probe goes out.
    const down = wlan0({ up: false, freqMhz: null });
    const { hwsim, capture, sent, injectedFrames } = await medium([down]);
    hwsim.setGuestInterfaces([down]);
    expect(hwsim.deliver(beacon(AP))).toEqual({ delivered: false, drop: "wrong-channel" });
    expect(hwsim.deliver(beacon(OTHER_AP, 2412))).toEqual({ delivered: false, drop: "wrong-channel" });
    await new Promise((resolve) => setTimeout(resolve, 10)); // radio creation settles
    expect(injectedFrames()).toEqual([]);

    const probe = management(0x40, STATION);
    capture.show(probe, 2437);
    expect(injectedFrames()).toEqual([beacon(AP).frame.toString("hex")]);
    expect(hwsim.counters()["beacons-replayed"]).toBe(1);
    expect(sent.map((air) => air.frame.toString("hex"))).toEqual([probe.toString("hex")]);

    // Its echo on hwsim0 is swallowed like any injection's.
    capture.show(beacon(AP).frame, 2437);
    expect(sent).toHaveLength(1);
    expect(hwsim.counters()["echo-suppressed"]).toBe(1);
    await hwsim.close();
  });

  it("a probe on a channel with no remote AP replays nothing", async () => {
    const { hwsim, capture, injectedFrames } = await medium([]);
    hwsim.deliver(beacon(AP, 2412));
    await new Promise((resolve) => setTimeout(resolve, 10));
    capture.show(management(0x40, STATION), 2437);
    expect(injectedFrames()).toEqual([]);
    await hwsim.close();
  });
});

describe("hwsim medium follows nl80211 scan events", () => {
  it("an associated station's background scan opens every channel until it ends (or times out)", async () => {
    let nowMs = 0;
    const associated = wlan0({ up: true, freqMhz: 2412 });
    const { hwsim } = await silentMedium(associated, () => nowMs);
    expect(hwsim.deliver(beacon(AP, 2437))).toEqual({ delivered: false, drop: "wrong-channel" });
    hwsim.guestEvent({ kind: "scan-started", ifindex: 2 });
    expect(hwsim.deliver(beacon(AP, 2437))).toEqual({ delivered: true });
    hwsim.guestEvent({ kind: "scan-ended", ifindex: 2 });
    expect(hwsim.deliver(beacon(AP, 2437))).toEqual({ delivered: false, drop: "wrong-channel" });
    // A scan whose end never arrives stops counting after 15 s.
    hwsim.guestEvent({ kind: "scan-started", ifindex: 2 });
    nowMs += 16_000;
    hwsim.setGuestInterfaces([associated]);
    expect(hwsim.deliver(beacon(AP, 2437))).toEqual({ delivered: false, drop: "wrong-channel" });
    expect(hwsim.counters()["scans-seen"]).toBe(2);
    await hwsim.close();
  });
});

describe("hwsim medium replays remote beacons while a local scan runs", () => {
  it("every few milliseconds from the scan's start to its end, on each channel with a remote AP", async () => {
    const { hwsim, radios } = await silentMedium(wlan0({ up: true, freqMhz: 2412 }));
    hwsim.deliver(beacon(AP, 2437)); // not audible (associated on 2412): remembered, radio readied
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(radios.injected).toHaveLength(0);

    hwsim.guestEvent({ kind: "scan-started", ifindex: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    hwsim.guestEvent({ kind: "scan-ended", ifindex: 2 });
    const duringScan = radios.injected.length;
    // ~10 replays in 100 ms; timers are coarse on a loaded machine, so ask for a few.
    expect(duringScan).toBeGreaterThanOrEqual(3);
    expect(radios.injected.every(({ freqMhz }) => freqMhz === 2437)).toBe(true);
    expect(hwsim.counters()["beacons-replayed"]).toBe(duringScan);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(radios.injected.length).toBeLessThanOrEqual(duringScan + 1);
    await hwsim.close();
  });
});
