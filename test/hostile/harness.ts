// A hostile-input lab on loopback, everything real: the agent under test ("target") runs host-side
// (`--iface none --airport-listen`: no hwsim medium, one airport hub on a real Unix socket) with one
// configured peer; the peer is a second whole agent on a real UDP socket whose only medium is an
// injector the harness drives (frames "its radios transmitted"). The sink is a QEMU-like guest on the
// target's hub, run on a worker thread so it reads like a separate QEMU process would, and it counts
// what reaches the air: frames that arrived intact, and every read that was not one whole frame.
//
// An attacker gets three ways in: its own UDP socket on another port (`attacker`), the peer's own
// socket (`spoof`: what an on-path attacker who can forge the peer's address and port sends), and raw
// bytes on the airport socket. Used by test/hostile/hostile.test.ts and bench/hostile.ts.

import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { freeUdpPort } from "../../lab/vm.js";
import { Agent } from "../../src/agent/agent.js";
import { AirportHubServer } from "../../src/airport/hub-server.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import { createLogger } from "../../src/log.js";
import type { AirFrame, DeliverOutcome, LocalMedium } from "../../src/medium/medium.js";
import { type DatagramTransport, TunnelSocket, type UdpEndpoint } from "../../src/os/udp/tunnel-socket.js";

export const HUB = 20;
const PEER_NODE_ID = 0x9ee7;
export const STATION: number = 0x0200_00aa_0001;
const ACCESS_POINT: number = 0x0200_00aa_0000;
const HEADER_BYTES = 24;

/**
 * A data frame whose payload starts with its own length (u32 LE) and index (u32 LE), so the sink
 * can tell an intact frame from glued or cut bytes without sharing any state with the sender.
 */
export function markedFrame(index: number, length: number, transmitter = STATION): Buffer {
  const frame = encodeThreeAddressHeader(
    {
      frameControl: 0x0108,
      addr1: ACCESS_POINT,
      addr2: transmitter,
      addr3: ACCESS_POINT,
      sequence: index & 0xfff,
    },
    length - HEADER_BYTES,
  );
  frame.writeUInt32LE(length, HEADER_BYTES);
  frame.writeUInt32LE(index >>> 0, HEADER_BYTES + 4);
  frame.fill(index & 0xff, HEADER_BYTES + 8);
  return frame;
}

export function airOf(frame: Buffer, freqMhz = 2437): AirFrame {
  return { frame, freqMhz, rate500kbps: 2, signalDbm: -30, flags: 0 };
}

/** The peer's medium: frames the harness "transmits" go into the tunnel; what the tunnel brings is counted. */
export class InjectorMedium implements LocalMedium {
  readonly name = "injector";
  delivered = 0;
  private onTransmit: ((frame: AirFrame) => void) | undefined;

  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    this.onTransmit = onTransmit;
  }

  transmit(air: AirFrame): void {
    this.onTransmit?.(air);
  }

  deliver(): DeliverOutcome {
    this.delivered++;
    return { delivered: true };
  }

  counters(): Record<string, number> {
    return { delivered: this.delivered };
  }

  async close(): Promise<void> {}
}

export interface SinkCounts {
  /** Reads that were exactly one frame as sent (its embedded length matches). */
  readonly intact: number;
  /** Distinct frame indices among the intact ones. */
  readonly distinct: number;
  /** Reads that were not one whole frame: glued, cut or foreign bytes the guest would have taken as a frame. */
  readonly corrupt: number;
}

// The guest, as QEMU's net/airport.c reads: recv() of up to 4100 bytes, each one frame. Plain JS so
// the worker needs no build step.
const SINK_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const net = require("node:net");
const socket = net.createConnection(workerData.socketPath);
let intact = 0, corrupt = 0, answered = false;
const seen = new Set();
socket.on("error", () => {});
socket.on("connect", () => {
  const request = Buffer.alloc(4);
  request.writeInt8(0, 0); request.writeInt8(workerData.hub, 1);
  socket.write(request);
});
socket.on("data", (chunk) => {
  let at = 0;
  if (!answered) { answered = true; at = 4; parentPort.postMessage({ type: "ready" }); }
  for (; at < chunk.length; at += 4100) {
    const read = chunk.subarray(at, Math.min(chunk.length, at + 4100));
    if (read.length < 4 || read[0] === 0) { corrupt++; continue; }
    const frame = read.subarray(4);
    if (frame.length >= 32 && frame.readUInt32LE(24) === frame.length) {
      intact++; seen.add(frame.readUInt32LE(28));
    } else corrupt++;
  }
});
parentPort.on("message", (message) => {
  if (message === "counts") parentPort.postMessage({ type: "counts", intact, corrupt, distinct: seen.size });
  if (message === "pause") socket.pause();
  if (message === "resume") socket.resume();
  if (message === "close") { socket.destroy(); parentPort.close(); }
});
`;

export class Sink {
  private constructor(private readonly worker: Worker) {}

  static async connect(socketPath: string, hub = HUB): Promise<Sink> {
    const worker = new Worker(SINK_SOURCE, { eval: true, workerData: { socketPath, hub } });
    await new Promise<void>((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", () => resolve());
    });
    return new Sink(worker);
  }

  counts(): Promise<SinkCounts> {
    return new Promise((resolve) => {
      const onMessage = (message: { type: string } & SinkCounts): void => {
        if (message.type !== "counts") return;
        this.worker.off("message", onMessage);
        resolve({ intact: message.intact, distinct: message.distinct, corrupt: message.corrupt });
      };
      this.worker.on("message", onMessage);
      this.worker.postMessage("counts");
    });
  }

  /** Stop reading, like a guest whose VM is paused. */
  pause(): void {
    this.worker.postMessage("pause");
  }

  resume(): void {
    this.worker.postMessage("resume");
  }

  async close(): Promise<void> {
    this.worker.postMessage("close");
    await this.worker.terminate();
  }
}

export interface LabOptions {
  readonly psk: Buffer | null;
  /**
   * Run the genuine peer on a worker thread (dist/ only: bench/hostile.ts's delivery runs). Then
   * `peer`, `injector` and `spoof` are not there; genuine() and untilConnected() talk to the thread.
   */
  readonly peerInWorker?: boolean;
  /** How many log lines the target's logger may keep for inspection (all are counted). */
  readonly keepLines?: number;
}

type BoundTransport = DatagramTransport & { readonly local: UdpEndpoint };

export class HostileLab {
  /** Every line the target logged (up to keepLines), and how many in all. */
  readonly lines: string[] = [];
  lineCount = 0;
  /** HELLOs the target sent to the peer's endpoint. */
  hellosToPeer = 0;
  /** Datagrams the target sent to the peer's endpoint. */
  datagramsToPeer = 0;
  /** Datagrams that reached the target's socket, raw, while `recording` (what an eavesdropper keeps). */
  readonly recorded: Buffer[] = [];
  recording = false;

  target!: Agent;
  hub!: AirportHubServer;
  sink!: Sink;
  peer!: Agent;
  /** The genuine peer's thread, with `peerInWorker`. */
  peerWorker: Worker | undefined;
  injector!: InjectorMedium;
  /** The peer's own UDP socket: sending through it forges the peer's address and port. */
  spoof!: BoundTransport;
  /** A socket of the attacker's own on 127.0.0.1, another port than the peer's. */
  attacker!: UdpSocket;
  targetEndpoint!: UdpEndpoint;
  peerEndpoint!: UdpEndpoint;

  private directory = "";
  private socketPath = "";
  private targetPort = 0;

  private constructor(private readonly options: LabOptions) {}

  static async start(options: LabOptions): Promise<HostileLab> {
    const lab = new HostileLab(options);
    lab.directory = await mkdtemp(join(tmpdir(), "hostile-"));
    lab.socketPath = join(lab.directory, `wifimedium_data.${HUB}.sock`);
    lab.targetPort = await freeUdpPort();
    const peerPort = await freeUdpPort();
    lab.targetEndpoint = { address: "127.0.0.1", port: lab.targetPort };
    lab.peerEndpoint = { address: "127.0.0.1", port: peerPort };
    await lab.startTarget();
    if (options.peerInWorker) {
      lab.peerWorker = new Worker(new URL("./peer-worker.js", import.meta.url), {
        workerData: {
          psk: options.psk,
          listen: lab.peerEndpoint,
          target: lab.targetEndpoint,
          nodeId: PEER_NODE_ID,
        },
      });
      await lab.fromPeerWorker("started");
      lab.attacker = createSocket("udp4");
      await new Promise<void>((resolve) => lab.attacker.bind(0, "127.0.0.1", () => resolve()));
      return lab;
    }
    lab.injector = new InjectorMedium();
    lab.peer = new Agent({
      nodeId: PEER_NODE_ID,
      nodeName: "genuine-peer",
      psk: options.psk,
      listen: lab.peerEndpoint,
      peers: [lab.targetEndpoint],
      media: [lab.injector],
      localRadioMacs: () => [],
      log: createLogger({ level: "error", write: () => {} }),
      bindTransport: async (listen, onDatagram, onError) => {
        const socket = await TunnelSocket.bind(
          listen,
          (datagram, from) => {
            if (from.port === lab.targetPort) {
              lab.datagramsToPeer++;
              if (datagram[3] === 1) lab.hellosToPeer++;
            }
            onDatagram(datagram, from);
          },
          onError,
        );
        lab.spoof = socket;
        return socket;
      },
    });
    await lab.peer.start();
    lab.attacker = createSocket("udp4");
    await new Promise<void>((resolve) => lab.attacker.bind(0, "127.0.0.1", () => resolve()));
    lab.attacker.on("error", () => {});
    return lab;
  }

  /** (Re)starts the agent under test, its hub and the sink guest. */
  async startTarget(): Promise<void> {
    const keep = this.options.keepLines ?? 10_000;
    const log = createLogger({
      level: "info",
      timestamps: false,
      write: (line) => {
        this.lineCount++;
        if (this.lines.length < keep) this.lines.push(line);
      },
    });
    this.hub = new AirportHubServer({ hubId: HUB, socketPath: this.socketPath, log });
    this.target = new Agent({
      nodeId: 0x7a4e,
      nodeName: "target",
      psk: this.options.psk,
      listen: this.targetEndpoint,
      peers: [this.peerEndpoint],
      media: [this.hub],
      localRadioMacs: () => [],
      log,
      bindTransport: (listen, onDatagram, onError) =>
        TunnelSocket.bind(
          listen,
          (datagram, from) => {
            if (this.recording) this.recorded.push(Buffer.from(datagram));
            onDatagram(datagram, from);
          },
          onError,
        ),
    });
    await this.target.start();
    this.sink = await Sink.connect(this.socketPath);
  }

  async stopTarget(): Promise<void> {
    await this.sink.close();
    await this.target.stop();
  }

  /** Waits until the peer and the target have heard each other's HELLO (the tunnel is up). */
  async untilConnected(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await until(() => this.target.peers.all()[0].identity !== null, "the peer's HELLO", timeoutMs);
    if (this.peerWorker === undefined) {
      await until(() => this.peer.peers.all()[0].identity !== null, "the target's HELLO", timeoutMs);
      return;
    }
    for (;;) {
      this.peerWorker.postMessage({ type: "connected?" });
      const { value } = await this.fromPeerWorker("connected");
      if (value === true) return;
      if (Date.now() > deadline) throw new Error("timed out waiting for the target's HELLO");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The genuine peer transmits `count` frames at `perSecond` (0: as fast as it can), starting at `first`. */
  async genuine(count: number, perSecond: number, first = 0, length = 200): Promise<void> {
    if (this.peerWorker !== undefined) {
      this.peerWorker.postMessage({ type: "send", count, perSecond, first, length });
      await this.fromPeerWorker("sent");
      return;
    }
    await paced(count, perSecond, (i) => this.injector.transmit(airOf(markedFrame(first + i, length))));
  }

  /** The genuine peer's node id (the same whether it runs here or on its thread). */
  get peerNodeId(): number {
    return PEER_NODE_ID;
  }

  private fromPeerWorker(type: string): Promise<{ type: string; value?: unknown }> {
    const worker = this.peerWorker as Worker;
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type: string; value?: unknown }): void => {
        if (message.type !== type) return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve(message);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
  }

  /** Sends raw bytes to the target from the attacker's own socket. */
  fromAttacker(datagram: Buffer): void {
    this.attacker.send(datagram, this.targetPort, "127.0.0.1");
  }

  /** Sends raw bytes to the target from the peer's own address and port. */
  forged(datagram: Buffer): void {
    this.spoof.send(datagram, this.targetEndpoint);
  }

  async quiet(ms = 100): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  async close(): Promise<void> {
    await this.sink.close().catch(() => {});
    await this.target.stop();
    if (this.peerWorker !== undefined) {
      this.peerWorker.postMessage({ type: "stop" });
      await this.fromPeerWorker("stopped");
      await this.peerWorker.terminate();
    } else {
      await this.peer.stop();
    }
    this.attacker.close();
    await rm(this.directory, { recursive: true, force: true });
  }
}

export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Calls `send(i)` for i in 0..count-1 at `perSecond` (0: in chunks of 64 per event-loop turn, as fast
 * as the loop goes), yielding to the event loop between chunks so receivers in this process run.
 */
export async function paced(count: number, perSecond: number, send: (i: number) => void): Promise<void> {
  const start = process.hrtime.bigint();
  let sent = 0;
  while (sent < count) {
    let due: number;
    if (perSecond > 0) {
      const elapsedNs = Number(process.hrtime.bigint() - start);
      due = Math.min(count, Math.floor((elapsedNs / 1e9) * perSecond) + 1);
    } else {
      due = Math.min(count, sent + 64);
    }
    while (sent < due) send(sent++);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
