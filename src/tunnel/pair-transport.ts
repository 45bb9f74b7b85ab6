// With a key, every FRAME is sealed per receiver (handshake extension, docs/protocol.md): the send
// path makes one template per frame and hands it to the transport once per peer, as it always has;
// this wrapper seals each copy under the pair key of that peer's current session. Frames for a peer
// whose session it has not heard yet (the first round trip after a start) are held, at most
// HELD_FRAMES and HELD_MS old, and go out when flush() is told the handshake completed.

import { HeaderFlags, HeaderOffset, MessageType } from "./constants.js";
import type { SessionRef } from "./hello.js";
import type { TunnelSender } from "./sender.js";

export interface Transport<Endpoint> {
  send(datagram: Buffer, to: Endpoint): void;
  close(): Promise<void>;
}

/** Frames held per peer during its handshake: a start-up burst, not a backlog (the oldest go first). */
export const HELD_FRAMES = 1024;
/** Held frames older than this are dropped at the flush: stale air is worse than none. */
export const HELD_MS = 2000;

export class PairSealingTransport<Endpoint> implements Transport<Endpoint> {
  /** FRAMEs never sent to a peer because its session was not known in time. */
  heldBackDropped = 0;
  private readonly held = new Map<string, { at: number; template: Buffer }[]>();

  constructor(
    private readonly inner: Transport<Endpoint>,
    private readonly sender: TunnelSender,
    /** The session a peer proved it runs (a fresh HELLO), or null before the handshake. */
    private readonly sessionOf: (to: Endpoint) => SessionRef | null,
    private readonly keyOf: (to: Endpoint) => string,
    private readonly now: () => number = Date.now,
  ) {}

  send(datagram: Buffer, to: Endpoint): void {
    const template =
      this.sender.pairsFrames &&
      datagram[HeaderOffset.type] === MessageType.frame &&
      (datagram[HeaderOffset.flags] & HeaderFlags.paired) !== 0;
    if (!template) {
      this.inner.send(datagram, to);
      return;
    }
    const session = this.sessionOf(to);
    const key = this.keyOf(to);
    const queue = this.held.get(key);
    if (session === null || queue !== undefined) {
      const waiting = queue ?? [];
      if (queue === undefined) this.held.set(key, waiting);
      waiting.push({ at: this.now(), template: datagram });
      if (waiting.length > HELD_FRAMES) {
        waiting.shift();
        this.heldBackDropped++;
      }
      if (session !== null) this.flush(to);
      return;
    }
    this.inner.send(this.sender.sealFrameFor(datagram, session), to);
  }

  /** The peer's session is known now: send what waited for it, in order. */
  flush(to: Endpoint): void {
    const session = this.sessionOf(to);
    const key = this.keyOf(to);
    const queue = this.held.get(key);
    if (session === null || queue === undefined) return;
    this.held.delete(key);
    const oldest = this.now() - HELD_MS;
    for (const { at, template } of queue) {
      if (at < oldest) this.heldBackDropped++;
      else this.inner.send(this.sender.sealFrameFor(template, session), to);
    }
  }

  /** The peer is gone (removed by a reload): what waited for its handshake is dropped and counted. */
  forget(to: Endpoint): void {
    const key = this.keyOf(to);
    this.heldBackDropped += this.held.get(key)?.length ?? 0;
    this.held.delete(key);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
