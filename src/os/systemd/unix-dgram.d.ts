// Types for the parts of the untyped unix-dgram@2.0.7 package that wifi-tunnel uses.
declare module "unix-dgram" {
  import type { EventEmitter } from "node:events";

  export interface UnixDgramSocket extends EventEmitter {
    /** Sends one datagram to the socket at `path`; errors arrive as "error" events. */
    send(buf: Buffer, offset: number, length: number, path: string, callback?: (error?: Error) => void): void;
    /** Binds a receiving socket at `path` (tests stand in for systemd with it). */
    bind(path: string): void;
    close(): void;
    on(event: "error", listener: (error: NodeJS.ErrnoException) => void): this;
    on(event: "message", listener: (message: Buffer) => void): this;
  }

  export function createSocket(type: "unix_dgram"): UnixDgramSocket;
}
