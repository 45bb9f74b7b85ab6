// The whole agent, twice, over real UDP on loopback: agent A replays what hwsim0 showed during a
// real WPA2 association (test/fixtures, recorded in a VM), agent B injects through recording radios
// into a pcap file. No root, no hwsim; the capture → classify → seal → send → receive → open →
// steer → inject walk is the production code.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freeUdpPort } from "../../lab/vm.js";
import { Agent } from "../../src/agent/agent.js";
import { HwsimMedium } from "../../src/agent/hwsim-medium.js";
import { RECEIVE_COUNTERS, RECEIVE_DELIVERY_DROPS } from "../../src/agent/receive.js";
import { readCaptureFile } from "../../src/capture-file/capture-file.js";
import { parseFrame } from "../../src/ieee80211/frame.js";
import { createLogger } from "../../src/log.js";
import { CaptureFileSource } from "../../src/os/doubles/capture-file-source.js";
import { RecordingRadios } from "../../src/os/doubles/recording-radios.js";
import type { GuestInterface } from "../../src/os/radios/backend.js";
import { decodeRadiotap } from "../../src/radiotap/radiotap.js";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "hwsim0-wpa2.pcap");
const quiet = createLogger({ level: "error", write: () => {} });

/** A station that is scanning hears every channel; an AP hears only its own. */
function station(freqMhz: number | null): GuestInterface[] {
  return [{ ifindex: 2, ifname: "wlan0", iftype: "STATION", up: true, freqMhz, mac: 0x02_00_00_00_aa_01 }];
}

/**
 * A guest monitor interface without a channel (tcpdump on every channel) has a use for every
 * frame, so every frame of the fixture is delivered: a scanning station would take only beacons,
 * probe responses and frames to itself (listeners.ts).
 */
function everyFrameListener(): GuestInterface[] {
  return [
    { ifindex: 4, ifname: "mon0", iftype: "MONITOR", up: true, freqMhz: null, mac: 0x02_00_00_00_aa_01 },
  ];
}

function capturedFrames(path: string): { frame: Buffer; freqMhz: number }[] {
  const file = readCaptureFile(readFileSync(path));
  if (!file.ok) throw new Error(file.error.detail);
  const frames: { frame: Buffer; freqMhz: number }[] = [];
  for (const record of file.value.records) {
    const packet = decodeRadiotap(record.data);
    if (!packet.ok) continue;
    const view = parseFrame(packet.value.frame);
    if (view.ok && view.value.type !== "control") {
      frames.push({
        frame: Buffer.from(packet.value.frame),
        freqMhz: packet.value.header.channel?.freqMhz ?? 0,
      });
    }
  }
  return frames;
}

/** The 802.11 frames the recording radios were given, in order. */
function injectedFrames(radios: RecordingRadios): Buffer[] {
  return radios.injected.map(({ packet }) => {
    const decoded = decodeRadiotap(packet);
    if (!decoded.ok) throw new Error(decoded.error.detail);
    return decoded.value.frame;
  });
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const running: Agent[] = [];
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
});

interface ReplayOptions {
  readonly pskA?: Buffer | null;
  readonly pskB?: Buffer | null;
  /** What B's local radios are doing (decides which channels B delivers). */
  readonly receiverGuest: GuestInterface[];
  /** B lists A's address as a peer (else a different one, so A is unknown to B). */
  readonly bKnowsA?: boolean;
  /** Fixture packets per turn of A's loop (1 by default). */
  readonly perTurn?: number;
  /** A replays only once it has heard B's HELLO (so it knows B takes bundles). */
  readonly afterHandshake?: boolean;
  /** Both agents' bundle limit (off by default). */
  readonly bundleBytes?: number;
}

/** B listens with recording radios; A replays the fixture to B. Both stop after each test. */
async function replayFixture(options: ReplayOptions) {
  // A peer is its address and port: B must be told the port A will send from.
  const portA = await freeUdpPort();
  const receiverRadios = new RecordingRadios(options.receiverGuest);
  const sink = new HwsimMedium({
    captureIface: "sink",
    source: { start: () => {}, close: () => {} },
    backend: receiverRadios,
    log: quiet,
    pollGuest: false,
  });
  const b = new Agent({
    nodeId: 2,
    nodeName: "b",
    psk: options.pskB ?? null,
    listen: { address: "127.0.0.1", port: 0 },
    peers: [{ address: options.bKnowsA === false ? "127.0.0.2" : "127.0.0.1", port: portA }],
    media: [sink],
    localRadioMacs: () => [],
    log: quiet,
    ...(options.bundleBytes === undefined ? {} : { bundleBytes: options.bundleBytes }),
  });
  running.push(b);
  await b.start();
  sink.setGuestInterfaces(options.receiverGuest);
  let handshakeDone = (): void => {};
  const source = new CaptureFileSource(FIXTURE, {
    perTurn: options.perTurn ?? 1,
    ...(options.afterHandshake
      ? {
          after: new Promise<void>((resolve) => {
            handshakeDone = resolve;
          }),
        }
      : {}),
  });
  const replay = new HwsimMedium({
    captureIface: "replay",
    source,
    backend: new RecordingRadios([]),
    log: quiet,
    pollGuest: false,
  });
  const a = new Agent({
    nodeId: 1,
    nodeName: "a",
    psk: options.pskA ?? null,
    listen: { address: "127.0.0.1", port: portA },
    peers: [b.local!],
    media: [replay],
    localRadioMacs: () => [],
    log: quiet,
    ...(options.bundleBytes === undefined ? {} : { bundleBytes: options.bundleBytes }),
  });
  running.push(a);
  await a.start();
  if (options.afterHandshake) {
    await until(() => a.peers.all()[0]?.identity !== null);
    handshakeDone();
  }
  await source.done;
  return { a, b, receiverRadios };
}

describe("agent pipeline, pcap file to pcap file over loopback UDP", () => {
  it("B accepts nothing from an address it was not told about", async () => {
    const { b } = await replayFixture({ receiverGuest: station(null), bKnowsA: false });
    await until(() => (b.receiveCounters?.get("dropped-unknown-peer") ?? 0) > 0);
    expect(b.receiveCounters?.get("frames-in")).toBe(0);
  });

  for (const sealed of [false, true]) {
    it(`delivers every management and data frame exactly once, in order${sealed ? ", sealed with a key" : ""}`, async () => {
      const expected = capturedFrames(FIXTURE);
      expect(expected.length).toBeGreaterThan(50);
      const psk = sealed ? Buffer.alloc(32, 7) : null;
      const { a, b, receiverRadios } = await replayFixture({
        pskA: psk,
        pskB: psk,
        receiverGuest: everyFrameListener(),
      });
      await until(() => receiverRadios.injected.length >= expected.length);
      await new Promise((resolve) => setTimeout(resolve, 100));

      const injected = injectedFrames(receiverRadios);
      expect(injected.length).toBe(expected.length);
      for (const [index, frame] of injected.entries()) expect(frame.equals(expected[index].frame)).toBe(true);
      // Counters add up: captured = sent + dropped on A; B injected everything it received.
      const send = a.sendCounters!;
      expect(send.get("frames-in")).toBe(
        send.get("sent") +
          send.get("dropped-control") +
          send.get("dropped-malformed") +
          send.get("dropped-oversize"),
      );
      expect(b.receiveCounters?.get("delivered")).toBe(expected.length);
      expect(b.receiveCounters?.get("dropped-auth-failure")).toBe(0);
      // Every frame went out through the radio parked on the channel it was captured on.
      expect(receiverRadios.injected.map(({ freqMhz }) => freqMhz)).toEqual(
        expected.map(({ freqMhz }) => freqMhz),
      );
    });
  }

  for (const sealed of [false, true]) {
    it(`bundles a turn's frames for B, and every frame still arrives once, in order${sealed ? ", sealed" : ""}`, async () => {
      const expected = capturedFrames(FIXTURE);
      const psk = sealed ? Buffer.alloc(32, 9) : null;
      const { a, b, receiverRadios } = await replayFixture({
        pskA: psk,
        pskB: psk,
        receiverGuest: everyFrameListener(),
        perTurn: 16,
        afterHandshake: true,
        bundleBytes: 8192,
      });
      await until(() => receiverRadios.injected.length >= expected.length);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const injected = injectedFrames(receiverRadios).map((frame) => frame.toString("hex"));
      // In order per channel: a channel's first frame waits for its radio, so channels interleave
      // differently when 16 frames come per turn.
      const perChannel = (frames: { hex: string; freqMhz: number }[]) => {
        const channels = new Map<number, string[]>();
        for (const { hex, freqMhz } of frames) channels.set(freqMhz, [...(channels.get(freqMhz) ?? []), hex]);
        return Object.fromEntries([...channels].sort(([a], [b]) => a - b));
      };
      expect(
        perChannel(injected.map((hex, index) => ({ hex, freqMhz: receiverRadios.injected[index].freqMhz }))),
      ).toEqual(perChannel(expected.map(({ frame, freqMhz }) => ({ hex: frame.toString("hex"), freqMhz }))));
      const bundles = b.receiveCounters?.get("bundles-in") ?? 0;
      expect(bundles).toBeGreaterThan(0);
      // Fewer UDP datagrams than tunnel datagrams, and none refused.
      const peerB = a.peers.all()[0];
      expect(peerB.counters.get("datagrams-sent")).toBeGreaterThan(expected.length);
      expect(b.receiveCounters?.get("datagrams-in")).toBe(peerB.counters.get("datagrams-sent"));
      expect(b.receiveCounters?.get("dropped-malformed")).toBe(0);
      expect(b.receiveCounters?.get("dropped-replay")).toBe(0);
      expect(b.receiveCounters?.get("delivered")).toBe(expected.length);
    });
  }

  it("drops frames for a channel no local radio hears, and counts them; readies only the beacon's channel and its own", async () => {
    const ap5GHz: GuestInterface = {
      ifindex: 3,
      ifname: "wlan0",
      iftype: "AP",
      up: true,
      freqMhz: 5180,
      // Not the fixture AP's address: a frame from a local address would be dropped as our own.
      mac: 0x02_00_00_00_55_00,
    };
    const { a, b, receiverRadios } = await replayFixture({ receiverGuest: [ap5GHz] });
    const sent = () => a.sendCounters?.get("sent") ?? 0;
    await until(() => (b.receiveCounters?.get("frames-in") ?? 0) === sent() && sent() > 0);
    expect(receiverRadios.injected).toHaveLength(0);
    expect(b.receiveCounters?.get("dropped-wrong-channel")).toBe(sent());
    // The local AP's own channel gets a radio as soon as it is seen, and the channel the remote AP
    // beacons on one (ready before a station scans); none for the channels the remote station
    // probed on.
    expect([...receiverRadios.radios.keys()]).toEqual([5180, 2437]);
  });

  it("a scanning station gets beacons and probe responses on every channel, not the other station's probes or data; radios only where APs are", async () => {
    const { a, b, receiverRadios } = await replayFixture({ receiverGuest: station(null) });
    const sent = () => a.sendCounters?.get("sent") ?? 0;
    await until(() => (b.receiveCounters?.get("frames-in") ?? 0) === sent() && sent() > 0);
    const frames = capturedFrames(FIXTURE);
    const announcing = frames.filter(({ frame }) => frame[0] === 0x80 || frame[0] === 0x50).length;
    expect(announcing).toBeGreaterThan(0);
    expect(b.receiveCounters?.get("delivered")).toBe(announcing);
    expect(b.receiveCounters?.get("dropped-unused")).toBe(sent() - announcing);
    // The receive invariant: every frame that came in was delivered or dropped for one reason.
    const receive = b.receiveCounters!;
    const drops = RECEIVE_COUNTERS.filter((name) => RECEIVE_DELIVERY_DROPS.has(name));
    expect(receive.get("frames-in")).toBe(
      receive.get("delivered") + drops.reduce((total, name) => total + receive.get(name), 0),
    );
    // The fixture's station probed on all eleven channels; only the AP's channel gets a radio.
    expect([...receiverRadios.radios.keys()]).toEqual([2437]);
    // And an ACK proxy for the AP alone, not for the probing station.
    expect([...(receiverRadios.radios.get(2437)?.ackAddresses ?? [])]).toEqual([0x02_00_00_00_00_00]);
  });

  it("a datagram sealed with another key is counted as an authentication failure, never injected", async () => {
    const { b, receiverRadios } = await replayFixture({
      pskA: Buffer.alloc(32, 2),
      pskB: Buffer.alloc(32, 1),
      receiverGuest: station(null),
    });
    await until(() => (b.receiveCounters?.get("dropped-auth-failure") ?? 0) > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiverRadios.injected).toHaveLength(0);
    expect(b.receiveCounters?.get("frames-in")).toBe(0);
  });
});
