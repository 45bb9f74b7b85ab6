// Connect mode: wifi-tunnel joins an existing wifi-medium server as one more port, the way QEMU's
// airport netdev does, and carries that hub's air into the tunnel.

import { createConnection, type Socket } from "node:net";
import { Counters } from "../medium/counters.js";
import type { AirFrame, DeliverOutcome, LocalMedium } from "../medium/medium.js";
import type { Result } from "../result.js";
import {
  type AirportRadio,
  airFrameFromAirport,
  airportFrameFromAirFrame,
  DEFAULT_AIRPORT_RADIO,
} from "./air-frame.js";
import {
  AIRPORT_HEADER_BYTES,
  AIRPORT_MAX_MESSAGE_BYTES,
  AirportMode,
  airportSocketPath,
  REFUSED_PORT_ID,
} from "./constants.js";
import { checkHubId, ReadLoop, reportFrame } from "./hub-common.js";
import { type AirportLog, SILENT_LOG } from "./log.js";
import { decodeMessage, encodeFrameMessage, encodePortRequest, readHeader } from "./message.js";
import {
  AirportMessageWriter,
  AirportStreamReader,
  RECEIVED_MESSAGE_REASONS,
  type StreamReason,
} from "./stream.js";

/** How long a tail that may have been cut by the hub waits for its continuation. */
const CUT_CONTINUATION_WAIT_MS = 20;

export interface AirportHubPortOptions {
  /** The hub id as it travels in the header (int8); hubIdFromTermid() converts QEMU's termid. */
  readonly hubId: number;
  /** Defaults to /tmp/wifimedium_data.<hub>.sock. */
  readonly socketPath?: string;
  readonly radio?: AirportRadio;
  /** How long to wait for the port answer (default 5000 ms). */
  readonly answerTimeoutMs?: number;
  /** Frames queued for the hub before deliver() refuses more (default 256). */
  readonly maxQueued?: number;
  readonly log?: AirportLog;
}

/** Why a message from the hub was not reported to the agent. */
export const AIRPORT_PORT_DROPS = [
  ...RECEIVED_MESSAGE_REASONS,
  /** A frame whose header names another hub, or our own port. */
  "foreign-header",
  /** A port message after the handshake. */
  "unexpected-port-message",
] as const;
export type AirportPortDrop = (typeof AIRPORT_PORT_DROPS)[number];

export const AIRPORT_PORT_COUNTERS = [
  /** Valid frames relayed by the hub (each reported to the agent). */
  "frames-from-hub",
  /** Frames from the tunnel accepted by deliver() and queued for the hub. */
  "frames-to-hub",
  ...AIRPORT_PORT_DROPS.map((reason) => `dropped-${reason}` as const),
] as const;
export type AirportPortCounter = (typeof AIRPORT_PORT_COUNTERS)[number];

export class AirportHubPort implements LocalMedium {
  readonly name: string;
  /** A guest is written one message per turn (stream.ts): a bundle's burst would overflow its queue. */
  readonly takesBundles = false;
  readonly socketPath: string;

  private readonly counts = new Counters<AirportPortCounter>(AIRPORT_PORT_COUNTERS);
  private readonly hubId: number;
  private readonly radio: AirportRadio;
  private readonly answerTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly log: AirportLog;
  private socket: Socket | undefined;
  private writer: AirportMessageWriter | undefined;
  private assignedPortId: number | undefined;

  constructor(options: AirportHubPortOptions) {
    checkHubId(options.hubId);
    this.hubId = options.hubId;
    this.socketPath = options.socketPath ?? airportSocketPath(options.hubId);
    this.radio = options.radio ?? DEFAULT_AIRPORT_RADIO;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 5000;
    this.maxQueued = options.maxQueued ?? 256;
    this.log = options.log ?? SILENT_LOG;
    this.name = `airport-port:${options.hubId}`;
  }

  /** The port id the hub assigned; undefined before start() and after the hub went away. */
  get portId(): number | undefined {
    return this.assignedPortId;
  }

  /** Every counter of this port, zeros included. */
  counters(): Record<AirportPortCounter, number> {
    return this.counts.snapshot();
  }

  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    if (this.socket) throw new Error(`${this.name} is already started`);
    const socket = await this.connect();
    this.socket = socket;
    let leftover: Buffer;
    try {
      ({ portId: this.assignedPortId, leftover } = await this.requestPort(socket));
    } catch (error) {
      socket.destroy();
      this.socket = undefined;
      throw error;
    }
    const portId = this.assignedPortId;
    this.writer = new AirportMessageWriter(socket, { maxQueued: this.maxQueued });
    this.log.info(`${this.name}: joined the hub at ${this.socketPath} as port ${portId}`);

    const reader = new AirportStreamReader({
      // Frames relayed by the hub carry their sender's port id, never ours.
      acceptsHeader: (header) =>
        header.mode === AirportMode.wifiFrame && header.hubId === this.hubId && header.portId !== portId,
      peerCutsSendsAt: AIRPORT_MAX_MESSAGE_BYTES,
    });
    const handle = (bytes: Result<Buffer, StreamReason>): void => this.handle(bytes, onTransmit);
    let cutWait: NodeJS.Timeout | undefined;
    const loop = new ReadLoop(reader, {
      handle,
      beforeRead: () => clearTimeout(cutWait),
      afterSettle: () => {
        // wifimedium.c sends the pieces of a cut run back to back; a tail still waiting lost its rest.
        if (!reader.holdingCutTail) return;
        cutWait = setTimeout(() => {
          if (this.socket !== socket) return;
          for (const message of reader.abandonHeldTail()) handle(message);
        }, CUT_CONTINUATION_WAIT_MS);
      },
    });
    const read = (chunk: Buffer): void => loop.read(chunk);
    socket.on("data", read);
    socket.on("end", () => {
      clearTimeout(cutWait);
      loop.end();
    });
    socket.on("error", (error) =>
      this.log.limited("warn", `${this.name}:error`, `${this.name}: ${error.message}`),
    );
    socket.on("close", () => {
      clearTimeout(cutWait);
      if (this.socket === socket) {
        this.log.warn(`${this.name}: the hub at ${this.socketPath} closed port ${portId}`);
        this.socket = undefined;
        this.writer = undefined;
        this.assignedPortId = undefined;
      }
    });
    if (leftover.length > 0) read(leftover);
    socket.resume();
  }

  deliver(air: AirFrame): DeliverOutcome {
    if (!this.writer || this.assignedPortId === undefined) return { delivered: false, drop: "not-ready" };
    const frame = airportFrameFromAirFrame(air, this.radio);
    if (!frame.ok) return { delivered: false, drop: frame.error.reason };
    if (!this.writer.send(encodeFrameMessage(this.hubId, this.assignedPortId, frame.value))) {
      return { delivered: false, drop: "inject-error" };
    }
    this.counts.add("frames-to-hub");
    return { delivered: true };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.writer = undefined;
    this.assignedPortId = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.destroy();
    });
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(this.socketPath);
      const onError = (error: Error): void =>
        reject(
          new Error(`cannot reach the wifi-medium hub ${this.hubId} at ${this.socketPath}: ${error.message}`),
        );
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        resolve(socket);
      });
    });
  }

  /** QEMU's handshake: send {0, hub, 0}, read the 4-byte answer. Bytes after it are already frames. */
  private requestPort(socket: Socket): Promise<{ portId: number; leftover: Buffer }> {
    return new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      const where = `the wifi-medium hub ${this.hubId} at ${this.socketPath}`;
      const finish = (outcome: Error | { portId: number; leftover: Buffer }): void => {
        clearTimeout(timer);
        socket.off("data", onData);
        socket.off("close", onClose);
        socket.off("error", onError);
        if (outcome instanceof Error) {
          reject(outcome);
        } else {
          // Hold further reads until start() has its frame reader in place.
          socket.pause();
          resolve(outcome);
        }
      };
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        if (received.length < AIRPORT_HEADER_BYTES) return;
        const answer = readHeader(received);
        const leftover = received.subarray(AIRPORT_HEADER_BYTES);
        if (answer.mode !== AirportMode.portRequest) {
          finish(new Error(`${where} answered the port request with a mode ${answer.mode} message`));
        } else if (answer.portId === REFUSED_PORT_ID) {
          finish(new Error(`${where} refused a port (port -1): wrong hub id, or all its ports are taken`));
        } else if (answer.hubId !== this.hubId || answer.portId < 0) {
          finish(new Error(`${where} answered with hub ${answer.hubId} port ${answer.portId}`));
        } else {
          finish({ portId: answer.portId, leftover });
        }
      };
      const closedWithoutAnswer = new Error(
        `${where} closed the connection without assigning a port (the reference server does that when its 8 ports are taken)`,
      );
      const onClose = (): void => finish(closedWithoutAnswer);
      // Our request can meet the server's close as EPIPE or ECONNRESET before the close is seen.
      const onError = (error: NodeJS.ErrnoException): void =>
        finish(
          error.code === "EPIPE" || error.code === "ECONNRESET"
            ? closedWithoutAnswer
            : new Error(`${where}: ${error.message}`),
        );
      const timer = setTimeout(
        () => finish(new Error(`${where} did not answer the port request within ${this.answerTimeoutMs} ms`)),
        this.answerTimeoutMs,
      );
      socket.on("data", onData);
      socket.on("close", onClose);
      socket.on("error", onError);
      // One write of 4 bytes on a fresh connection: nothing to batch it with.
      socket.write(encodePortRequest(this.hubId));
    });
  }

  private handle(bytes: Result<Buffer, StreamReason>, onTransmit: (frame: AirFrame) => void): void {
    if (!bytes.ok) {
      this.drop(bytes.error.reason, bytes.error.detail);
      return;
    }
    const message = decodeMessage(bytes.value);
    if (!message.ok) {
      this.drop(message.error.reason, message.error.detail);
      return;
    }
    if (message.value.kind === "port") {
      this.drop(
        "unexpected-port-message",
        `port message for port ${message.value.portId} after the handshake`,
      );
      return;
    }
    if (message.value.hubId !== this.hubId || message.value.portId === this.assignedPortId) {
      this.drop(
        "foreign-header",
        `frame header says hub ${message.value.hubId} port ${message.value.portId}`,
      );
      return;
    }
    this.counts.add("frames-from-hub");
    reportFrame(this.log, this.name, onTransmit, airFrameFromAirport(message.value.frame, this.radio));
  }

  private drop(reason: AirportPortDrop, detail: string): void {
    this.counts.add(`dropped-${reason}`);
    this.log.limited("warn", `${this.name}:drop`, `${this.name}: dropped (${reason}): ${detail}`);
  }
}
