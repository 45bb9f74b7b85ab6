// The agent as hwsim's registered medium, against the kernel's test double: which transmissions are
// acknowledged, where local and remote frames go, and what never goes anywhere.

import { afterEach, describe, expect, it, vi } from "vitest";
import { SETTLE_MS, STALE_QUIET_MS } from "../../src/agent/early-scan-end.js";
import { HwsimNetlinkMedium, hwsimRadioKey } from "../../src/agent/hwsim-netlink-medium.js";
import { SCAN_REPLAY_INTERVAL_MS } from "../../src/agent/scan-answer.js";
import { HeaderLength } from "../../src/ieee80211/constants.js";
import { readAddress2 } from "../../src/ieee80211/frame.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import { createLogger } from "../../src/log.js";
import { type AirFrame, AirFrameFlags } from "../../src/medium/medium.js";
import { FakeHwsimKernel } from "../../src/os/doubles/fake-hwsim-kernel.js";
import { FakeLocalScans } from "../../src/os/doubles/fake-local-scans.js";
import { HwsimTxFlags } from "../../src/os/netlink/hwsim/constants.js";
import type { HwsimTransmission } from "../../src/os/netlink/hwsim/medium-wire.js";
import type { HwsimRadioEntry } from "../../src/os/radios/hwsim-sysfs.js";
import { quiet } from "./hwsim-fixtures.js";

const PHY0 = 0x02_00_00_00_00_00; // hwsim's first radio: keyed 42:00:00:00:00:00
const PHY1 = 0x02_00_00_00_01_00;
const KEY0 = hwsimRadioKey(PHY0);
const KEY1 = hwsimRadioKey(PHY1);
const AP = 0x02_00_00_77_00_01; // a vif address of the local AP on phy0
const STATION = 0x02_00_00_77_00_02; // a vif address on phy1
const REMOTE_AP = 0x02_00_00_77_00_09;
const OTHER_STATION = 0x02_00_00_77_00_05; // a second station interface, idle
const NOBODY = 0x02_00_00_77_00_42;
const BROADCAST = 0xffff_ffff_ffff;

function frame(fc0: number, addr1: number, addr2: number): Buffer {
  return encodeThreeAddressHeader(
    { frameControl: fc0, addr1, addr2, addr3: addr2 },
    40 - HeaderLength.threeAddress,
  );
}

function transmission(
  radio: number,
  bytes: Buffer,
  flags: number = HwsimTxFlags.REQ_TX_STATUS,
): HwsimTransmission {
  return {
    radio,
    frame: bytes,
    flags,
    rates: Buffer.from([0, 3, 0xff, 0, 0xff, 0, 0xff, 0]),
    mcs: false,
    freqMhz: 2437,
    cookie: Buffer.from([radio & 0xff, bytes[0] ?? 0, 0, 0, 0, 0, 0, 1]),
  };
}

async function medium(
  radios: HwsimRadioEntry[] = [
    { phy: "phy0", permAddr: PHY0 },
    { phy: "phy1", permAddr: PHY1 },
  ],
  random: () => number = Math.random,
) {
  const kernel = new FakeHwsimKernel();
  const toTunnel: AirFrame[] = [];
  let now = 1_000_000;
  const subject = new HwsimNetlinkMedium({
    port: kernel,
    listRadios: () => radios,
    log: quiet,
    now: () => now,
    rescanRadios: false,
    random,
  });
  await subject.start((air) => toTunnel.push(air));
  return { kernel, subject, toTunnel, advance: (ms: number) => (now += ms) };
}

const remote = (bytes: Buffer, freqMhz = 2437): AirFrame => ({
  frame: bytes,
  freqMhz,
  rate500kbps: 12,
  signalDbm: -61,
  flags: 0,
});

describe("the agent as hwsim's medium", () => {
  it("reports every transmission's fate at once, in one send with its local deliveries", async () => {
    const { kernel, toTunnel } = await medium();
    kernel.transmit(transmission(KEY0, frame(0x80, BROADCAST, AP)));
    expect(kernel.sends).toBe(1);
    expect(kernel.statuses).toHaveLength(1);
    expect(kernel.statuses[0]?.radio).toBe(KEY0);
    expect(kernel.statuses[0]?.cookie[7]).toBe(1);
    // A group frame is sent, not acknowledged.
    expect((kernel.statuses[0]?.flags ?? 0) & HwsimTxFlags.STAT_ACK).toBe(0);
    // The other radio gets it (both hwsim keys until phy1 transmits), the transmitter does not.
    expect(kernel.deliveries.map((d) => d.radio)).toEqual([KEY1, PHY1]);
    expect(toTunnel).toHaveLength(1);
    expect(toTunnel[0]?.freqMhz).toBe(2437);
  });

  it("once a radio has transmitted, frames for it go to the key it transmitted from only", async () => {
    const { kernel } = await medium();
    kernel.transmit(transmission(KEY1, frame(0x40, BROADCAST, STATION)));
    kernel.deliveries.length = 0;
    kernel.transmit(transmission(KEY0, frame(0x80, BROADCAST, AP)));
    expect(kernel.deliveries.map((d) => d.radio)).toEqual([KEY1]);
  });

  it.each([
    ["a local address that has transmitted", () => STATION, true],
    ["a remote transmitter heard through the tunnel", () => REMOTE_AP, true],
    ["an address nobody transmits from", () => NOBODY, false],
    ["the transmitting radio's own address", () => AP, false],
  ])("acknowledges a unicast frame to %s: %s", async (_what, receiver, acked) => {
    const { kernel, subject } = await medium();
    kernel.transmit(transmission(KEY1, frame(0x40, BROADCAST, STATION)));
    kernel.transmit(transmission(KEY0, frame(0x80, BROADCAST, AP)));
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP)));
    kernel.transmit(transmission(KEY0, frame(0xb0, receiver(), AP)));
    const status = kernel.statuses.at(-1);
    expect(((status?.flags ?? 0) & HwsimTxFlags.STAT_ACK) !== 0).toBe(acked);
    // Acknowledged: one try; not: every try mac80211 asked for.
    expect(status?.rates[1]).toBe(acked ? 1 : 3);
    expect(subject.counters()[acked ? "acked" : "not-acked"]).toBe(1);
  });

  it("forgets a receiver ten minutes after it was last heard", async () => {
    const { kernel, subject, advance } = await medium();
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP)));
    advance(600_001);
    kernel.transmit(transmission(KEY0, frame(0xb0, REMOTE_AP, AP)));
    expect((kernel.statuses.at(-1)?.flags ?? 0) & HwsimTxFlags.STAT_ACK).toBe(0);
  });

  it("never acknowledges a frame sent without wanting one", async () => {
    const { kernel, subject } = await medium();
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP)));
    kernel.transmit(transmission(KEY0, frame(0x08, REMOTE_AP, AP), HwsimTxFlags.NO_ACK));
    const status = kernel.statuses.at(-1);
    expect((status?.flags ?? 0) & HwsimTxFlags.STAT_ACK).toBe(0);
    expect(status?.flags).toBe(HwsimTxFlags.NO_ACK);
  });

  it("hands a frame from the tunnel to every local radio with its channel, rate index and signal", async () => {
    const { kernel, subject } = await medium();
    expect(subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2412))).toEqual({ delivered: true });
    expect(kernel.deliveries.map((d) => [d.radio, d.freqMhz, d.rateIndex, d.signalDbm])).toEqual([
      [KEY0, 2412, 4, -61],
      [PHY0, 2412, 4, -61],
      [KEY1, 2412, 4, -61],
      [PHY1, 2412, 4, -61],
    ]);
    expect(kernel.statuses).toHaveLength(0);
  });

  it("refuses a remote frame from a local address (an echo or a MAC collision), counted", async () => {
    const { kernel, subject } = await medium();
    kernel.transmit(transmission(KEY0, frame(0x80, BROADCAST, AP)));
    kernel.deliveries.length = 0;
    expect(subject.deliver(remote(frame(0x80, BROADCAST, AP)))).toEqual({
      delivered: false,
      drop: "own-frame",
    });
    expect(kernel.deliveries).toHaveLength(0);
    expect(subject.counters()["own-frame"]).toBe(1);
  });

  it("has nowhere to deliver before any radio exists", async () => {
    const { kernel, subject } = await medium([]);
    expect(subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP)))).toEqual({
      delivered: false,
      drop: "not-ready",
    });
    expect(kernel.sends).toBe(0);
  });

  it("answers a local probe request with the remote APs' latest beacons of its channel, to the prober only", async () => {
    const { kernel, subject } = await medium();
    const remoteBeacon = frame(0x80, BROADCAST, REMOTE_AP);
    subject.deliver(remote(remoteBeacon, 2437));
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP + 1), 2412));
    kernel.deliveries.length = 0;
    kernel.transmit(transmission(KEY1, frame(0x40, BROADCAST, STATION)));
    const toProber = kernel.deliveries.filter((d) => d.radio === KEY1);
    expect(toProber.map((d) => d.frame)).toEqual([remoteBeacon]);
    // As strong as the AP's real beacons (the link's signal), not the default.
    expect(toProber.map((d) => d.signalDbm)).toEqual([-61]);
    expect(subject.counters()["beacons-replayed"]).toBe(1);
  });

  it("counts hwsim's refusals and unreadable messages without failing", async () => {
    const { kernel, subject } = await medium();
    kernel.refuse("delivery", 22);
    kernel.refuse("status", 22);
    kernel.refuse("status", 22);
    expect(subject.counters()["delivery-refused"]).toBe(1);
    expect(subject.counters()["status-refused"]).toBe(2);
  });

  it("closes the kernel socket (which ends the registration)", async () => {
    const { kernel, subject } = await medium();
    await subject.close();
    expect(kernel.closed).toBe(true);
  });
});

describe("a local station's request to a remote AP waits for the answer (held-fates.ts)", () => {
  /** An Open System authentication, transaction `transaction`. */
  const authFrame = (to: number, from: number, transaction: number) => {
    const bytes = frame(0xb0, to, from);
    bytes.writeUInt16LE(0, HeaderLength.threeAddress);
    bytes.writeUInt16LE(transaction, HeaderLength.threeAddress + 2);
    return bytes;
  };

  it("acknowledges the request only when the AP's answer arrives, just before delivering it; the request leaves at once", async () => {
    const { kernel, subject, toTunnel } = await medium();
    const order: string[] = [];
    const send = kernel.send.bind(kernel);
    kernel.send = (statuses, deliveries) => {
      for (const status of statuses)
        order.push(`status ${(status.flags & HwsimTxFlags.STAT_ACK) !== 0 ? "acked" : "not acked"}`);
      for (const delivery of deliveries) order.push(`delivery ${delivery.frame[0]?.toString(16)}`);
      send(statuses, deliveries);
    };
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP)));
    order.length = 0;
    kernel.transmit(transmission(KEY1, authFrame(REMOTE_AP, STATION, 1)));
    expect(order.filter((event) => event.startsWith("status"))).toEqual([]);
    expect(toTunnel.at(-1)?.frame[0]).toBe(0xb0);
    expect(subject.counters()["fates-held"]).toBe(1);
    order.length = 0;
    subject.deliver(remote(authFrame(STATION, REMOTE_AP, 2)));
    expect(order[0]).toBe("status acked");
    expect(order.slice(1).every((event) => event === "delivery b0")).toBe(true);
    expect(subject.counters()["fates-held-expired"]).toBe(0);
    await subject.close();
  });

  it.each([
    ["to an AP nobody has heard (not acknowledged: nothing to wait for)", NOBODY],
    ["to a local AP (answered in this kernel)", AP],
  ])("does not hold a request %s", async (_what, receiver) => {
    const { kernel, subject } = await medium();
    kernel.transmit(transmission(KEY0, frame(0x80, BROADCAST, AP)));
    const before = kernel.statuses.length;
    kernel.transmit(transmission(KEY1, authFrame(receiver, STATION, 1)));
    expect(kernel.statuses).toHaveLength(before + 1);
    expect(subject.counters()["fates-held"]).toBe(0);
  });
});

describe("a lossy link toward a remote receiver, decided try by try where the frame is sent", () => {
  const lossy = async (lossPercent: number, draws: number[]) => {
    const m = await medium(undefined, () => draws.shift() ?? Number.NaN);
    m.subject.useLinkLosses(new Map([[REMOTE_AP, lossPercent]]));
    m.subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP)));
    m.kernel.transmit(transmission(KEY0, frame(0xb0, REMOTE_AP, AP)));
    return { ...m, status: m.kernel.statuses.at(-1), draws };
  };

  it("gets through on the first try that is not lost: acknowledged, that many tries reported, sent on once", async () => {
    // 50%: the first try lost (0.1), the second through (0.7); three tries were asked for.
    const { status, toTunnel, draws, subject } = await lossy(50, [0.1, 0.7]);
    expect((status?.flags ?? 0) & HwsimTxFlags.STAT_ACK).toBe(HwsimTxFlags.STAT_ACK);
    expect([...(status?.rates ?? [])]).toEqual([0, 2, 0xff, 0, 0xff, 0, 0xff, 0]);
    expect(toTunnel).toHaveLength(1);
    // The receiving agent must not lose it again.
    expect((toTunnel[0]?.flags ?? 0) & AirFrameFlags.lossApplied).toBe(AirFrameFlags.lossApplied);
    expect(draws).toEqual([]);
    expect(subject.counters()["link-tries-lost"]).toBe(1);
  });

  it("is lost when every try is: not acknowledged after all of them, never sent on, counted", async () => {
    const { status, toTunnel, subject } = await lossy(50, [0.1, 0.2, 0.3]);
    expect((status?.flags ?? 0) & HwsimTxFlags.STAT_ACK).toBe(0);
    expect([...(status?.rates ?? [])]).toEqual([0, 3, 0xff, 0, 0xff, 0, 0xff, 0]);
    expect(toTunnel).toHaveLength(0);
    expect(subject.counters()["link-lost"]).toBe(1);
    expect(subject.counters()["link-tries-lost"]).toBe(3);
  });

  // Its ACK was decided here even without loss: a receiving agent whose own link toward this one
  // loses frames must not drop it after that (the kernel that sent it would never send it again).
  it("at 100% draws nothing and loses every frame; at 0% draws nothing and still flags the frame's fate as decided", async () => {
    const all = await lossy(100, []);
    expect(all.toTunnel).toHaveLength(0);
    const none = await lossy(0, []);
    expect(none.toTunnel).toHaveLength(1);
    expect((none.toTunnel[0]?.flags ?? 0) & AirFrameFlags.lossApplied).toBe(AirFrameFlags.lossApplied);
    expect(none.subject.counters()["link-tries-lost"]).toBe(0);
  });

  it("does not flag a group frame: the receivers lose it on receipt, once", async () => {
    const { kernel, toTunnel } = await lossy(0, []);
    kernel.transmit(transmission(KEY0, frame(0x80, BROADCAST, AP)));
    expect((toTunnel.at(-1)?.flags ?? 0) & AirFrameFlags.lossApplied).toBe(0);
  });
});

describe("hwsim radio keys", () => {
  it.each([
    [0x02_00_00_00_00_00, 0x42_00_00_00_00_00],
    [0x02_00_00_00_01_00, 0x42_00_00_00_01_00],
    [0x42_00_00_00_01_00, 0x42_00_00_00_01_00],
    [0xfe_12_34_56_78_9a, 0xfe_12_34_56_78_9a],
  ])("%d is keyed %d", (perm, key) => {
    expect(hwsimRadioKey(perm)).toBe(key);
  });
});

describe("a failure inside the medium's handler", () => {
  it("is counted and logged with its stack (HwsimMediumSocket catches it: thrown into the netlink binding it would abort the process)", async () => {
    const kernel = new FakeHwsimKernel();
    const lines: string[] = [];
    const log = createLogger({ level: "error", write: (line) => lines.push(line) });
    const subject = new HwsimNetlinkMedium({ port: kernel, listRadios: () => [], log, rescanRadios: false });
    await subject.start(() => {
      throw new Error("boom in the send path");
    });
    // What HwsimMediumSocket does with each message: the handler's exception goes to `failed`.
    const events = (
      kernel as unknown as {
        events: { transmission: (t: HwsimTransmission) => void; failed: (e: unknown) => void };
      }
    ).events;
    try {
      events.transmission(transmission(KEY0, frame(0x80, BROADCAST, AP)));
    } catch (error) {
      events.failed(error);
    }
    expect(subject.counters()["handler-errors"]).toBe(1);
    expect(lines.join("\n")).toMatch(
      /handling a message from hwsim failed \(a bug: please report it\): Error: boom in the send path/,
    );
  });
});

describe("a local station's scan ends once no channel left holds an AP the medium heard (early-scan-end.ts)", () => {
  const WLAN1 = 5;
  const FULL = [2412, 2417, 2422, 2427, 2432, 2437, 2442, 2447, 2452, 2457, 2462, 5180, 5200, 5955];
  const probe = (freqMhz: number) => ({ ...transmission(KEY1, frame(0x40, BROADCAST, STATION)), freqMhz });

  async function scanningMedium(idleStations: FakeLocalScans["idleStations"] = []) {
    vi.useFakeTimers();
    const kernel = new FakeHwsimKernel();
    const scans = new FakeLocalScans();
    scans.idleStations = idleStations;
    const subject = new HwsimNetlinkMedium({
      port: kernel,
      listRadios: () => [
        { phy: "phy0", permAddr: PHY0 },
        { phy: "phy1", permAddr: PHY1 },
      ],
      log: quiet,
      rescanRadios: false,
      openLocalScans: scans.open,
    });
    await subject.start(() => {});
    expect(scans.opened).toBe(false); // not while the agent starts
    await vi.advanceTimersByTimeAsync(1000);
    expect(scans.opened).toBe(true);
    return { kernel, scans, subject };
  }
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ends a station's full scan after its probe on the remote AP's channel, and counts it", async () => {
    const { kernel, scans, subject } = await scanningMedium();
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2437));
    scans.announce({ kind: "scan-started", ifindex: WLAN1, iftype: "STATION", mac: STATION, freqsMhz: FULL });
    for (const freq of [2412, 2417, 2422, 2427, 2432, 2437]) kernel.transmit(probe(freq));
    // The probe on 2437 MHz was answered with the AP's beacon before anything ends.
    expect(kernel.deliveries.some((d) => d.radio === KEY1 && readAddress2(d.frame) === REMOTE_AP)).toBe(true);
    expect(scans.ended).toEqual([]);
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    expect(scans.ended).toEqual([WLAN1]);
    expect(subject.counters()["scans-ended-early"]).toBe(1);
    await subject.close();
    expect(scans.closed).toBe(true);
  });

  it("replays the remote beacons to the scanning radio every tick while it scans, and stops with the scan", async () => {
    const { kernel, scans, subject } = await scanningMedium();
    kernel.transmit({ ...transmission(KEY1, frame(0x10, AP, STATION)), freqMhz: 2412 }); // the station's radio is KEY1
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2462));
    scans.announce({ kind: "scan-started", ifindex: WLAN1, iftype: "STATION", mac: STATION, freqsMhz: FULL });
    kernel.deliveries.length = 0;
    await vi.advanceTimersByTimeAsync(SCAN_REPLAY_INTERVAL_MS * 3);
    const replays = kernel.deliveries.filter((d) => readAddress2(d.frame) === REMOTE_AP);
    expect(replays.length).toBe(3);
    expect(replays.every((d) => d.radio === KEY1 && d.freqMhz === 2462 && d.signalDbm === -61)).toBe(true);
    scans.announce({ kind: "scan-ended", ifindex: WLAN1 });
    kernel.deliveries.length = 0;
    await vi.advanceTimersByTimeAsync(SCAN_REPLAY_INTERVAL_MS * 3);
    expect(kernel.deliveries).toEqual([]);
    await subject.close();
  });

  it("a scan begun before scans were followed ends at the first remote 2.4 GHz beacon; a refusal means none ran", async () => {
    const { scans, subject } = await scanningMedium([
      { ifindex: WLAN1, mac: STATION },
      { ifindex: WLAN1 + 1, mac: OTHER_STATION },
    ]);
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2437));
    await vi.advanceTimersByTimeAsync(0);
    expect(scans.ended).toEqual([WLAN1, WLAN1 + 1]);
    expect(subject.counters()["unfollowed-scans-ended"]).toBe(2);
    expect(subject.counters()["scans-ended-early"]).toBe(0);
    // Once only: the next beacon ends nothing; and a kernel refusal (nothing was scanning) is counted.
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2437));
    expect(scans.ended).toEqual([WLAN1, WLAN1 + 1]);
    await subject.close();

    const second = await scanningMedium([{ ifindex: WLAN1, mac: STATION }]);
    second.scans.refuse = true;
    second.subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2437));
    await vi.advanceTimersByTimeAsync(0);
    expect(second.scans.ended).toEqual([WLAN1]);
    expect(second.subject.counters()["unfollowed-scan-absent"]).toBe(1);
    expect(second.subject.counters()["scan-end-refused"]).toBe(0);
    await second.subject.close();

    // An interface hostapd has made an AP since is left alone (its own scans must run out).
    const third = await scanningMedium([{ ifindex: WLAN1, mac: STATION }]);
    third.scans.notIdle.add(WLAN1);
    third.subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2437));
    await vi.advanceTimersByTimeAsync(0);
    expect(third.scans.ended).toEqual([]);
    expect(third.subject.counters()["unfollowed-scan-absent"]).toBe(1);
    await third.subject.close();
  });

  it("an unfollowed station still probing 2.4 GHz is left to scan on; one announced since is followed instead", async () => {
    const { kernel, scans, subject } = await scanningMedium([{ ifindex: WLAN1, mac: STATION }]);
    kernel.transmit(probe(2412));
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2437));
    await vi.advanceTimersByTimeAsync(0);
    expect(scans.ended).toEqual([]);
    scans.announce({ kind: "scan-started", ifindex: WLAN1, iftype: "STATION", mac: STATION, freqsMhz: FULL });
    await vi.advanceTimersByTimeAsync(STALE_QUIET_MS);
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_AP), 2437));
    await vi.advanceTimersByTimeAsync(0);
    expect(scans.ended).toEqual([]); // followed now: it ends past 2437 MHz, not at a beacon
    await subject.close();
  });

  it("a local AP's beacons count too; an AP interface's scan is never ended; a refusal is counted", async () => {
    const { kernel, scans, subject } = await scanningMedium();
    kernel.transmit({ ...transmission(KEY0, frame(0x80, BROADCAST, AP)), freqMhz: 2412 });
    scans.announce({ kind: "scan-started", ifindex: WLAN1, iftype: "AP", mac: STATION, freqsMhz: FULL });
    for (const freq of [2412, 2417, 2422]) kernel.transmit(probe(freq));
    expect(scans.ended).toEqual([]);
    scans.announce({ kind: "scan-ended", ifindex: WLAN1 });
    scans.refuse = true;
    scans.announce({ kind: "scan-started", ifindex: WLAN1, iftype: "STATION", mac: STATION, freqsMhz: FULL });
    for (const freq of [2412, 2417]) kernel.transmit(probe(freq));
    await vi.advanceTimersByTimeAsync(0);
    expect(scans.ended).toEqual([WLAN1]);
    expect(subject.counters()["scan-end-refused"]).toBe(1);
    await subject.close();
  });
});
