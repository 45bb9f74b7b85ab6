// Listen mode: wifi-tunnel is the wifi-medium server of one hub. QEMU guests started with
// `-netdev airport,termid=HUB` connect to /tmp/wifimedium_data.HUB.sock and get a port each, as from
// the reference server; frames are relayed among the local ports as it does, and additionally handed
// to the agent (and taken from it) through the LocalMedium interface.
//
// This file is the socket shell: accept, read, write, timers. Who gets a port and a frame, and whom
// to hold back, is the pure port table (port-table.ts); the socket path is reclaimed by socket-path.ts.

import { rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
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
  AIRPORT_MAX_PORTS,
  AirportMode,
  airportSocketPath,
  MEDIUM_PORT_ID,
  REFUSED_PORT_ID,
} from "./constants.js";
import { checkHubId, ReadLoop, reportFrame } from "./hub-common.js";
import { type AirportLog, SILENT_LOG } from "./log.js";
import { type AirportMessage, decodeMessage, encodeFrameMessage, encodePortAnswer } from "./message.js";
import { type ConnectionState, holdersOf, PortTable, type RelayPort, releasable } from "./port-table.js";
import { reclaimStaleSocket } from "./socket-path.js";
import {
  AirportMessageWriter,
  AirportStreamReader,
  RECEIVED_MESSAGE_REASONS,
  type StreamReason,
} from "./stream.js";

export interface AirportHubServerOptions {
  /** The hub id as it travels in the header (int8); hubIdFromTermid() converts QEMU's termid. */
  readonly hubId: number;
  /** Defaults to /tmp/wifimedium_data.<hub>.sock, where QEMU looks. */
  readonly socketPath?: string;
  readonly radio?: AirportRadio;
  /** A connection that has not asked for a port by then is closed (default 5000 ms). */
  readonly handshakeTimeoutMs?: number;
  /**
   * Messages queued for a port before further ones are dropped (default 1024; past 512 the writer
   * catches up at the input's pace, see AirportMessageWriter). Senders are held at 32,
   * but only between reads, and one read can carry a sender's whole socket buffer: ~280 tiny messages.
   */
  readonly maxQueuedPerPort?: number;
  /** A port that has not drained its queue for this long stops holding up its senders (default 1000 ms). */
  readonly stalledPortMs?: number;
  readonly log?: AirportLog;
}

/** Why a message from a connection was not relayed. */
export const AIRPORT_HUB_DROPS = [
  ...RECEIVED_MESSAGE_REASONS,
  /** A frame before the connection asked for its port (the reference server relays these). */
  "before-handshake",
  /** A frame whose header names another hub or port than the connection's own. */
  "foreign-header",
  /** A port's queue was full: its guest reads more slowly than the others send. */
  "port-backlog",
] as const;
export type AirportHubDrop = (typeof AIRPORT_HUB_DROPS)[number];

export const AIRPORT_HUB_COUNTERS = [
  "ports-assigned",
  "refused-wrong-hub",
  "refused-hub-full",
  "handshake-timeouts",
  "connection-errors",
  /** Valid frames received from guests (each also reported to the agent). */
  "frames-from-ports",
  /** Copies of guest frames written to the other ports. */
  "frames-relayed",
  /** Frames from the tunnel accepted by deliver(). */
  "frames-from-tunnel",
  ...AIRPORT_HUB_DROPS.map((reason) => `dropped-${reason}` as const),
] as const;
export type AirportHubCounter = (typeof AIRPORT_HUB_COUNTERS)[number];

/** One accepted connection: a port of the hub, or a refused one waiting to hear its refusal. */
interface Connection extends RelayPort {
  readonly socket: Socket;
  /** Its slot in the 8-port table, which is its port id; undefined when the hub was full at accept. */
  readonly portId: number | undefined;
  state: ConnectionState;
  readonly reader: ReadLoop;
  readonly writer: AirportMessageWriter;
  readonly heldSenders: Set<Connection>;
  stalledAtMessage: number | undefined;
  readonly timers: ConnectionTimers;
}

/** Every timer of one connection, named, in one place. */
interface ConnectionTimers {
  /** Closes a connection that has not asked for a port by handshakeTimeoutMs. */
  handshake: NodeJS.Timeout | undefined;
  /** Runs while the port holds senders, to notice a guest that stopped reading altogether. */
  stall: NodeJS.Timeout | undefined;
}

function clearTimers(timers: ConnectionTimers): void {
  clearTimeout(timers.handshake);
  clearTimeout(timers.stall);
  timers.handshake = undefined;
  timers.stall = undefined;
}

export class AirportHubServer implements LocalMedium {
  readonly name: string;
  /** A guest is written one message per turn (stream.ts): a bundle's burst would overflow its queue. */
  readonly takesBundles = false;
  readonly socketPath: string;

  private readonly counts = new Counters<AirportHubCounter>(AIRPORT_HUB_COUNTERS);
  private readonly hubId: number;
  private readonly radio: AirportRadio;
  private readonly handshakeTimeoutMs: number;
  private readonly maxQueuedPerPort: number;
  private readonly stalledPortMs: number;
  private readonly log: AirportLog;
  private readonly table = new PortTable<Connection>();
  private readonly connections = new Set<Connection>();
  private server: Server | undefined;
  private onTransmit: (frame: AirFrame) => void = () => {};

  constructor(options: AirportHubServerOptions) {
    checkHubId(options.hubId);
    this.hubId = options.hubId;
    this.socketPath = options.socketPath ?? airportSocketPath(options.hubId);
    this.radio = options.radio ?? DEFAULT_AIRPORT_RADIO;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
    this.maxQueuedPerPort = options.maxQueuedPerPort ?? 1024;
    this.stalledPortMs = options.stalledPortMs ?? 1000;
    this.log = options.log ?? SILENT_LOG;
    this.name = `airport:${options.hubId}`;
  }

  /** Port ids of the guests that have completed the handshake. */
  get ports(): number[] {
    return this.table.assignedIds();
  }

  /** Every counter of this hub, zeros included. */
  counters(): Record<AirportHubCounter, number> {
    return this.counts.snapshot();
  }

  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    if (this.server) throw new Error(`${this.name} is already started`);
    this.onTransmit = onTransmit;
    if (await reclaimStaleSocket(this.socketPath)) {
      this.log.info(`${this.name}: removed stale socket ${this.socketPath} left by a previous run`);
    }
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) =>
      this.log.limited(
        "warn",
        `${this.name}:listen-error`,
        `${this.name}: listening socket: ${error.message}`,
      ),
    );
    this.server = server;
    this.log.info(`${this.name}: wifi-medium hub listening on ${this.socketPath}`);
  }

  deliver(air: AirFrame): DeliverOutcome {
    const frame = airportFrameFromAirFrame(air, this.radio);
    if (!frame.ok) return { delivered: false, drop: frame.error.reason };
    const receivers = this.table.receivers();
    if (receivers.length === 0) return { delivered: false, drop: "not-ready" };
    const message = encodeFrameMessage(this.hubId, MEDIUM_PORT_ID, frame.value);
    for (const receiver of receivers) this.sendToPort(receiver, message);
    this.counts.add("frames-from-tunnel");
    return { delivered: true };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const connection of this.connections) connection.socket.destroy();
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // libuv unlinks a listening socket's path on close; this covers the cases where it did not.
    await rm(this.socketPath, { force: true });
  }

  private accept(socket: Socket): void {
    const portId = this.table.freeSlot();
    const writer = new AirportMessageWriter(socket, {
      maxQueued: this.maxQueuedPerPort,
      onDrained: () => this.portDrained(connection),
    });
    const connection: Connection = {
      socket,
      portId,
      state: "awaiting-request",
      reader: new ReadLoop(
        new AirportStreamReader({
          acceptsHeader: (header) =>
            header.mode === AirportMode.wifiFrame && header.hubId === this.hubId && header.portId === portId,
        }),
        {
          handle: (message) => this.handle(connection, message),
          // A held sender's next read may be the rest of its tail: not settled until resumed.
          isHeld: () => socket.isPaused(),
          afterMessages: () => this.holdIfCongested(connection),
        },
      ),
      writer,
      heldSenders: new Set(),
      stalledAtMessage: undefined,
      timers: { handshake: undefined, stall: undefined },
    };
    this.connections.add(connection);
    if (portId !== undefined) this.table.take(portId, connection);
    this.startHandshakeTimer(connection);

    socket.on("data", (chunk: Buffer) => connection.reader.read(chunk));
    socket.on("end", () => connection.reader.end());
    socket.on("error", (error) => {
      this.counts.add("connection-errors");
      this.log.limited(
        "warn",
        `${this.name}:connection-error`,
        `${this.describe(connection)}: ${error.message}`,
      );
    });
    socket.on("close", () => this.forget(connection));
  }

  // Timer hooks, all of them.

  private startHandshakeTimer(connection: Connection): void {
    connection.timers.handshake = setTimeout(() => {
      this.counts.add("handshake-timeouts");
      this.log.limited(
        "warn",
        `${this.name}:handshake-timeout`,
        `${this.describe(connection)}: no port request within ${this.handshakeTimeoutMs} ms, closing`,
      );
      connection.socket.destroy();
    }, this.handshakeTimeoutMs);
  }

  /** A slow port that still takes messages keeps holding its senders; one that took none for a while stops. */
  private watchForStall(port: Connection): void {
    if (port.timers.stall) return;
    const writtenBefore = port.writer.writtenMessages;
    port.timers.stall = setTimeout(() => {
      port.timers.stall = undefined;
      if (port.heldSenders.size === 0) return;
      if (port.writer.writtenMessages !== writtenBefore) {
        this.watchForStall(port);
        return;
      }
      port.stalledAtMessage = writtenBefore;
      this.log.limited(
        "warn",
        `${this.name}:port-stalled`,
        `${this.describe(port)}: took no message for ${this.stalledPortMs} ms; dropping its frames instead of holding up the hub`,
      );
      this.releaseSenders(port);
    }, this.stalledPortMs);
  }

  private portDrained(port: Connection): void {
    clearTimeout(port.timers.stall);
    port.timers.stall = undefined;
    this.releaseSenders(port);
  }

  // Flow control: the port table decides, the shell pauses and resumes sockets.

  /** Stop reading a sender while a port it relays to is backed up, as a blocking send() would. */
  private holdIfCongested(sender: Connection): void {
    const { holders, resumed } = holdersOf(this.table, sender);
    for (const port of resumed) {
      this.log.limited("info", `${this.name}:port-reading-again`, `${this.describe(port)}: reading again`);
    }
    for (const port of holders) {
      port.heldSenders.add(sender);
      sender.socket.pause();
      this.watchForStall(port);
    }
  }

  private releaseSenders(port: Connection): void {
    for (const sender of releasable(this.table, port)) {
      sender.socket.resume();
      sender.reader.scheduleSettle();
    }
  }

  private handle(connection: Connection, bytes: Result<Buffer, StreamReason>): void {
    // After a refusal, or once the hub is closed, nothing from the connection matters.
    if (connection.state === "refused" || !this.server) return;
    if (!bytes.ok) {
      this.drop(connection, bytes.error.reason, bytes.error.detail);
      return;
    }
    const message = decodeMessage(bytes.value);
    if (!message.ok) {
      this.drop(connection, message.error.reason, message.error.detail);
      return;
    }
    if (message.value.kind === "port") {
      this.answerPortRequest(connection, message.value);
      return;
    }
    if (connection.state !== "assigned") {
      this.drop(connection, "before-handshake", "frame sent before the port request");
      return;
    }
    if (message.value.hubId !== this.hubId || message.value.portId !== connection.portId) {
      this.drop(
        connection,
        "foreign-header",
        `frame header says hub ${message.value.hubId} port ${message.value.portId}`,
      );
      return;
    }
    this.counts.add("frames-from-ports");
    // wifi-medium relays the message as received, sender's header included, to every other port.
    for (const other of this.table.receivers(connection)) {
      if (this.sendToPort(other, bytes.value)) this.counts.add("frames-relayed");
    }
    reportFrame(this.log, this.name, this.onTransmit, airFrameFromAirport(message.value.frame, this.radio));
  }

  /** As wifimedium.c: the request is echoed with the port id filled in, again on every request. */
  private answerPortRequest(
    connection: Connection,
    request: Extract<AirportMessage, { kind: "port" }>,
  ): void {
    if (connection.portId !== undefined && request.hubId === this.hubId) {
      connection.writer.send(encodePortAnswer(request.hubId, connection.portId));
      if (connection.state === "awaiting-request") {
        connection.state = "assigned";
        clearTimeout(connection.timers.handshake);
        this.counts.add("ports-assigned");
        this.log.limited(
          "info",
          `${this.name}:port-joined`,
          `${this.name}: guest connected as port ${connection.portId}`,
        );
      }
      return;
    }
    // Refused: answer port -1, then close. (The reference server closes a 9th connection without a word.)
    if (connection.portId === undefined) {
      this.counts.add("refused-hub-full");
      this.log.limited(
        "warn",
        `${this.name}:refused`,
        `${this.name}: refused a port: all ${AIRPORT_MAX_PORTS} ports are taken`,
      );
    } else {
      this.counts.add("refused-wrong-hub");
      this.log.limited(
        "warn",
        `${this.name}:refused`,
        `${this.name}: refused a port request for hub ${request.hubId}`,
      );
    }
    connection.state = "refused";
    clearTimeout(connection.timers.handshake);
    // The slot is free at once, as in wifimedium.c; QEMU never closes its side after a refusal.
    if (connection.portId !== undefined) this.table.release(connection.portId, connection);
    connection.writer.send(encodePortAnswer(request.hubId, REFUSED_PORT_ID));
    connection.writer.endWhenFlushed();
  }

  private sendToPort(connection: Connection, message: Buffer): boolean {
    if (connection.writer.send(message)) return true;
    if (!connection.socket.destroyed) {
      this.drop(
        connection,
        "port-backlog",
        `${connection.writer.queuedMessages} messages already queued for this guest`,
      );
    }
    return false;
  }

  private drop(connection: Connection, reason: AirportHubDrop, detail: string): void {
    this.counts.add(`dropped-${reason}`);
    this.log.limited(
      "warn",
      `${this.name}:drop`,
      `${this.describe(connection)}: dropped (${reason}): ${detail}`,
    );
  }

  private forget(connection: Connection): void {
    clearTimers(connection.timers);
    this.connections.delete(connection);
    for (const port of this.table.occupants()) port.heldSenders.delete(connection);
    this.releaseSenders(connection);
    if (connection.portId !== undefined && this.table.release(connection.portId, connection)) {
      if (connection.state === "assigned")
        this.log.limited("info", `${this.name}:port-left`, `${this.name}: port ${connection.portId} left`);
    }
  }

  private describe(connection: Connection): string {
    return connection.portId === undefined
      ? `${this.name} refused connection`
      : `${this.name} port ${connection.portId}`;
  }
}
