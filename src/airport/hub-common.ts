// What both ends of a wifi-medium socket do alike, stated once: the hub id check, the read/settle
// loop around an AirportStreamReader, and the guard around the agent's frame handler.

import type { AirFrame } from "../medium/medium.js";
import type { Result } from "../result.js";
import { isHubId } from "./constants.js";
import type { AirportLog } from "./log.js";
import type { AirportStreamReader, StreamReason } from "./stream.js";

/** Throws for a hub id the header's int8 cannot carry (hubIdFromTermid() converts QEMU's termid). */
export function checkHubId(hubId: number): void {
  if (!isHubId(hubId)) {
    throw new RangeError(`airport hub id ${hubId} does not fit the header's int8 (-128..127)`);
  }
}

/** Hands a frame to the agent; a handler that throws is logged (rate-limited), never fatal to the hub. */
export function reportFrame(
  log: AirportLog,
  name: string,
  onTransmit: (frame: AirFrame) => void,
  frame: AirFrame,
): void {
  try {
    onTransmit(frame);
  } catch (error) {
    log.limited(
      "warn",
      `${name}:handler-failed`,
      `${name}: frame handler failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export interface ReadLoopHooks {
  /** Every message (or refusal) the reader cuts out. */
  readonly handle: (message: Result<Buffer, StreamReason>) => void;
  /** Reads are not settled while this holds (a held sender: its next read may continue the tail). */
  readonly isHeld?: () => boolean;
  /** Before each read is pushed. */
  readonly beforeRead?: () => void;
  /** After each read and after each settle. */
  readonly afterMessages?: () => void;
  /** After each settle, once the tail was handed on (or kept). */
  readonly afterSettle?: () => void;
}

/**
 * The read side of one connection: every read goes to the reader, and once the burst of reads is
 * over (the next event-loop turn) the tail it holds is settled as a whole message (stream.ts). A
 * connection that ended with a tail held reports it cut off.
 */
export class ReadLoop {
  private ended = false;
  private settleScheduled = false;

  constructor(
    private readonly reader: AirportStreamReader,
    private readonly hooks: ReadLoopHooks,
  ) {}

  read(chunk: Buffer): void {
    this.hooks.beforeRead?.();
    for (const message of this.reader.push(chunk)) this.hooks.handle(message);
    this.hooks.afterMessages?.();
    this.scheduleSettle();
  }

  /** The peer closed its side. With a settle pending, that settle reports the cut-off tail itself. */
  end(): void {
    this.ended = true;
    if (!this.settleScheduled) for (const message of this.reader.end()) this.hooks.handle(message);
  }

  /** Settles on the next turn if a tail is held and the connection is not held. */
  scheduleSettle(): void {
    if (this.settleScheduled || this.reader.pendingBytes === 0 || this.hooks.isHeld?.()) return;
    this.settleScheduled = true;
    setImmediate(() => {
      this.settleScheduled = false;
      // Held since scheduling: reads after the pause wait in Node's buffer; resuming settles again.
      if (this.hooks.isHeld?.()) return;
      const tail = this.ended ? this.reader.end() : this.reader.settle();
      for (const message of tail) this.hooks.handle(message);
      this.hooks.afterMessages?.();
      this.hooks.afterSettle?.();
    });
  }
}
