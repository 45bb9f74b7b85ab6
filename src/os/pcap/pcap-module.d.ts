// Types for the parts of the untyped pcap@3.1.0 package that wifi-tunnel uses.
declare module "pcap" {
  import type { EventEmitter } from "node:events";

  export interface PacketWithHeader {
    /** Reused for every packet: copy what outlives the callback. */
    readonly buf: Buffer;
    /** tv_sec, tv_usec, caplen, len: four host-order uint32. */
    readonly header: Buffer;
    readonly link_type: string;
  }

  export interface SessionOptions {
    filter?: string;
    buffer_size?: number;
    snap_length?: number;
    /** 0 selects immediate mode. */
    buffer_timeout?: number;
    promiscuous?: boolean;
    monitor?: boolean;
  }

  export interface PcapSession extends EventEmitter {
    readonly link_type: string;
    /** The reused packet and header buffers dispatch() fills. */
    readonly buf: Buffer;
    readonly header: Buffer;
    /** The binding: dispatch() hands every packet already buffered to the "packet" listeners. */
    readonly session: { dispatch(buf: Buffer, header: Buffer): number };
    on(event: "packet", listener: (packet: PacketWithHeader) => void): this;
    on(event: "complete", listener: () => void): this;
    inject(data: Buffer): void;
    stats(): { ps_recv: number; ps_drop: number; ps_ifdrop: number };
    close(): void;
  }

  export function createSession(device: string, options?: SessionOptions): PcapSession;
  export function createOfflineSession(path: string, options?: SessionOptions): PcapSession;
  const pcap: { createSession: typeof createSession; createOfflineSession: typeof createOfflineSession };
  export default pcap;
}
