// The receiving half of a tunnel endpoint: every datagram from the UDP socket goes through open(),
// which applies the checks in the one safe order:
//   1. header   (magic, version, length, type, flags)              decodeHeader
//   2. policy   (sealed iff we hold a key)
//   3. open     (authenticate and decrypt with the sender session's traffic key)
//   4. body     (decode HELLO or FRAME)
//   5. sequence (replay window, session change, accounting)        ReceiveAccounting
// The sequence step comes last so that only authentic, well-formed datagrams move a replay window.

import { ok, type Rejection, type Result, reject } from "../result.js";
import { HEADER_LENGTH, TUNNEL_REJECT_REASONS, type TunnelReject } from "./constants.js";
import { decodeBody, decodeHeader, type TunnelMessage } from "./message.js";
import { type Arrival, ReceiveAccounting, type SenderSessionStats } from "./replay.js";
import { openSealedBody, TrafficKeyCache } from "./seal.js";

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
  /** Sender node ids tracked at once (default 256). */
  readonly maxSenders?: number;
  /** Traffic keys cached (default 1024 sender sessions). */
  readonly maxCachedKeys?: number;
}

export class TunnelReceiver {
  private readonly keys: TrafficKeyCache | null;
  private readonly accounting: ReceiveAccounting;
  private accepted = 0;
  private readonly rejected: Record<TunnelReject, number>;

  constructor(options: TunnelReceiverOptions) {
    this.keys = options.psk === null ? null : new TrafficKeyCache(options.psk, options.maxCachedKeys);
    this.accounting = new ReceiveAccounting({ maxSenders: options.maxSenders });
    this.rejected = Object.fromEntries(TUNNEL_REJECT_REASONS.map((reason) => [reason, 0])) as Record<
      TunnelReject,
      number
    >;
  }

  /** Decodes, authenticates and sequence-checks one datagram. Never throws. */
  open(datagram: Buffer): Result<ReceivedMessage, TunnelReject> {
    const header = decodeHeader(datagram);
    if (!header.ok) return this.refuse(header.error);
    const { nodeId, sessionId, sequence, sealed } = header.value;

    let body: Buffer;
    if (this.keys === null) {
      if (sealed)
        return this.refuse({ reason: "sealed-but-no-key", detail: "sealed datagram, no pre-shared key" });
      body = datagram.subarray(HEADER_LENGTH);
    } else {
      if (!sealed)
        return this.refuse({ reason: "not-sealed", detail: "unsealed datagram, a key is configured" });
      const opened = openSealedBody(datagram, this.keys.get(nodeId, sessionId));
      if (!opened.ok) return this.refuse(opened.error);
      body = opened.value;
    }

    const message = decodeBody(header.value, body);
    if (!message.ok) return this.refuse(message.error);

    const verdict = this.accounting.accept(nodeId, sessionId, sequence);
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
    }
    this.accepted++;
    return ok({ message: message.value, arrival: verdict });
  }

  stats(): TunnelReceiverStats {
    return { accepted: this.accepted, rejected: { ...this.rejected }, senders: this.accounting.sessions() };
  }

  private refuse(rejection: Rejection<TunnelReject>): Result<never, TunnelReject> {
    this.rejected[rejection.reason]++;
    return reject(rejection.reason, rejection.detail);
  }
}
