// The sending half of a tunnel endpoint: numbers every datagram of this agent run and seals it when
// a pre-shared key is configured. One datagram per frame serves every peer, since the traffic key
// belongs to the sender session and not to a pair of peers.

import { randomBytes } from "node:crypto";
import type { AirFrame } from "../medium/medium.js";
import { ok, type Result } from "../result.js";
import { airFrameEncodingProblem } from "./air-frame.js";
import { HeaderFlags, HeaderOffset, TAG_LENGTH } from "./constants.js";
import type { Hello, SessionRef } from "./hello.js";
import { encodeMessage, type TunnelMessage } from "./message.js";
import { type AeadKey, derivePairKey, deriveTrafficKey, sealInPlace } from "./seal.js";

/** A random session id for one agent run: it tells peers we restarted and keys our traffic. */
export function newSessionId(): bigint {
  return randomBytes(8).readBigUInt64BE(0);
}

export interface TunnelSenderOptions {
  /** This agent's node id (u32), unique among the peers of one tunnel. */
  readonly nodeId: number;
  /** Defaults to newSessionId(); fixed values are for tests and test vectors only. */
  readonly sessionId?: bigint;
  /** The pre-shared key (parsePresharedKey), or null to send unsealed datagrams. */
  readonly psk: Buffer | null;
}

export type SendRefusal = "oversize" | "bad-field";

export class TunnelSender {
  readonly nodeId: number;
  readonly sessionId: bigint;
  private readonly psk: Buffer | null;
  private readonly trafficKey: AeadKey | null;
  /** Pair keys towards receiver sessions, newest last (a peer restarting replaces its entry). */
  private readonly pairKeys = new Map<string, AeadKey>();
  private sequence = 0n;

  constructor(options: TunnelSenderOptions) {
    if (!Number.isInteger(options.nodeId) || options.nodeId < 0 || options.nodeId > 0xffff_ffff) {
      throw new RangeError(`node id ${options.nodeId} is not a u32`);
    }
    this.nodeId = options.nodeId;
    this.sessionId = options.sessionId ?? newSessionId();
    this.psk = options.psk;
    this.trafficKey =
      options.psk === null ? null : deriveTrafficKey(options.psk, this.nodeId, this.sessionId);
  }

  /** The sequence number the next datagram will carry (= datagrams made so far). */
  get nextSequence(): bigint {
    return this.sequence;
  }

  /**
   * One FRAME datagram for `air`. Frames come off the air, so an unfit one (over 2400 bytes, empty,
   * fields out of range) is refused as a Result for the caller to count; it uses no sequence number.
   * With a key it is a template, flagged sealed and paired but still plaintext with room for the
   * tag: each peer gets its own copy from sealFrameFor() (PairSealingTransport does that).
   */
  frame(air: AirFrame): Result<Buffer, SendRefusal> {
    const problem = airFrameEncodingProblem(air);
    if (problem !== null) return { ok: false, error: problem };
    return ok(this.finish({ type: "frame", origin: this.nextOrigin(), air }));
  }

  /** One HELLO datagram. The content is our own configuration: invalid content throws RangeError. */
  hello(hello: Hello): Buffer {
    return this.finish({ type: "hello", origin: this.nextOrigin(), hello });
  }

  private nextOrigin(): TunnelMessage["origin"] {
    return { nodeId: this.nodeId, sessionId: this.sessionId, sequence: this.sequence };
  }

  /** Whether frame() returns templates that still need sealFrameFor(). */
  get pairsFrames(): boolean {
    return this.psk !== null;
  }

  /** A copy of a frame() template sealed under the pair key towards one receiver session. */
  sealFrameFor(template: Buffer, receiver: SessionRef): Buffer {
    const id = `${receiver.nodeId}:${receiver.sessionId}`;
    let key = this.pairKeys.get(id);
    if (key === undefined) {
      key = derivePairKey(this.psk as Buffer, { nodeId: this.nodeId, sessionId: this.sessionId }, receiver);
      // A handful of peers, each keeping one session at a time: 64 is plenty and bounds a churn.
      if (this.pairKeys.size >= 64) this.pairKeys.delete(this.pairKeys.keys().next().value as string);
      this.pairKeys.set(id, key);
    }
    const sealed = Buffer.from(template);
    sealInPlace(sealed, key);
    return sealed;
  }

  private finish(message: TunnelMessage): Buffer {
    if (this.trafficKey === null) {
      const unsealed = encodeMessage(message);
      this.sequence++; // only once encoding succeeded: a refused HELLO leaves no hole in the sequence
      return unsealed;
    }
    const sealed = encodeMessage(message, TAG_LENGTH);
    this.sequence++;
    if (message.type === "frame") {
      sealed[HeaderOffset.flags] |= HeaderFlags.sealed | HeaderFlags.paired;
      return sealed;
    }
    sealInPlace(sealed, this.trafficKey);
    return sealed;
  }
}
