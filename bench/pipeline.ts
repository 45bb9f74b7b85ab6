// The agent's JavaScript per frame, natively: two whole agents in this process over loopback UDP,
// a hwsim medium on each, frames entering A's capture and leaving B's injecting radio (--medium
// monitor), or entering A as hwsim transmissions and leaving B as deliveries (--medium netlink). No kernel Wi-Fi
// work is included (the radios only count), so this is the part of a frame's walk the agent itself
// adds. Printed beside the bare codec walk (TunnelSender → TunnelReceiver) measured in the same run,
// because the machine is shared: the ratio is the figure to compare.
//
//   npx tsc -p tsconfig.json && node dist/bench/pipeline.js [FRAMES]

import { freeUdpPort } from "../lab/vm.js";
import { Agent } from "../src/agent/agent.js";
import { HwsimMedium } from "../src/agent/hwsim-medium.js";
import { HwsimNetlinkMedium, hwsimRadioKey } from "../src/agent/hwsim-netlink-medium.js";
import type { Link } from "../src/agent/link-model.js";
import { encodeThreeAddressHeader } from "../src/ieee80211/header.js";
import { createLogger } from "../src/log.js";
import type { AirFrame, LocalMedium } from "../src/medium/medium.js";
import type { HwsimMediumPort } from "../src/os/netlink/hwsim/medium-socket.js";
import type { HwsimDelivery, HwsimTransmission, HwsimTxStatus } from "../src/os/netlink/hwsim/medium-wire.js";
import type { PacketSource } from "../src/os/pcap/live.js";
import type { GuestInterface, InjectionRadio, RadioBackend } from "../src/os/radios/backend.js";
import { encodeInjectionHeader } from "../src/radiotap/radiotap.js";
import { TunnelReceiver } from "../src/tunnel/receiver.js";
import { TunnelSender } from "../src/tunnel/sender.js";

const FRAMES = Number(process.argv[2] ?? 20_000);
/** Frames per capture wakeup: libpcap hands over what queued up since the last read. */
const BURST = 16;
const FREQ_MHZ = 2437;
const STATION = 0x02_00_00_00_aa_01;
const ACCESS_POINT = 0x02_00_00_00_00_00;
const quiet = createLogger({ level: "error", write: () => {} });

/** A 1500-byte To-DS data frame, as hwsim0 shows it (radiotap with the channel). */
const captured = Buffer.concat([
  encodeInjectionHeader({ freqMhz: FREQ_MHZ, rate500kbps: 108 }),
  encodeThreeAddressHeader(
    { frameControl: 0x0108, addr1: ACCESS_POINT, addr2: STATION, addr3: ACCESS_POINT },
    1476,
  ),
]);

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Waits until `arrived()` reaches FRAMES, or nothing more has arrived for 200 ms: loopback UDP may
 * drop a few under a burst (and a link's loss some more).
 */
async function untilAllOrQuiet(arrived: () => number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = arrived();
    if (now >= FRAMES) return;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince > 200) return;
  }
}

/** Hands `count` copies of `captured` to the agent, BURST per event-loop turn. */
class SyntheticCapture implements PacketSource {
  constructor(private readonly count: number) {}
  start(onPacket: (packet: Buffer, timestampNs: bigint) => void): void {
    let sent = 0;
    const burst = (): void => {
      for (let i = 0; i < BURST && sent < this.count; i++, sent++) onPacket(Buffer.from(captured), 0n);
      if (sent < this.count) setImmediate(burst);
    };
    setImmediate(burst);
  }
  close(): void {}
}

/** Radios that only count what they are given. */
class CountingRadios implements RadioBackend {
  injected = 0;
  constructor(private readonly guest: GuestInterface[]) {}
  async guestInterfaces(): Promise<GuestInterface[]> {
    return this.guest;
  }
  async createRadio(freqMhz: number): Promise<InjectionRadio> {
    return {
      freqMhz,
      inject: () => {
        this.injected++;
      },
      addAckAddress: async () => {},
      removeAckAddress: async () => {},
    };
  }
  async close(): Promise<void> {}
}

interface WalkResult {
  framesPerCpuSecond: number;
  framesPerSecond: number;
  delivered: number;
  /** Frames B's link for A dropped. */
  lost: number;
}

/** What one walk between two agents sets up; the agents, the clock and the teardown are shared. */
interface AgentsWalk {
  /** A's medium: FRAMES frames enter it once A starts. */
  readonly sending: LocalMedium;
  /** B's medium: the frames leave by it. */
  readonly receiving: LocalMedium;
  /** B's link for A's frames. */
  readonly link?: Partial<Link>;
  /** Runs once B has started, before the clock does. */
  readonly warmUp?: () => Promise<void>;
  /** Frames that have left B's medium since warmUp. */
  readonly delivered: () => number;
}

/** A's frames through A, loopback UDP and B, timed from A's start until they are all out. */
async function agentsWalk(walk: AgentsWalk): Promise<WalkResult> {
  // B takes datagrams only from its peer's configured address and port (issue 12): A's, fixed here.
  const portA = await freeUdpPort();
  const b = new Agent({
    nodeId: 2,
    nodeName: "b",
    psk: null,
    listen: { address: "127.0.0.1", port: 0 },
    peers: [{ address: "127.0.0.1", port: portA, ...(walk.link ? { link: walk.link } : {}) }],
    media: [walk.receiving],
    localRadioMacs: () => [],
    log: quiet,
  });
  await b.start();
  await walk.warmUp?.();
  const a = new Agent({
    nodeId: 1,
    nodeName: "a",
    psk: null,
    listen: { address: "127.0.0.1", port: portA },
    peers: [b.local!],
    media: [walk.sending],
    localRadioMacs: () => [],
    log: quiet,
  });
  const lost = (): number => b.receiveCounters?.get("dropped-link-loss") ?? 0;
  const cpuStart = cpuSeconds();
  const wallStart = performance.now();
  await a.start();
  await untilAllOrQuiet(() => walk.delivered() + lost());
  const delivered = walk.delivered();
  const cpu = cpuSeconds() - cpuStart;
  const wall = (performance.now() - wallStart) / 1000;
  await a.stop();
  await b.stop();
  return { framesPerCpuSecond: delivered / cpu, framesPerSecond: delivered / wall, delivered, lost: lost() };
}

/** --medium monitor: captured on A's hwsim0, injected by B's radio for the channel. */
function monitorWalk(link?: Partial<Link>): Promise<WalkResult> {
  const guest: GuestInterface[] = [
    { ifindex: 2, ifname: "wlan0", iftype: "AP", up: true, freqMhz: FREQ_MHZ, mac: ACCESS_POINT },
  ];
  const monitorMedium = (captureIface: string, source: PacketSource, backend: RadioBackend): HwsimMedium =>
    new HwsimMedium({ captureIface, source, backend, log: quiet, pollGuest: false });
  const radios = new CountingRadios(guest);
  const receiving = monitorMedium("b", { start: () => {}, close: () => {} }, radios);
  let before = 0;
  return agentsWalk({
    sending: monitorMedium("a", new SyntheticCapture(FRAMES), new CountingRadios([])),
    receiving,
    ...(link ? { link } : {}),
    warmUp: async () => {
      receiving.setGuestInterfaces(guest);
      // Warm the radio for the channel up, so creation is not measured.
      receiving.deliver({
        frame: captured.subarray(captured.readUInt16LE(2)),
        freqMhz: FREQ_MHZ,
        rate500kbps: 2,
        signalDbm: -30,
        flags: 0,
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
      before = radios.injected;
    },
    delivered: () => radios.injected - before,
  });
}

/**
 * The kernel's side of --medium netlink for the bench: hands `count` transmissions over, BURST per
 * event-loop turn (as a netlink read would), and counts what the medium sends back.
 */
class SyntheticKernel implements HwsimMediumPort {
  statuses = 0;
  delivered = 0;
  private closed = false;
  constructor(private readonly count: number) {}
  start(events: Parameters<HwsimMediumPort["start"]>[0]): void {
    if (this.count === 0) return;
    const frame = captured.subarray(captured.readUInt16LE(2));
    let sent = 0;
    const burst = (): void => {
      if (this.closed) return;
      for (let i = 0; i < BURST && sent < this.count; i++, sent++) {
        const transmission: HwsimTransmission = {
          radio: hwsimRadioKey(STATION),
          frame: Buffer.from(frame),
          flags: 1,
          rates: Buffer.from([11, 3, 0xff, 0, 0xff, 0, 0xff, 0]),
          mcs: false,
          freqMhz: FREQ_MHZ,
          cookie: Buffer.alloc(8, sent & 0xff),
        };
        events.transmission(transmission);
      }
      if (sent < this.count) setImmediate(burst);
    };
    setImmediate(burst);
  }
  send(statuses: readonly HwsimTxStatus[], deliveries: readonly HwsimDelivery[]): void {
    this.statuses += statuses.length;
    this.delivered += deliveries.length;
  }
  close(): void {
    this.closed = true;
  }
}

/** The same walk with both agents as hwsim's registered medium (--medium netlink). */
function netlinkWalk(): Promise<WalkResult> {
  const netlinkMedium = (port: HwsimMediumPort, radio: number): HwsimNetlinkMedium =>
    new HwsimNetlinkMedium({
      port,
      listRadios: () => [{ phy: "phy0", permAddr: radio }],
      log: quiet,
      rescanRadios: false,
    });
  const receivingKernel = new SyntheticKernel(0);
  return agentsWalk({
    sending: netlinkMedium(new SyntheticKernel(FRAMES), STATION),
    receiving: netlinkMedium(receivingKernel, ACCESS_POINT),
    // The receiving VM's one radio has not transmitted, so its hwsim key is guessed two ways and
    // each frame is delivered twice.
    delivered: () => receivingKernel.delivered / 2,
  });
}

function codecWalk(): number {
  const sender = new TunnelSender({ nodeId: 1, psk: null });
  const receiver = new TunnelReceiver({ psk: null });
  const air: AirFrame = {
    frame: captured.subarray(captured.readUInt16LE(2)),
    freqMhz: FREQ_MHZ,
    rate500kbps: 108,
    signalDbm: -30,
    flags: 0,
  };
  // A FRAME of a session no HELLO started is refused (issue 12): the session starts as the agent's do.
  receiver.open(
    sender.hello({
      keepaliveIntervalMs: 5000,
      capabilities: 0,
      replyRequested: false,
      nodeName: "a",
      radioMacs: [],
    }),
  );
  const start = cpuSeconds();
  let accepted = 0;
  for (let i = 0; i < FRAMES; i++) {
    const datagram = sender.frame(air);
    if (datagram.ok && receiver.open(datagram.value).ok) accepted++;
  }
  return accepted / (cpuSeconds() - start);
}

// Warm-up round, then the measured one.
await monitorWalk();
await netlinkWalk();
codecWalk();
const agent = await monitorWalk();
const netlink = await netlinkWalk();
const codec = codecWalk();
// B applying a link to A's frames: a signal (a copy of each frame) and a loss (a draw per frame).
const linked = await monitorWalk({ signalDbm: -60, lossPercent: 1 });
console.log(`node ${process.version}; ${FRAMES} frames of 1500 bytes, unsealed, bursts of ${BURST}`);
console.log("| walk | frames/CPU-second | per frame | ratio to the codec walk |");
console.log("|---|---:|---:|---:|");
console.log(
  `| TunnelSender → TunnelReceiver (codec only) | ${Math.round(codec)} | ${(1e6 / codec).toFixed(1)} µs | 1 |`,
);
console.log(
  `| capture → send → UDP → receive → inject, both agents (${agent.delivered} delivered, ${Math.round(agent.framesPerSecond)} frames/s wall) | ${Math.round(agent.framesPerCpuSecond)} | ${(1e6 / agent.framesPerCpuSecond).toFixed(1)} µs | ${(codec / agent.framesPerCpuSecond).toFixed(1)}x |`,
);
console.log(
  `| the same with B's link for A at signal -60 dBm, loss 1% (${linked.delivered} delivered, ${linked.lost} lost to the link) | ${Math.round(linked.framesPerCpuSecond)} | ${(1e6 / linked.framesPerCpuSecond).toFixed(1)} µs | ${(codec / linked.framesPerCpuSecond).toFixed(1)}x |`,
);
console.log(
  `| --medium netlink: transmission → status → send → UDP → receive → delivery, both agents (${netlink.delivered} delivered, ${Math.round(netlink.framesPerSecond)} frames/s wall) | ${Math.round(netlink.framesPerCpuSecond)} | ${(1e6 / netlink.framesPerCpuSecond).toFixed(1)} µs | ${(codec / netlink.framesPerCpuSecond).toFixed(1)}x |`,
);
process.exit(0);
