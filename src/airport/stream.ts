// Message boundaries on an airport stream socket. The protocol has no length field: QEMU and
// wifi-medium send() one message at a time and treat whatever one recv() returns as one message.
// A stream socket keeps no boundaries, so both directions need care (docs/protocol.md, "Stream framing"):
//
// Reading: on AF_UNIX a send() of up to 4100 bytes is queued whole, so a read that drains the socket
// ends on a message boundary. What a read can hold is several messages glued together (the reader
// fell behind) or, when it filled the 64 KiB read buffer, a message cut short whose rest follows
// at once. The reader splits glued messages at a header the peer would write, confirmed by the
// transmitter address of the 802.11 frame after it, and holds the undelimited tail until the burst
// of reads is over ("settle").
//
// Writing: one message per write() syscall, never a writev() of several (Node batches queued writes
// into writev), one per event-loop turn so a reader that keeps up sees each message in a read of
// its own, and one more per send() once a backlog shows the input outruns that pace.

import type { Socket } from "node:net";
import { FrameTypeCode, HeaderLength } from "../ieee80211/constants.js";
import { frameTypeCode, readAddress2 } from "../ieee80211/frame.js";
import type { MacAddress } from "../ieee80211/mac.js";
import { ok, type Result, reject } from "../result.js";
import {
  AIRPORT_HEADER_BYTES,
  AIRPORT_MAX_MESSAGE_BYTES,
  AirportFrameLimits,
  AirportMode,
} from "./constants.js";
import {
  AIRPORT_MESSAGE_REASONS,
  type AirportHeader,
  type AirportMessageReason,
  readHeader,
} from "./message.js";

/** Why AirportStreamReader refuses a run of bytes. */
export const STREAM_REASONS = ["oversize", "truncated"] as const;
export type StreamReason = (typeof STREAM_REASONS)[number];

/**
 * Every reason a message read from a wifi-medium socket can be refused, by the stream reader or by
 * decodeMessage(), each once (both can say "oversize"). Hub and port count their drops by these.
 */
export const RECEIVED_MESSAGE_REASONS: readonly (AirportMessageReason | StreamReason)[] = [
  ...new Set([...AIRPORT_MESSAGE_REASONS, ...STREAM_REASONS]),
];

/** Frame control, duration and addr1, addr2: the shortest frame whose transmitter can be read. */
const MIN_FRAME_WITH_ADDRESS2 = HeaderLength.controlRaTa;
const FRAME_CONTROL_BYTES = 1;

/**
 * Frame control byte 0 of anything a mac80211 guest sends: protocol version 0 and a type of
 * management, control or data (type 3, extension, is never sent by these guests).
 */
function isPlausibleFrameControl(frameControl: number): boolean {
  const version = frameControl & 0x03;
  return version === 0 && frameTypeCode(frameControl) !== FrameTypeCode.extension;
}

/** The transmitter addresses a peer has used recently (a guest uses one per interface). */
class TransmitterMemory {
  private readonly addresses = new Set<MacAddress>();

  constructor(private readonly capacity: number) {}

  remember(address: MacAddress): void {
    // Delete and re-add keeps the Set in least-recently-seen order for eviction.
    this.addresses.delete(address);
    this.addresses.add(address);
    if (this.addresses.size > this.capacity) {
      const oldest = this.addresses.values().next().value;
      if (oldest !== undefined) this.addresses.delete(oldest);
    }
  }

  has(address: MacAddress): boolean {
    return this.addresses.has(address);
  }
}

export interface StreamReaderOptions {
  /** Whether a header found inside the stream could have been written by this peer, e.g. {1, hub, port}. */
  readonly acceptsHeader: (header: AirportHeader) => boolean;
  /** How many transmitter addresses of the peer to remember (default 64). */
  readonly rememberedTransmitters?: number;
  /**
   * Set for a peer that cuts its stream into sends of this size regardless of message boundaries:
   * wifimedium.c relays whatever each recv(4100) returned, so a glued run reaches us in 4100-byte
   * pieces. A read that is a whole number of such pieces may end mid-message; its tail is held for
   * the next read instead of settling.
   */
  readonly peerCutsSendsAt?: number;
}

/**
 * Cuts the bytes of one connection into messages. Pure: the caller feeds it every read and tells it
 * when a burst of reads is over. Returned messages are views into the chunks fed.
 */
export class AirportStreamReader {
  private pending: Buffer = Buffer.alloc(0);
  private readonly transmitters: TransmitterMemory;
  private readonly acceptsHeader: (header: AirportHeader) => boolean;
  private readonly peerCutsSendsAt: number | undefined;
  /** The last read may have ended inside a message (see peerCutsSendsAt). */
  private lastReadMayBeCut = false;
  /** Where the next read joins the held tail, while a tail is held for a cut. */
  private heldCutAt: number | undefined;

  constructor(options: StreamReaderOptions) {
    this.acceptsHeader = options.acceptsHeader;
    this.transmitters = new TransmitterMemory(options.rememberedTransmitters ?? 64);
    this.peerCutsSendsAt = options.peerCutsSendsAt;
  }

  /** Bytes from one read. Returns the messages known to be complete: those another message follows. */
  push(chunk: Buffer): Result<Buffer, StreamReason>[] {
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Result<Buffer, StreamReason>[] = [];
    const joinAt = this.heldCutAt;
    this.heldCutAt = undefined;
    this.lastReadMayBeCut = this.peerCutsSendsAt !== undefined && chunk.length % this.peerCutsSendsAt === 0;
    // A read starts where a send() started: the first bytes are a header even when the split below fails.
    let start = 0;
    this.learnTransmitter(bytes, start);
    for (;;) {
      const next = this.findConfirmedStart(
        bytes,
        start + AIRPORT_HEADER_BYTES + AirportFrameLimits.minTransmitted,
      );
      if (next === undefined) break;
      // A new message right where the held tail ended: the rest of the tail was never relayed.
      if (next === joinAt) {
        out.push(reject("truncated", `${next - start} bytes of a message the hub cut and never continued`));
      } else {
        out.push(ok(bytes.subarray(start, next)));
      }
      start = next;
      this.learnTransmitter(bytes, start);
    }
    const tail = bytes.subarray(start);
    if (tail.length > AIRPORT_MAX_MESSAGE_BYTES) {
      out.push(
        reject(
          "oversize",
          `${tail.length} bytes without a message boundary; no airport peer sends more than ${AIRPORT_MAX_MESSAGE_BYTES}`,
        ),
      );
      this.pending = Buffer.alloc(0);
    } else {
      this.pending = tail;
    }
    return out;
  }

  /**
   * The reads of this burst are over: whole sends were queued, so the tail is a whole message.
   * A tail shorter than a header is kept: the rest of a header can only be late, never absent.
   */
  settle(): Result<Buffer, StreamReason>[] {
    if (this.pending.length < AIRPORT_HEADER_BYTES) return [];
    if (this.lastReadMayBeCut) {
      this.heldCutAt = this.pending.length;
      return [];
    }
    const message = this.pending;
    this.pending = Buffer.alloc(0);
    return [ok(message)];
  }

  /**
   * The rest of a tail held for a cut did not come (wifimedium.c closed the sender, or dropped the
   * piece): the tail is a message cut short. A run that really ended on a piece boundary is lost too.
   */
  abandonHeldTail(): Result<Buffer, StreamReason>[] {
    if (this.heldCutAt === undefined) return [];
    this.heldCutAt = undefined;
    const cut = this.pending.length;
    this.pending = Buffer.alloc(0);
    return [reject("truncated", `${cut} bytes of a message the hub cut and never continued`)];
  }

  /** The peer closed: an unsettled tail was cut off mid-message. */
  end(): Result<Buffer, StreamReason>[] {
    this.heldCutAt = undefined;
    if (this.pending.length === 0) return [];
    const cut = this.pending.length;
    this.pending = Buffer.alloc(0);
    return [reject("truncated", `${cut} bytes of an unfinished message when the peer closed`)];
  }

  /** Bytes held back until more arrive or the burst settles. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  /** Whether settle() kept a tail because the last read may have ended inside it. */
  get holdingCutTail(): boolean {
    return this.heldCutAt !== undefined;
  }

  private learnTransmitter(bytes: Buffer, start: number): void {
    if (bytes.length - start < AIRPORT_HEADER_BYTES + FRAME_CONTROL_BYTES) return;
    if (!this.acceptsHeader(readHeader(bytes, start))) return;
    const frame = start + AIRPORT_HEADER_BYTES;
    if (!isPlausibleFrameControl(bytes[frame])) return;
    const transmitter = readAddress2(bytes.subarray(frame));
    if (transmitter !== null) this.transmitters.remember(transmitter);
  }

  /**
   * The first offset from `from` where a message of this peer starts: a header it would write, then
   * a plausible 802.11 frame sent by a transmitter this peer has used before. The transmitter check
   * is what keeps a frame whose payload happens to contain the header bytes in one piece.
   */
  private findConfirmedStart(bytes: Buffer, from: number): number | undefined {
    // A message start needs a whole header and a frame long enough to carry addr2 (10 + 6 bytes).
    const lastStart = bytes.length - AIRPORT_HEADER_BYTES - MIN_FRAME_WITH_ADDRESS2;
    for (let at = from; at <= lastStart; at++) {
      // Only frame messages are ever glued: a port request is always answered before the next send.
      if (bytes[at] !== AirportMode.wifiFrame) continue;
      if (!this.acceptsHeader(readHeader(bytes, at))) continue;
      const frame = at + AIRPORT_HEADER_BYTES;
      if (!isPlausibleFrameControl(bytes[frame])) continue;
      const transmitter = readAddress2(bytes.subarray(frame, frame + MIN_FRAME_WITH_ADDRESS2));
      if (transmitter !== null && this.transmitters.has(transmitter)) return at;
    }
    return undefined;
  }
}

export interface WriterOptions {
  /** Messages held for a slow reader before send() refuses more. */
  readonly maxQueued: number;
  /**
   * Beyond this many queued messages the writer stops pacing itself at one message per event-loop
   * turn and also writes one per event that sends (default 512: above the ~312 a held relay sender
   * can queue, so only a tunnel flood or a port that stopped reading gets there).
   */
  readonly catchUpAbove?: number;
  /** Called each time the last queued message has been handed to the kernel. */
  readonly onDrained?: () => void;
}

/**
 * Writes whole messages to a socket, one write() each, in order. Node's Writable would otherwise hand
 * queued messages to libuv as one writev(), and a writev() cut short by a full socket buffer leaves
 * half a message for the next syscall.
 *
 * Pace: one message per event-loop turn, so a reader that keeps up (even one in this process) sees
 * each message in a read of its own. A backlog beyond `catchUpAbove` means the input outruns that
 * pace (a UDP read brings up to 32 tunnel datagrams per turn: paced alone, a flood reached the guest
 * 1 frame in 32, docs/benchmarks.md "Hostile input"), so every send() then also writes one message
 * at once, unless a write is in flight: the output keeps the input's pace. A reader that falls
 * behind that pace gets glued messages, as from wifimedium.c (the protocol's limit).
 */
export class AirportMessageWriter {
  private readonly queue: Buffer[] = [];
  /** A write() whose callback has not run yet. */
  private writing = false;
  private pumpScheduled = false;
  /** A send() happened in the current stretch of JavaScript (cleared by a microtask after it). */
  private sentInThisStretch = false;
  private endRequested = false;
  private ended = false;
  private written = 0;

  private readonly maxQueued: number;
  private readonly catchUpAbove: number;
  private readonly onDrained: () => void;

  constructor(
    private readonly socket: Socket,
    options: WriterOptions,
  ) {
    this.maxQueued = options.maxQueued;
    this.catchUpAbove = options.catchUpAbove ?? 512;
    this.onDrained = options.onDrained ?? (() => {});
  }

  /** Queues one message; false if the queue is full or the socket gone (the message is dropped). */
  send(message: Buffer): boolean {
    if (this.endRequested || this.socket.destroyed || this.queue.length >= this.maxQueued) return false;
    this.queue.push(message);
    // Only the first send() of a stretch of JavaScript: one event that queues many messages (a
    // burst of deliver() calls, one read of many relayed frames) must not put two in one poll.
    if (this.queue.length > this.catchUpAbove && !this.sentInThisStretch) this.writeNext();
    else this.schedule();
    if (!this.sentInThisStretch) {
      this.sentInThisStretch = true;
      queueMicrotask(() => {
        this.sentInThisStretch = false;
      });
    }
    return true;
  }

  /** Closes the socket once every queued message has been written (a refusal answer, then close). */
  endWhenFlushed(): void {
    this.endRequested = true;
    this.schedule();
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Messages handed to the kernel so far: a reader that is alive keeps this moving. */
  get writtenMessages(): number {
    return this.written;
  }

  /** The next message on the next turn: setImmediate rather than the write callback's nextTick, so the loop polls for reads in between. */
  private schedule(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.writeNext();
    });
  }

  private writeNext(): void {
    if (this.writing) return;
    if (this.queue.length === 0 || this.socket.destroyed) {
      this.queue.length = 0;
      // Close both directions once written, as close() would: the peer may never close its side.
      if (this.endRequested && !this.ended && !this.socket.destroyed) {
        this.ended = true;
        this.socket.end(() => this.socket.destroy());
      }
      return;
    }
    const message = this.queue.shift() as Buffer;
    this.writing = true;
    this.socket.write(message, (error) => {
      // A failed write also emits 'error' on the socket; the owner handles it there.
      this.writing = false;
      if (!error) this.written++;
      if (this.queue.length === 0) this.onDrained();
      if (this.queue.length > 0 || this.endRequested) this.schedule();
    });
  }
}
