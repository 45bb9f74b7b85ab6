// Lets the tunnel socket have the buffers it asks for. The kernel caps SO_RCVBUF and SO_SNDBUF at
// net.core.rmem_max and wmem_max (212992 on Debian), so the agent's 4 MiB request got 416 KiB.
// When the agent's loop is busy, datagrams queue there, and a full buffer drops them: in two TCG
// VMs (iperf3 TCP 20 s, 2026-12-03) the AP's guest dropped 10 of 3206 datagrams (RcvbufErrors in
// /proc/net/snmp, exactly the tunnel's "lost"), and TCP over the tunnel moved 1.75 Mbit/s; with the
// caps raised, nothing was dropped and it moved 4.45. An 802.11 frame lost in the tunnel was
// already acknowledged to its sender's kernel, so nobody retries it but TCP.
//
// Node has no SO_RCVBUFFORCE, so as root the agent raises the caps themselves, never lowers them.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SocketBuffers } from "../udp/tunnel-socket.js";

const LIMITS = ["rmem_max", "wmem_max"] as const;
const CORE = "/proc/sys/net/core";

export interface SocketBufferLimits {
  readonly rmemMax: number;
  readonly wmemMax: number;
}

function readLimit(path: string): number {
  const value = Number(readFileSync(path, "utf8").trim());
  if (!Number.isInteger(value)) throw new Error(`${path} does not hold a number`);
  return value;
}

/** net.core.rmem_max and wmem_max as they are, or null if they cannot be read (doctor's check). */
export function readSocketBufferLimits(dir = CORE): SocketBufferLimits | null {
  try {
    return { rmemMax: readLimit(join(dir, "rmem_max")), wmemMax: readLimit(join(dir, "wmem_max")) };
  } catch {
    return null;
  }
}

export interface RaisedLimit {
  /** The sysctl's name, e.g. net.core.rmem_max. */
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Raises net.core.rmem_max and wmem_max to `bytes` where they are lower: what it raised, and the
 * first failure (a read-only /proc/sys, a container, no root).
 */
export function raiseSocketBufferLimits(
  bytes: number,
  dir = CORE,
): { raised: RaisedLimit[]; failed: string | null } {
  const raised: RaisedLimit[] = [];
  let failed: string | null = null;
  for (const limit of LIMITS) {
    const path = join(dir, limit);
    const name = `net.core.${limit}`;
    try {
      const current = readLimit(path);
      if (current >= bytes) continue;
      writeFileSync(path, `${bytes}\n`);
      raised.push({ name, from: current, to: bytes });
    } catch (error) {
      failed ??= `cannot raise ${name} to ${bytes}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { raised, failed };
}

/** The command that raises both caps to `bytes`, for a message to the operator. */
export const raiseCapsCommand = (bytes: number): string =>
  `sysctl -w net.core.rmem_max=${bytes} net.core.wmem_max=${bytes}`;

/**
 * One sentence saying what to raise if a socket got less than `asked` bytes of buffer, else null.
 * A 4 MiB request capped at Debian's 212992 reads 425984, so anything under `asked` was capped.
 */
export function buffersShort(buffers: SocketBuffers | null, asked: number): string | null {
  if (buffers === null || (buffers.receive >= asked && buffers.send >= asked)) return null;
  return (
    `the tunnel socket got ${buffers.receive}/${buffers.send} bytes of receive/send buffer, less than the ${asked} asked: ` +
    `a full buffer drops datagrams under load; raise the caps as root (${raiseCapsCommand(asked)})`
  );
}
