// The tunnel's UDP socket, via node:dgram: the only module that touches it. One socket both
// sends to every peer and receives from them, so peers behind the same address pair just work.

import { createSocket, type Socket } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { isIP, isIPv6 } from "node:net";

export interface UdpEndpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * "10.0.0.2:8211", "[fd00::2]:8211". It keys the transports' per-peer queues, so it runs for every
 * datagram sent: a colon tells the literals apart (peers are resolved at start-up) where isIPv6's
 * regular expression was 1.3% of a station agent's busy time during iperf3 (2026-12-04 profile).
 */
export function formatEndpoint(endpoint: UdpEndpoint): string {
  return endpoint.address.includes(":")
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}

export interface DatagramTransport {
  send(datagram: Buffer, to: UdpEndpoint): void;
  close(): Promise<void>;
}

/**
 * dgram resolves the address of every send, even a literal: dns.lookup, then the send itself on the
 * next tick. Peers are resolved once at start-up, so a literal is handed back at once and the
 * datagram leaves in the same call. In a TCG guest's profile during iperf3 (2026-12-03), the
 * lookup and its tick were 7% of the agent thread's busy time.
 */
function literalLookup(
  address: string,
  // dgram passes the socket's family (4 or 6) here, which dns.lookup takes as well.
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  let literal = literalFamilies.get(address);
  if (literal === undefined) {
    literal = isIP(address);
    if (literal === 0) {
      dnsLookup(address, options, callback);
      return;
    }
    // A handful of peers; a bound in case addresses churn (roaming peers).
    if (literalFamilies.size >= MAX_LITERALS) literalFamilies.clear();
    literalFamilies.set(address, literal);
  }
  callback(null, address, literal);
}

/** isIP's answers for the addresses sent to: its regular expressions ran for every datagram. */
const literalFamilies = new Map<string, number>();
const MAX_LITERALS = 256;

/**
 * Socket buffers sized for bursts of full-size frames (an iperf3 run fills the default quickly);
 * the kernel caps them at net.core.rmem_max / wmem_max (src/os/system/socket-buffers.ts).
 */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** The buffers the kernel granted, as getsockopt reports them (Linux doubles what it grants). */
export interface SocketBuffers {
  readonly receive: number;
  readonly send: number;
}

export class TunnelSocket implements DatagramTransport {
  private constructor(
    private readonly socket: Socket,
    readonly local: UdpEndpoint,
    private readonly onSendError: (error: Error, to: UdpEndpoint) => void,
    readonly buffers: SocketBuffers,
  ) {}

  static bind(
    listen: UdpEndpoint,
    onDatagram: (datagram: Buffer, from: UdpEndpoint) => void,
    onSendError: (error: Error, to: UdpEndpoint) => void,
  ): Promise<TunnelSocket> {
    const socket = createSocket({
      type: isIPv6(listen.address) ? "udp6" : "udp4",
      reuseAddr: false,
      lookup: literalLookup,
    });
    return new Promise((resolve, reject) => {
      socket.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          new Error(
            error.code === "EADDRINUSE"
              ? `UDP ${formatEndpoint(listen)} is already in use: stop the other agent or pick another --listen port`
              : `cannot listen on UDP ${formatEndpoint(listen)}: ${error.message}`,
          ),
        );
      });
      socket.bind(listen.port, listen.address, () => {
        socket.removeAllListeners("error");
        try {
          socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
          socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
        } catch {
          // Capped by net.core.rmem_max; the default still works, only bursts suffer.
        }
        const bound = socket.address();
        // What the socket really got, not what /proc/sys says: a sandboxed unit cannot read
        // /proc/sys, and its ExecStartPre may have raised the caps already.
        const buffers = { receive: socket.getRecvBufferSize(), send: socket.getSendBufferSize() };
        const tunnel = new TunnelSocket(
          socket,
          { address: bound.address, port: bound.port },
          onSendError,
          buffers,
        );
        socket.on("message", (datagram, rinfo) =>
          onDatagram(datagram, { address: rinfo.address, port: rinfo.port }),
        );
        socket.on("error", (error) => onSendError(error, tunnel.local));
        resolve(tunnel);
      });
    });
  }

  send(datagram: Buffer, to: UdpEndpoint): void {
    this.socket.send(datagram, to.port, to.address, (error) => {
      if (error) this.onSendError(error, to);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
