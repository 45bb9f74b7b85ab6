// The sending half of a tunnel endpoint: numbers every datagram of this agent run and seals it when
// a pre-shared key is configured. One datagram per frame serves every peer, since the traffic key
// belongs to the sender session and not to a pair of peers.

import { type KeyObject, randomBytes } from "node:crypto";
import type { AirFrame } from "../medium/medium.js";
import { ok, type Result } from "../result.js";
import { airFrameEncodingProblem } from "./air-frame.js";
import { TAG_LENGTH } from "./constants.js";
import type { Hello } from "./hello.js";
import { encodeMessage, type TunnelMessage } from "./message.js";
import { deriveTrafficKey, sealInPlace } from "./seal.js";

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
  private readonly trafficKey: KeyObject | null;
  private sequence = 0n;

  constructor(options: TunnelSenderOptions) {
    if (!Number.isInteger(options.nodeId) || options.nodeId < 0 || options.nodeId > 0xffff_ffff) {
      throw new RangeError(`node id ${options.nodeId} is not a u32`);
    }
    this.nodeId = options.nodeId;
    this.sessionId = options.sessionId ?? newSessionId();
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

  private finish(message: TunnelMessage): Buffer {
    if (this.trafficKey === null) {
      const unsealed = encodeMessage(message);
      this.sequence++; // only once encoding succeeded: a refused HELLO leaves no hole in the sequence
      return unsealed;
    }
    const sealed = encodeMessage(message, TAG_LENGTH);
    this.sequence++;
    sealInPlace(sealed, this.trafficKey);
    return sealed;
  }
}
