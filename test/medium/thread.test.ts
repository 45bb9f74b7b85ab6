// A medium on a thread of its own, both ends over a MessageChannel in this process (the worker's
// own entry is proven by the bundle and VM tests): hwsim's registered medium against the kernel's
// test double, driven from the agent's side through ThreadedMedium.

import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { HwsimNetlinkMedium, hwsimRadioKey } from "../../src/agent/hwsim-netlink-medium.js";
import { HeaderLength } from "../../src/ieee80211/constants.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import { createLogger, type Logger } from "../../src/log.js";
import { type AirFrame, AirFrameFlags } from "../../src/medium/medium.js";
import { STATE_INTERVAL_MS } from "../../src/medium/thread/protocol.js";
import { ThreadedMedium } from "../../src/medium/thread/proxy.js";
import { type ServedMedium, serveMedium } from "../../src/medium/thread/serve.js";
import { FakeHwsimKernel } from "../../src/os/doubles/fake-hwsim-kernel.js";
import { HwsimTxFlags } from "../../src/os/netlink/hwsim/constants.js";
import type { HwsimTransmission } from "../../src/os/netlink/hwsim/medium-wire.js";
import type { HwsimRadioEntry } from "../../src/os/radios/hwsim-sysfs.js";

const PHY0 = 0x02_00_00_00_00_00;
const KEY0 = hwsimRadioKey(PHY0);
const AP = 0x02_00_00_77_00_01;
const REMOTE_STATION = 0x02_00_00_77_00_09;
const BROADCAST = 0xffff_ffff_ffff;

const frame = (fc0: number, addr1: number, addr2: number): Buffer =>
  encodeThreeAddressHeader({ frameControl: fc0, addr1, addr2, addr3: addr2 }, 40 - HeaderLength.threeAddress);

const transmission = (bytes: Buffer): HwsimTransmission => ({
  radio: KEY0,
  frame: bytes,
  flags: HwsimTxFlags.REQ_TX_STATUS,
  rates: Buffer.from([0, 3, 0xff, 0, 0xff, 0, 0xff, 0]),
  mcs: false,
  freqMhz: 2437,
  cookie: Buffer.from([1, 0, 0, 0, 0, 0, 0, 1]),
});

const remote = (bytes: Buffer): AirFrame => ({
  frame: bytes,
  freqMhz: 2437,
  rate500kbps: 12,
  signalDbm: -61,
  flags: 0,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    log: createLogger({ level: "debug", write: (line) => lines.push(line), timestamps: false }),
    lines,
  };
}

async function threaded(
  radios: HwsimRadioEntry[] = [{ phy: "phy0", permAddr: PHY0 }],
  open?: (kernel: FakeHwsimKernel, log: Logger) => Promise<ServedMedium>,
) {
  const kernel = new FakeHwsimKernel();
  const { port1, port2 } = new MessageChannel();
  const { log, lines } = recordingLogger();
  serveMedium(
    port2,
    open === undefined
      ? async (threadLog) =>
          new HwsimNetlinkMedium({
            port: kernel,
            listRadios: () => radios,
            log: threadLog,
            rescanRadios: false,
          })
      : (threadLog) => open(kernel, threadLog),
    "debug",
  );
  const subject = await ThreadedMedium.over(port1, log);
  cleanups.push(async () => {
    await subject.close();
    port1.close();
    port2.close();
  });
  const toTunnel: AirFrame[] = [];
  await subject.start((air) => toTunnel.push(air));
  return { kernel, subject, toTunnel, lines };
}

describe("hwsim's registered medium on a thread of its own", () => {
  it("takes the medium's name and abilities from its thread", async () => {
    const { subject } = await threaded();
    expect(subject.name).toBe("hwsim");
    expect(subject.appliesSignal).toBe(true);
  });

  it("reports a transmission's fate on the medium's thread; the frame reaches the agent after, unchanged", async () => {
    const { kernel, toTunnel } = await threaded();
    const beacon = frame(0x80, BROADCAST, AP);
    kernel.transmit(transmission(beacon));
    // The fate is out before the agent's side has seen anything.
    expect(kernel.statuses).toHaveLength(1);
    expect(toTunnel).toHaveLength(0);
    await until(() => toTunnel.length === 1, "the beacon at the agent");
    expect(toTunnel[0]).toMatchObject({ freqMhz: 2437, signalDbm: -30, flags: AirFrameFlags.noAck });
    expect(toTunnel[0]?.frame.equals(beacon)).toBe(true);
  });

  it("hands the agent's frames to the local radios, many per batch, with their signal", async () => {
    const { kernel, subject } = await threaded();
    for (let i = 0; i < 5; i++)
      expect(subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_STATION + i)))).toEqual({
        delivered: true,
      });
    // To both of the radio's possible hwsim keys until it has transmitted (hwsim-netlink-medium.ts).
    const toKey0 = () => kernel.deliveries.filter((d) => d.radio === KEY0);
    await until(() => toKey0().length === 5, "five deliveries");
    expect(toKey0().map((d) => d.signalDbm)).toEqual([-61, -61, -61, -61, -61]);
    expect(toKey0()[4]?.frame.readUIntBE(10, 6)).toBe(REMOTE_STATION + 4);
  });

  it("says not-ready while the medium knows no local radio, and own-frame for a local radio's address", async () => {
    const none = await threaded([]);
    expect(none.subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_STATION)))).toEqual({
      delivered: false,
      drop: "not-ready",
    });
    const { kernel, subject } = await threaded();
    kernel.transmit(transmission(frame(0x80, BROADCAST, AP)));
    await until(() => subject.guestMacs().includes(AP), "the local address in the agent's copy");
    expect(subject.deliver(remote(frame(0x80, BROADCAST, AP)))).toEqual({
      delivered: false,
      drop: "own-frame",
    });
    // The medium decides again, and counts.
    await until(
      () => subject.counters()["own-frame"] === 1,
      "own-frame counted by the medium",
      STATE_INTERVAL_MS * 8,
    );
    expect(kernel.deliveries.filter((d) => d.frame.readUIntBE(10, 6) === AP)).toHaveLength(0);
  });

  it("applies the link losses the agent pushes: a unicast frame over a link losing 100% is not acknowledged", async () => {
    const { kernel, subject } = await threaded();
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_STATION)));
    await until(() => kernel.deliveries.length > 0, "the remote beacon");
    kernel.transmit(transmission(frame(0x08, REMOTE_STATION, AP)));
    expect((kernel.statuses.at(-1)?.flags ?? 0) & HwsimTxFlags.STAT_ACK).toBe(HwsimTxFlags.STAT_ACK);
    subject.useLinkLosses(new Map([[REMOTE_STATION, 100]]));
    await sleep(20);
    kernel.transmit(transmission(frame(0x08, REMOTE_STATION, AP)));
    expect((kernel.statuses.at(-1)?.flags ?? 0) & HwsimTxFlags.STAT_ACK).toBe(0);
  });

  it("keeps the medium's counters and status fresh, and has its last counters after close", async () => {
    const { kernel, subject } = await threaded();
    kernel.transmit(transmission(frame(0x80, BROADCAST, AP)));
    await until(() => subject.counters().captured === 1, "captured=1 at the agent", STATE_INTERVAL_MS * 8);
    expect(subject.status().localRadios?.[0]).toMatchObject({ ifname: "phy0", up: true, freqMhz: 2437 });
    kernel.transmit(transmission(frame(0x80, BROADCAST, AP)));
    await subject.close();
    expect(subject.counters().captured).toBe(2);
    expect(kernel.closed).toBe(true);
  });

  it("writes the thread's log lines with the agent's logger, rate limits included", async () => {
    const { kernel, lines } = await threaded();
    for (let i = 0; i < 20; i++) kernel.refuse("status", 22);
    await until(() => lines.some((line) => line.includes("no longer held")), "the warning");
    await sleep(50);
    // The default limit: 6 lines a minute per key.
    expect(lines.filter((line) => line.includes("no longer held"))).toHaveLength(6);
  });

  it("survives a medium that throws on a delivery: said once per minute, the next frame is delivered", async () => {
    let calls = 0;
    const { kernel, subject, lines } = await threaded(undefined, async (fake, log) => {
      const medium = new HwsimNetlinkMedium({
        port: fake,
        listRadios: () => [{ phy: "phy0", permAddr: PHY0 }],
        log,
        rescanRadios: false,
      });
      const deliver = medium.deliver.bind(medium);
      medium.deliver = (air) => {
        calls++;
        if (calls === 1) throw new Error("boom");
        return deliver(air);
      };
      return medium;
    });
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_STATION)));
    await until(() => lines.some((line) => line.includes("boom")), "the error line");
    subject.deliver(remote(frame(0x80, BROADCAST, REMOTE_STATION)));
    await until(() => kernel.deliveries.length > 0, "the next delivery");
    expect(lines.find((line) => line.includes("boom"))).toMatch(
      /^error: hwsim: delivering a frame failed \(a bug/,
    );
  });

  it("rejects with the medium's own sentence when it cannot open", async () => {
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => {
      port1.close();
      port2.close();
    });
    serveMedium(
      port2,
      async () => {
        throw new Error("the MAC80211_HWSIM generic netlink family is not available");
      },
      "info",
    );
    await expect(ThreadedMedium.over(port1, recordingLogger().log)).rejects.toThrow(/MAC80211_HWSIM/);
  });
});
