// HELLO body: how peers learn each other before any frame flows. A fixed part (flags, keepalive
// interval, capabilities) and then TLVs, so later versions can add facts that v1 receivers skip.
// Every agent sends a HELLO at start-up and then once per keepalive interval: the periodic HELLO is
// the keepalive (there is no separate KEEPALIVE message), which keeps a restarted or late peer
// converging without any request/response state.

import { isUtf8 } from "node:buffer";
import { MAC_LENGTH, type MacAddress, readMac, writeMac } from "../ieee80211/mac.js";
import { ok, type Result, reject } from "../result.js";
import {
  HEADER_LENGTH,
  HEARD_SESSION_TLV_LENGTH,
  HELLO_FIXED_LENGTH,
  HELLO_TLV_HEADER_LENGTH,
  HelloFlags,
  HelloOffset,
  HelloTlvType,
  MAX_DATAGRAM_LENGTH,
  MAX_NODE_NAME_BYTES,
  TAG_LENGTH,
} from "./constants.js";
import { printable } from "./printable.js";

export interface Hello {
  /** How often the sender repeats its HELLO, 1..65535 ms; a peer silent for a few intervals is gone. */
  readonly keepaliveIntervalMs: number;
  /** Feature bits (u32). v1 assigns none: senders send 0, receivers ignore bits they do not know. */
  readonly capabilities: number;
  /** Set at start-up and on meeting an unknown peer session, clear on periodic HELLOs (no ping-pong). */
  readonly replyRequested: boolean;
  /** Short UTF-8 name for logs, at most 64 bytes; "" leaves the TLV out. Decoded names are printable(): control characters escaped. */
  readonly nodeName: string;
  /** The sender's local radio addresses, so peers can spot the identical default hwsim MACs of two VMs. */
  readonly radioMacs: readonly MacAddress[];
  /**
   * Handshake extension: the addressee's session as the sender last heard it, or null/absent before
   * it heard any. A sealed HELLO that names the receiver's current session is "fresh" (receiver.ts).
   */
  readonly heardSession?: SessionRef | null;
}

/** One agent run: node id (u32) and session id (u64). */
export interface SessionRef {
  readonly nodeId: number;
  readonly sessionId: bigint;
}

export type HelloReject = "truncated" | "bad-field";

const MAX_KEEPALIVE_INTERVAL_MS = 0xffff;
/** A sealed HELLO must fit in MAX_DATAGRAM_LENGTH like everything else (about 380 radio MACs). */
const MAX_HELLO_BODY_LENGTH = MAX_DATAGRAM_LENGTH - HEADER_LENGTH - TAG_LENGTH;

function nodeNameLength(hello: Hello): number {
  return Buffer.byteLength(hello.nodeName, "utf8");
}

export function helloEncodingLength(hello: Hello): number {
  const nameBytes = nodeNameLength(hello);
  const nameTlv = nameBytes === 0 ? 0 : HELLO_TLV_HEADER_LENGTH + nameBytes;
  const macsTlv =
    hello.radioMacs.length === 0 ? 0 : HELLO_TLV_HEADER_LENGTH + hello.radioMacs.length * MAC_LENGTH;
  const heardTlv = hello.heardSession ? HELLO_TLV_HEADER_LENGTH + HEARD_SESSION_TLV_LENGTH : 0;
  return HELLO_FIXED_LENGTH + nameTlv + macsTlv + heardTlv;
}

/** Why `hello` cannot be encoded, or null. HELLO content is our own configuration, so encode throws on it. */
export function helloEncodingProblem(hello: Hello): string | null {
  const interval = hello.keepaliveIntervalMs;
  if (!Number.isInteger(interval) || interval < 1 || interval > MAX_KEEPALIVE_INTERVAL_MS) {
    return `keepalive interval ${interval} ms is outside 1..65535`;
  }
  if (!Number.isInteger(hello.capabilities) || hello.capabilities < 0 || hello.capabilities > 0xffff_ffff) {
    return `capabilities ${hello.capabilities} is not a u32`;
  }
  if (nodeNameLength(hello) > MAX_NODE_NAME_BYTES) {
    return `node name is ${nodeNameLength(hello)} bytes of UTF-8, at most ${MAX_NODE_NAME_BYTES}`;
  }
  if (helloEncodingLength(hello) > MAX_HELLO_BODY_LENGTH) {
    return `${hello.radioMacs.length} radio MACs make the HELLO longer than a datagram may be`;
  }
  for (const mac of hello.radioMacs) {
    if (!Number.isInteger(mac) || mac < 0 || mac > 0xffff_ffff_ffff) return `radio MAC ${mac} is not 48-bit`;
  }
  return null;
}

/** Writes the HELLO body at `offset`; throws RangeError on content helloEncodingProblem refuses. */
export function encodeHello(hello: Hello, buf: Buffer, offset: number): void {
  const problem = helloEncodingProblem(hello);
  if (problem !== null) throw new RangeError(`cannot encode HELLO: ${problem}`);

  buf[offset + HelloOffset.flags] = hello.replyRequested ? HelloFlags.replyRequested : 0;
  buf.writeUInt16BE(hello.keepaliveIntervalMs, offset + HelloOffset.keepaliveIntervalMs);
  buf.writeUInt32BE(hello.capabilities, offset + HelloOffset.capabilities);
  let cursor = offset + HelloOffset.tlvs;

  const nameBytes = nodeNameLength(hello);
  if (nameBytes > 0) {
    buf[cursor] = HelloTlvType.nodeName;
    buf.writeUInt16BE(nameBytes, cursor + 1);
    buf.write(hello.nodeName, cursor + HELLO_TLV_HEADER_LENGTH, "utf8");
    cursor += HELLO_TLV_HEADER_LENGTH + nameBytes;
  }
  if (hello.radioMacs.length > 0) {
    buf[cursor] = HelloTlvType.radioMacs;
    buf.writeUInt16BE(hello.radioMacs.length * MAC_LENGTH, cursor + 1);
    cursor += HELLO_TLV_HEADER_LENGTH;
    for (const mac of hello.radioMacs) {
      writeMac(buf, cursor, mac);
      cursor += MAC_LENGTH;
    }
  }
  if (hello.heardSession) {
    buf[cursor] = HelloTlvType.heardSession;
    buf.writeUInt16BE(HEARD_SESSION_TLV_LENGTH, cursor + 1);
    buf.writeUInt32BE(hello.heardSession.nodeId, cursor + HELLO_TLV_HEADER_LENGTH);
    buf.writeBigUInt64BE(hello.heardSession.sessionId, cursor + HELLO_TLV_HEADER_LENGTH + 4);
  }
}

interface HelloDraft {
  nodeName?: string;
  radioMacs?: MacAddress[];
  heardSession?: SessionRef;
}

/** Reads one TLV value into the draft; returns what is wrong with it (a "bad-field" detail) or null. */
type TlvReader = (value: Buffer, draft: HelloDraft) => string | null;

/** One reader per known TLV type; each known TLV may appear at most once. */
const TLV_READERS: ReadonlyMap<number, TlvReader> = new Map<number, TlvReader>([
  [
    HelloTlvType.nodeName,
    (value, draft) => {
      if (draft.nodeName !== undefined) return "node name TLV twice";
      if (value.length === 0 || value.length > MAX_NODE_NAME_BYTES) {
        return `node name of ${value.length} bytes, want 1..${MAX_NODE_NAME_BYTES}`;
      }
      if (!isUtf8(value)) return "node name is not UTF-8";
      // Only ever shown in logs and labels: made printable here, once, for every use.
      draft.nodeName = printable(value.toString("utf8"));
      return null;
    },
  ],
  [
    HelloTlvType.radioMacs,
    (value, draft) => {
      if (draft.radioMacs !== undefined) return "radio MAC TLV twice";
      if (value.length % MAC_LENGTH !== 0)
        return `radio MAC TLV of ${value.length} bytes is not a multiple of 6`;
      const macs: MacAddress[] = [];
      for (let at = 0; at < value.length; at += MAC_LENGTH) macs.push(readMac(value, at));
      draft.radioMacs = macs;
      return null;
    },
  ],
  [
    HelloTlvType.heardSession,
    (value, draft) => {
      if (draft.heardSession !== undefined) return "heard-session TLV twice";
      if (value.length !== HEARD_SESSION_TLV_LENGTH)
        return `heard-session TLV of ${value.length} bytes, want ${HEARD_SESSION_TLV_LENGTH}`;
      draft.heardSession = { nodeId: value.readUInt32BE(0), sessionId: value.readBigUInt64BE(4) };
      return null;
    },
  ],
]);

/** Decodes a whole HELLO body (exactly the body bytes). Never throws. */
export function decodeHello(body: Buffer): Result<Hello, HelloReject> {
  if (body.length < HELLO_FIXED_LENGTH) {
    return reject("truncated", `HELLO body of ${body.length} bytes, the fixed part is ${HELLO_FIXED_LENGTH}`);
  }
  const keepaliveIntervalMs = body.readUInt16BE(HelloOffset.keepaliveIntervalMs);
  if (keepaliveIntervalMs === 0) return reject("bad-field", "keepalive interval 0 ms");

  const draft: HelloDraft = {};
  let cursor = HelloOffset.tlvs;
  while (cursor < body.length) {
    if (cursor + HELLO_TLV_HEADER_LENGTH > body.length) {
      return reject("truncated", `TLV header at offset ${cursor} runs past the ${body.length}-byte body`);
    }
    const type = body[cursor];
    const valueLength = body.readUInt16BE(cursor + 1);
    const valueStart = cursor + HELLO_TLV_HEADER_LENGTH;
    if (valueStart + valueLength > body.length) {
      return reject(
        "truncated",
        `TLV ${type} of ${valueLength} bytes runs past the ${body.length}-byte body`,
      );
    }
    // Unknown TLVs are skipped: that is how a later version adds facts without breaking v1 peers.
    const readTlv = TLV_READERS.get(type);
    if (readTlv !== undefined) {
      const problem = readTlv(body.subarray(valueStart, valueStart + valueLength), draft);
      if (problem !== null) return reject("bad-field", problem);
    }
    cursor = valueStart + valueLength;
  }

  return ok({
    keepaliveIntervalMs,
    capabilities: body.readUInt32BE(HelloOffset.capabilities),
    // Other HELLO flag bits are hints a later version may add: ignoring them is safe.
    replyRequested: (body[HelloOffset.flags] & HelloFlags.replyRequested) !== 0,
    nodeName: draft.nodeName ?? "",
    radioMacs: draft.radioMacs ?? [],
    ...(draft.heardSession ? { heardSession: draft.heardSession } : {}),
  });
}
