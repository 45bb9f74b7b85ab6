// libpcap on a live interface, through the pcap package: the only module that touches it.
// Capture copies every packet out of pcap's reused buffer; injection takes a radiotap packet.

import pcap, { type PcapSession } from "pcap";

/** Where captured packets and injected packets go: a live interface here, a capture file in tests. */
export interface PacketSource {
  /** Start delivering packets (radiotap + 802.11) with their capture time in nanoseconds. */
  start(onPacket: (packet: Buffer, timestampNs: bigint) => void): void;
  /** Replace the BPF filter without losing or repeating a packet (sources without one ignore it). */
  setFilter?(filter: string): void;
  close(): void;
}

export interface PacketSink {
  /** Transmit one radiotap packet; throws with the OS reason when the kernel refuses it. */
  inject(packet: Buffer): void;
  close(): void;
}

export interface LiveCaptureOptions {
  readonly iface: string;
  /** BPF program text; only matching packets cross into JavaScript. */
  readonly filter: string;
  readonly snapLength?: number;
}

const DEFAULT_SNAP_LENGTH = 4096;
/**
 * Kernel ring sizes. The binding's default is 10 MiB per session, which the kernel allocates and
 * zeroes at open: in a TCG guest that is time the event loop stands still, at start, for every
 * injecting radio, and at every capture filter swap. 2 MiB still holds over 800 full-size frames
 * (more than the capture queue lets wait, see capture-queue.ts); an injection handle captures
 * nothing and needs next to none.
 */
const CAPTURE_BUFFER_BYTES = 2 * 1024 * 1024;
const INJECTION_BUFFER_BYTES = 128 * 1024;

/** Where libpcap's warnings go (e.g. "no IPv4 address assigned" on monitor interfaces: noise here). */
export function routeLibpcapWarnings(handler: (text: string) => void): void {
  (pcap as unknown as { warningHandler: (text: string) => void }).warningHandler = handler;
}

/**
 * After a filter swap, packets of the new session that equal one of the old session's last
 * RECENT_PACKETS are the same packet seen twice (both sessions were open for a moment), as long as
 * they come within SWAP_OVERLAP_MS; 802.11 frames carry sequence numbers, so two genuine
 * transmissions are never byte-identical that close together.
 */
const RECENT_PACKETS = 64;
const SWAP_OVERLAP_MS = 200;

export class LiveCapture implements PacketSource {
  private session: PcapSession | null = null;
  private onPacket: ((packet: Buffer, timestampNs: bigint) => void) | null = null;
  private readonly recent: Buffer[] = [];
  private recentNext = 0;
  private swappedAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LiveCaptureOptions) {}

  start(onPacket: (packet: Buffer, timestampNs: bigint) => void): void {
    this.onPacket = onPacket;
    this.session = this.open(this.options.filter, false);
  }

  /**
   * libpcap cannot change a live session's filter through this binding, so a new session opens with
   * the new filter, the old one is drained (every packet it buffered is delivered) and closed, and
   * whatever both saw in the overlap is delivered once.
   */
  setFilter(filter: string): void {
    const old = this.session;
    if (old === null) return;
    const next = this.open(filter, true);
    old.session.dispatch(old.buf, old.header);
    old.close();
    this.session = next;
    this.swappedAtMs = Date.now();
  }

  private open(filter: string, afterSwap: boolean): PcapSession {
    // buffer_timeout 0 = immediate mode: a frame must not wait for a buffer to fill, handshakes are timed.
    const session = pcap.createSession(this.options.iface, {
      filter,
      buffer_size: CAPTURE_BUFFER_BYTES,
      snap_length: this.options.snapLength ?? DEFAULT_SNAP_LENGTH,
      buffer_timeout: 0,
      promiscuous: false,
    });
    session.on("packet", ({ buf, header }) => {
      const captured = header.readUInt32LE(8);
      const view = buf.subarray(0, captured);
      if (afterSwap && Date.now() - this.swappedAtMs < SWAP_OVERLAP_MS && this.seenBeforeSwap(view)) return;
      const packet = Buffer.from(view);
      this.recent[this.recentNext] = packet;
      this.recentNext = (this.recentNext + 1) % RECENT_PACKETS;
      const seconds = header.readUInt32LE(0);
      const micros = header.readUInt32LE(4);
      this.onPacket?.(packet, BigInt(seconds) * 1_000_000_000n + BigInt(micros) * 1000n);
    });
    return session;
  }

  private seenBeforeSwap(packet: Buffer): boolean {
    return this.recent.some((seen) => seen.equals(packet));
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }
}

/** BPF that admits nothing: an injection handle should not pay for capturing the channel. */
const CAPTURE_NOTHING = "less 1";

export class LiveInjector implements PacketSink {
  private readonly session: PcapSession;

  constructor(iface: string) {
    this.session = pcap.createSession(iface, {
      filter: CAPTURE_NOTHING,
      buffer_size: INJECTION_BUFFER_BYTES,
      snap_length: 64,
      buffer_timeout: 0,
    });
  }

  inject(packet: Buffer): void {
    this.session.inject(packet);
  }

  close(): void {
    this.session.close();
  }
}
