// Exactly once for any number of VMs: a frame injected here must never leave again, however late
// its echo on hwsim0 is read, and a frame that comes back to the air it left from is never injected.
// The first is what broke three VMs: an agent stalled by radio creation read its echoes after the
// fingerprint window, forwarded them, and the third VM's station heard its own frames.

import { describe, expect, it, vi } from "vitest";
import { CaptureQueue } from "../../src/agent/capture-queue.js";
import { HwsimMedium } from "../../src/agent/hwsim-medium.js";
import { HeaderLength } from "../../src/ieee80211/constants.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import { createLogger } from "../../src/log.js";
import type { AirFrame } from "../../src/medium/medium.js";
import { RecordingRadios } from "../../src/os/doubles/recording-radios.js";
import type { GuestInterface } from "../../src/os/radios/backend.js";
import { encodeRadiotap } from "../../src/radiotap/radiotap.js";

/** What hwsim0 shows of a transmission: the 22-byte radiotap header hwsim writes, then the frame. */
function hwsim0Packet(frame: Buffer, freqMhz: number): Buffer {
  const header = encodeRadiotap({ tsft: 0n, flags: 0, rate500kbps: 2, channel: { freqMhz, flags: 0x00a0 } });
  return Buffer.concat([header, frame]);
}

const quiet = createLogger({ level: "error", write: () => {} });
const AP = 0x02_00_00_00_00_00;
const LOCAL_STATION = 0x02_00_00_77_00_03;
const REMOTE_STATION = 0x02_00_00_77_00_02;

/** The local radio serves channel 6 (an AP hears every frame there, whoever it is for). */
const wlan0: GuestInterface = {
  ifindex: 2,
  ifname: "wlan0",
  iftype: "AP",
  mac: LOCAL_STATION,
  up: true,
  freqMhz: 2437,
};

function dataFrame(from: number, to: number, tag: number): Buffer {
  const frame = encodeThreeAddressHeader({ frameControl: 0x08, addr1: to, addr2: from, addr3: to }, 40);
  frame[HeaderLength.threeAddress] = tag;
  return frame;
}

const air = (frame: Buffer): AirFrame => ({ frame, freqMhz: 2437, rate500kbps: 2, signalDbm: -30, flags: 0 });

/** A hwsim medium whose capture the test feeds by hand, on a clock the test moves. */
async function medium() {
  let clock = 1_000_000;
  let capture: ((packet: Buffer, timestampNs: bigint) => void) | null = null;
  const sent: Buffer[] = [];
  const hwsim = new HwsimMedium({
    captureIface: "hwsim0",
    source: { start: (onPacket) => (capture = onPacket), close: () => {} },
    backend: new RecordingRadios([wlan0]),
    log: quiet,
    pollGuest: false,
    now: () => clock,
  });
  await hwsim.start((frame) => sent.push(Buffer.from(frame.frame)));
  hwsim.setGuestInterfaces([wlan0]);
  return {
    hwsim,
    sent,
    advance: (ms: number) => {
      clock += ms;
    },
    captured: (frame: Buffer) => capture?.(hwsim0Packet(frame, 2437), 0n),
  };
}

describe("exactly once, with any number of VMs", () => {
  it("an echo read seconds after its injection is still an echo: it never leaves again", async () => {
    const { hwsim, sent, advance, captured } = await medium();
    // A remote station's frame arrives from a peer and is injected here (the local radio serves
    // 2437 MHz, so it hears it).
    const remote = dataFrame(REMOTE_STATION, AP, 1);
    expect(hwsim.deliver(air(remote)).delivered).toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // the radio comes up, the frame goes out
    advance(15_000); // the agent was busy: 15 s until hwsim0 is read (measured in the 3-VM lab)
    captured(remote);
    captured(dataFrame(REMOTE_STATION, AP, 2)); // and a second frame of that transmitter
    expect(sent).toHaveLength(0);
    expect(hwsim.counters()["echo-suppressed"]).toBe(2);
    // The local station's own frames still go out.
    captured(dataFrame(LOCAL_STATION, AP, 3));
    expect(sent).toHaveLength(1);
    await hwsim.close();
  });

  it("a frame from a local radio's address that comes back from the tunnel is dropped and counted", async () => {
    const { hwsim } = await medium();
    expect(hwsim.deliver(air(dataFrame(LOCAL_STATION, AP, 4)))).toEqual({
      delivered: false,
      drop: "own-frame",
    });
    expect(hwsim.counters()["own-frame"]).toBe(1);
    await hwsim.close();
  });
});

describe("a capture backlog is bounded", () => {
  it("drops data frames only while they stay late for a whole interval; a single stall's burst goes out", () => {
    const queue = new CaptureQueue(200, 1000);
    // A 900 ms stall: the burst behind it is late, but worked off in 20 ms: nothing dropped.
    for (let i = 0; i < 20; i++) expect(queue.dropData(10_000 + i * 45, 10_900 + i)).toBe(false);
    expect(queue.dropData(10_950, 11_000)).toBe(false); // on time again: the late run ends
    // Sustained overload: every frame 300 ms late for over a second, then drops begin.
    const late = (nowMs: number) => queue.dropData(nowMs - 300, nowMs);
    expect(late(20_000)).toBe(false);
    expect(late(20_500)).toBe(false);
    expect(late(21_000)).toBe(true);
    expect(late(21_200)).toBe(true);
    expect(queue.dropData(21_250, 21_300)).toBe(false); // the queue drained: no more drops
    expect(late(21_400)).toBe(false);
  });

  it("the medium drops late data frames under sustained overload and counts them; management frames always go", async () => {
    const source: { capture?: (packet: Buffer, timestampNs: bigint) => void } = {};
    const sent: Buffer[] = [];
    let nowMs = 5_000_000;
    const hwsim = new HwsimMedium({
      captureIface: "hwsim0",
      source: {
        start: (onPacket) => {
          source.capture = onPacket;
        },
        close: () => {},
      },
      backend: new RecordingRadios([wlan0]),
      log: quiet,
      pollGuest: false,
      now: () => nowMs,
      boundCaptureQueue: true,
    });
    await hwsim.start((frame) => sent.push(Buffer.from(frame.frame)));
    hwsim.setGuestInterfaces([wlan0]);
    const at = (ms: number) => BigInt(ms) * 1_000_000n;
    const lateBeacon = encodeThreeAddressHeader(
      { frameControl: 0x80, addr1: 0xffff_ffff_ffff, addr2: LOCAL_STATION, addr3: LOCAL_STATION },
      40,
    );
    for (let i = 0; i < 30; i++) {
      nowMs += 100; // three seconds of frames that each waited 900 ms
      source.capture?.(hwsim0Packet(dataFrame(LOCAL_STATION, AP, i), 2437), at(nowMs - 900));
    }
    source.capture?.(hwsim0Packet(lateBeacon, 2437), at(nowMs - 900));
    const counters = hwsim.counters();
    expect(counters["late-data-dropped"]).toBe(20); // the first second's frames went out
    expect(sent.filter((frame) => frame[0] === 0x08)).toHaveLength(10);
    expect(sent.at(-1)?.[0]).toBe(0x80);
    await hwsim.close();
  });
});

describe("echoes stay in the kernel", () => {
  it("five seconds after a new remote transmitter is injected for, the capture filter names it", async () => {
    vi.useFakeTimers();
    try {
      const filters: string[] = [];
      const hwsim = new HwsimMedium({
        captureIface: "hwsim0",
        source: { start: () => {}, close: () => {}, setFilter: (filter) => filters.push(filter) },
        backend: new RecordingRadios([wlan0]),
        log: quiet,
        pollGuest: false,
      });
      await hwsim.start(() => {});
      hwsim.setGuestInterfaces([wlan0]);
      hwsim.deliver(air(dataFrame(REMOTE_STATION, AP, 1)));
      await vi.advanceTimersByTimeAsync(10); // the radio comes up, the frame is injected
      hwsim.deliver(air(dataFrame(AP, LOCAL_STATION, 2)));
      await vi.advanceTimersByTimeAsync(4000);
      expect(filters).toEqual([]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(filters).toEqual([
        "(type mgt or type data) and not (wlan addr2 02:00:00:00:00:00 or wlan addr2 02:00:00:77:00:02)",
      ]);
      // Nothing new: no rebuild.
      hwsim.deliver(air(dataFrame(AP, LOCAL_STATION, 3)));
      await vi.advanceTimersByTimeAsync(6000);
      expect(filters).toHaveLength(1);
      expect(hwsim.counters()["capture-filter-updates"]).toBe(1);
      await hwsim.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("a radio that cannot be created", () => {
  it("counts the frames held for it as inject errors and the failure as a radio error", async () => {
    const radios = new RecordingRadios([wlan0]);
    radios.createRadio = () => Promise.reject(new Error("EBUSY"));
    const hwsim = new HwsimMedium({
      captureIface: "hwsim0",
      source: { start: () => {}, close: () => {} },
      backend: radios,
      log: quiet,
      pollGuest: false,
    });
    await hwsim.start(() => {});
    hwsim.setGuestInterfaces([wlan0]);
    hwsim.deliver(air(dataFrame(REMOTE_STATION, AP, 1)));
    hwsim.deliver(air(dataFrame(REMOTE_STATION, AP, 2)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(hwsim.counters()["inject-error"]).toBe(2);
    // Two tries: when start() first saw the local AP on its channel, and again for the frames.
    expect(hwsim.counters()["radio-error"]).toBe(2);
    await hwsim.close();
  });
});
