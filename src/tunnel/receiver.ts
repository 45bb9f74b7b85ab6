// The receiving half of a tunnel endpoint: every datagram from the UDP socket goes through open(),
// which applies the checks in the one safe order:
//   1. header   (magic, version, length, type, flags)              decodeHeader
//   2. policy   (sealed iff we hold a key)
//   3. session  (sealed FRAME: a session a HELLO started, else refused before any crypto)
//   4. open     (authenticate and decrypt: HELLO with its sender session's key, FRAME with the pair key)
//   5. body     (decode HELLO or FRAME)
//   6. sequence (replay window, session change, accounting)        ReceiveAccounting
// The sequence step comes last so that only authentic, well-formed datagrams move a replay window.
//
// With a key, the handshake extension (docs/protocol.md, "Handshake") makes recordings of an
// earlier run worthless: FRAMEs are sealed under a pair key that mixes the sender's and this
// receiver's session ids, so nothing sealed before this run opens. A HELLO is "fresh" when it names
// this run's session (heard-session TLV); one that does not (a first contact, or a recording) is
// answered but confirms nothing.

import { Counters } from "../medium/counters.js";
import { ok, type Rejection, type Result, reject } from "../result.js";
import { HEADER_LENGTH, MessageType, TUNNEL_REJECT_REASONS, type TunnelReject } from "./constants.js";
import type { SessionRef } from "./hello.js";
import { decodeBody, decodeHeader, type TunnelMessage } from "./message.js";
import { type Arrival, ReceiveAccounting, type SenderSessionStats } from "./replay.js";
import { type AeadKey, derivePairKey, openSealedBody, TrafficKeyCache } from "./seal.js";

export interface ReceivedMessage {
  readonly message: TunnelMessage;
  /** "new-session" on the first datagram of a sender session we have not seen: answer with a HELLO. */
  readonly arrival: Arrival;
}

export interface TunnelReceiverStats {
  readonly accepted: number;
  readonly rejected: Readonly<Record<TunnelReject, number>>;
  readonly senders: readonly SenderSessionStats[];
}

export interface TunnelReceiverOptions {
  /** The pre-shared key, or null to accept unsealed datagrams only. */
  readonly psk: Buffer | null;
  /** This agent's own run: the other half of every pair key, and what a fresh HELLO names. */
  readonly own?: SessionRef;
  /** Sender node ids tracked at once (default 256). */
  readonly maxSenders?: number;
  /** Traffic keys cached (default 1024 sender sessions). */
  readonly maxCachedKeys?: number;
  /**
   * HKDF runs for HELLOs of sessions not yet cached: a burst of this many, then this many a second
   * (default 16). A forged HELLO of a fresh session costs one; past the budget it is refused as
   * "busy" at no cost (forgeries each cost a key derivation before: 13.7k/s, issue 12).
   */
  readonly helloDerivationsPerSecond?: number;
  readonly now?: () => number;
}

export class TunnelReceiver {
  private readonly psk: Buffer | null;
  private readonly own: SessionRef | undefined;
  private readonly helloKeys: TrafficKeyCache | null;
  private readonly pairKeys = new Map<string, AeadKey>();
  private readonly maxCachedKeys: number;
  private readonly accounting: ReceiveAccounting;
  private accepted = 0;
  /** Rejections by reason: the agent counts them per peer too; this is the receiver's own tally. */
  private readonly rejected = new Counters<TunnelReject>(TUNNEL_REJECT_REASONS);
  private readonly derivationsPerSecond: number;
  private derivationTokens: number;
  private derivationsAt: number;
  private readonly now: () => number;

  constructor(options: TunnelReceiverOptions) {
    this.psk = options.psk;
    this.own = options.own;
    this.maxCachedKeys = options.maxCachedKeys ?? 1024;
    this.helloKeys = options.psk === null ? null : new TrafficKeyCache(options.psk, this.maxCachedKeys);
    this.accounting = new ReceiveAccounting({ maxSenders: options.maxSenders });
    this.derivationsPerSecond = options.helloDerivationsPerSecond ?? 16;
    this.derivationTokens = this.derivationsPerSecond;
    this.now = options.now ?? Date.now;
    this.derivationsAt = this.now();
  }

  /** Decodes, authenticates and sequence-checks one datagram. Never throws. */
  open(datagram: Buffer): Result<ReceivedMessage, TunnelReject> {
    const header = decodeHeader(datagram);
    if (!header.ok) return this.refuse(header.error);
    const { nodeId, sessionId, sequence, sealed, type } = header.value;
    const isHello = type === MessageType.hello;

    let body: Buffer;
    if (this.psk === null) {
      if (sealed)
        return this.refuse({ reason: "sealed-but-no-key", detail: "sealed datagram, no pre-shared key" });
      body = datagram.subarray(HEADER_LENGTH);
    } else {
      if (!sealed)
        return this.refuse({ reason: "not-sealed", detail: "unsealed datagram, a key is configured" });
      const key = isHello
        ? this.helloKey(nodeId, sessionId)
        : this.frameKey(nodeId, sessionId, header.value.paired);
      if (!key.ok) return this.refuse(key.error);
      const opened = openSealedBody(datagram, key.value.key);
      if (!opened.ok) return this.refuse(opened.error);
      // Cached only once it opened something: a forgery leaves no state behind.
      key.value.keep();
      body = opened.value;
    }

    const decoded = decodeBody(header.value, body);
    if (!decoded.ok) return this.refuse(decoded.error);

    const verdict = this.accounting.accept(nodeId, sessionId, sequence, {
      hello: isHello,
      authenticated: sealed,
    });
    switch (verdict) {
      case "duplicate":
        return this.refuse({
          reason: "replayed",
          detail: `sequence ${sequence} of node ${nodeId} arrived before`,
        });
      case "too-old":
        return this.refuse({
          reason: "too-old",
          detail: `sequence ${sequence} of node ${nodeId} is behind the window`,
        });
      case "stale-session":
        return this.refuse({
          reason: "stale-session",
          detail: `node ${nodeId} has moved on from session ${sessionId}`,
        });
      case "unknown-session":
        return this.refuse({
          reason: "unknown-session",
          detail: `node ${nodeId} sent a frame before any HELLO of its session`,
        });
      case "too-far-ahead":
        return this.refuse({
          reason: "too-far-ahead",
          detail: `sequence ${sequence} of node ${nodeId} jumps past the window; held until a second confirms it`,
        });
    }
    const message = sealed ? this.handshake(decoded.value) : decoded.value;
    this.accepted++;
    return ok({ message, arrival: verdict });
  }

  /**
   * Whether this receiver knows the sender of (node id, session id) has heard its current session:
   * always, without a key; with one, after a fresh HELLO or a FRAME that opened under the pair key.
   * Only such a session's HELLO may name a peer (a recorded HELLO confirms nothing).
   */
  isConfirmed(nodeId: number, sessionId: bigint): boolean {
    return this.psk === null || this.accounting.isConfirmed(nodeId, sessionId);
  }

  stats(): TunnelReceiverStats {
    return {
      accepted: this.accepted,
      rejected: this.rejected.snapshot(),
      senders: this.accounting.sessions(),
    };
  }

  /** A sealed datagram passed: FRAMEs prove the pair key, HELLOs are fresh or must be answered. */
  private handshake(message: TunnelMessage): TunnelMessage {
    const { nodeId, sessionId } = message.origin;
    if (message.type === "frame") {
      this.accounting.confirm(nodeId, sessionId);
      return message;
    }
    const heard = message.hello.heardSession;
    if (heard && this.own && heard.nodeId === this.own.nodeId && heard.sessionId === this.own.sessionId) {
      this.accounting.confirm(nodeId, sessionId);
      return message;
    }
    // Not naming this run: a first contact or a recording. Answering is how the handshake goes on.
    return { ...message, hello: { ...message.hello, replyRequested: true } };
  }

  /** The HELLO key of a sender session: cached, or derived if the budget allows. */
  private helloKey(
    nodeId: number,
    sessionId: bigint,
  ): Result<{ key: AeadKey; keep: () => void }, TunnelReject> {
    const keys = this.helloKeys as TrafficKeyCache;
    const cached = keys.peek(nodeId, sessionId);
    if (cached !== undefined) return ok({ key: cached, keep: () => {} });
    if (!this.spendDerivation()) {
      return reject(
        "busy",
        `a HELLO of an unknown session of node ${nodeId} while key derivations are over budget`,
      );
    }
    const key = keys.derive(nodeId, sessionId);
    return ok({ key, keep: () => keys.put(nodeId, sessionId, key) });
  }

  /** The pair key of a FRAME: only for a session a HELLO started, so a forgery costs no HKDF. */
  private frameKey(
    nodeId: number,
    sessionId: bigint,
    paired: boolean | undefined,
  ): Result<{ key: AeadKey; keep: () => void }, TunnelReject> {
    if (!paired) {
      return reject(
        "bad-field",
        "sealed FRAME without the paired flag: the sender speaks v1 without the handshake extension",
      );
    }
    if (this.accounting.retired(nodeId, sessionId)) {
      return reject("stale-session", `node ${nodeId} has moved on from session ${sessionId}`);
    }
    if (this.own === undefined || !this.accounting.knows(nodeId, sessionId)) {
      return reject("unknown-session", `node ${nodeId} sent a frame before any HELLO of its session`);
    }
    const id = `${nodeId}:${sessionId}`;
    const cached = this.pairKeys.get(id);
    if (cached !== undefined) return ok({ key: cached, keep: () => {} });
    // Cached at once: the session is genuine (its HELLO authenticated), so forgeries that name it
    // must not cost an HKDF each.
    const key = derivePairKey(this.psk as Buffer, { nodeId, sessionId }, this.own);
    if (this.pairKeys.size >= this.maxCachedKeys)
      this.pairKeys.delete(this.pairKeys.keys().next().value as string);
    this.pairKeys.set(id, key);
    return ok({ key, keep: () => {} });
  }

  private spendDerivation(): boolean {
    const at = this.now();
    this.derivationTokens = Math.min(
      this.derivationsPerSecond,
      this.derivationTokens + ((at - this.derivationsAt) / 1000) * this.derivationsPerSecond,
    );
    this.derivationsAt = at;
    if (this.derivationTokens < 1) return false;
    this.derivationTokens--;
    return true;
  }

  private refuse(rejection: Rejection<TunnelReject>): Result<never, TunnelReject> {
    this.rejected.add(rejection.reason);
    return reject(rejection.reason, rejection.detail);
  }
}
