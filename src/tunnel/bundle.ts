// BUNDLE (bundle extension, docs/protocol.md): whole datagrams, each still numbered and sealed on
// its own, packed into one UDP datagram when several leave for the same peer in one turn of the
// event loop. The receiver unpacks and walks each inner datagram as if it had come alone, so replay,
// sealing and every count stay per datagram; the bundle only saves the per-datagram system calls,
// IP packets and wakeups on both guests (the larger part of a frame's cost in a TCG guest).

import { ok, type Result, reject } from "../result.js";
import {
  BUNDLE_ENTRY_HEADER_LENGTH,
  BUNDLE_HEADER_LENGTH,
  BUNDLE_TYPE,
  HEADER_LENGTH,
  HeaderOffset,
  MAGIC,
  MAX_BUNDLE_LENGTH,
  MAX_DATAGRAM_LENGTH,
  PROTOCOL_VERSION,
  type TunnelReject,
} from "./constants.js";

export type BundleReject = Extract<TunnelReject, "truncated" | "oversize" | "bad-field">;

/** Whether `datagram` claims to be a bundle (magic, version and type); decodeBundle judges the rest. */
export function isBundle(datagram: Buffer): boolean {
  return (
    datagram.length >= BUNDLE_HEADER_LENGTH &&
    datagram[HeaderOffset.type] === BUNDLE_TYPE &&
    datagram.readUInt16BE(HeaderOffset.magic) === MAGIC &&
    datagram[HeaderOffset.version] === PROTOCOL_VERSION
  );
}

/** What one more datagram adds to a bundle. */
export function bundleEntryLength(datagram: Buffer): number {
  return BUNDLE_ENTRY_HEADER_LENGTH + datagram.length;
}

export function bundleEncodingLength(datagrams: readonly Buffer[]): number {
  let length = BUNDLE_HEADER_LENGTH;
  for (const datagram of datagrams) length += bundleEntryLength(datagram);
  return length;
}

/** Packs datagrams into one bundle; throws RangeError on what decodeBundle would refuse. */
export function encodeBundle(datagrams: readonly Buffer[]): Buffer {
  if (datagrams.length === 0) throw new RangeError("a bundle holds at least one datagram");
  const length = bundleEncodingLength(datagrams);
  if (length > MAX_BUNDLE_LENGTH)
    throw new RangeError(`a ${length}-byte bundle exceeds ${MAX_BUNDLE_LENGTH}`);
  const bundle = Buffer.allocUnsafe(length);
  bundle.writeUInt16BE(MAGIC, HeaderOffset.magic);
  bundle[HeaderOffset.version] = PROTOCOL_VERSION;
  bundle[HeaderOffset.type] = BUNDLE_TYPE;
  bundle[HeaderOffset.flags] = 0;
  let offset = BUNDLE_HEADER_LENGTH;
  for (const datagram of datagrams) {
    if (datagram.length < HEADER_LENGTH || datagram.length > MAX_DATAGRAM_LENGTH)
      throw new RangeError(`a ${datagram.length}-byte datagram cannot travel in a bundle`);
    if (datagram[HeaderOffset.type] === BUNDLE_TYPE) throw new RangeError("a bundle inside a bundle");
    bundle.writeUInt16BE(datagram.length, offset);
    datagram.copy(bundle, offset + BUNDLE_ENTRY_HEADER_LENGTH);
    offset += bundleEntryLength(datagram);
  }
  return bundle;
}

/**
 * The inner datagrams, as views into `bundle`. The whole bundle is refused if its framing is wrong
 * anywhere (an entry running past the end, one too short or too long to be a datagram, a bundle
 * inside it, flags set): a sender that frames one entry wrong cannot be trusted with the others.
 * Each inner datagram is then judged on its own by the receiver. Never throws.
 */
export function decodeBundle(bundle: Buffer): Result<Buffer[], BundleReject> {
  if (bundle.length > MAX_BUNDLE_LENGTH)
    return reject("oversize", `${bundle.length}-byte bundle, at most ${MAX_BUNDLE_LENGTH}`);
  if (bundle[HeaderOffset.flags] !== 0)
    return reject("bad-field", `bundle flags 0x${bundle[HeaderOffset.flags].toString(16)}, must be 0`);
  const inner: Buffer[] = [];
  let offset = BUNDLE_HEADER_LENGTH;
  while (offset < bundle.length) {
    if (offset + BUNDLE_ENTRY_HEADER_LENGTH > bundle.length)
      return reject("truncated", `bundle entry ${inner.length + 1} has no length`);
    const length = bundle.readUInt16BE(offset);
    const start = offset + BUNDLE_ENTRY_HEADER_LENGTH;
    if (length < HEADER_LENGTH || length > MAX_DATAGRAM_LENGTH)
      return reject("bad-field", `bundle entry ${inner.length + 1} is ${length} bytes, not a datagram`);
    if (start + length > bundle.length)
      return reject(
        "truncated",
        `bundle entry ${inner.length + 1} runs ${start + length - bundle.length} bytes past the end`,
      );
    if (bundle[start + HeaderOffset.type] === BUNDLE_TYPE)
      return reject("bad-field", `bundle entry ${inner.length + 1} is a bundle itself`);
    inner.push(bundle.subarray(start, start + length));
    offset = start + length;
  }
  if (inner.length === 0) return reject("truncated", "a bundle with no datagram");
  return ok(inner);
}
