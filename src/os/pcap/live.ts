// libpcap on a live interface, through the pcap package: the only module that touches it.
// Capture copies every packet out of pcap's reused buffer; injection takes a radiotap packet.

import pcap, { type PcapSession } from "pcap";

/** Where captured packets and injected packets go: a live interface here, a capture file in tests. */
export interface PacketSource {
  /** Start delivering packets (radiotap + 802.11) with their capture time in nanoseconds. */
  start(onPacket: (packet: Buffer, timestampNs: bigint) => void): void;
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

/** Where libpcap's warnings go (e.g. "no IPv4 address assigned" on monitor interfaces: noise here). */
export function routeLibpcapWarnings(handler: (text: string) => void): void {
  (pcap as unknown as { warningHandler: (text: string) => void }).warningHandler = handler;
}

export class LiveCapture implements PacketSource {
  private session: PcapSession | null = null;

  constructor(private readonly options: LiveCaptureOptions) {}

  start(onPacket: (packet: Buffer, timestampNs: bigint) => void): void {
    // buffer_timeout 0 = immediate mode: a frame must not wait for a buffer to fill, handshakes are timed.
    const session = pcap.createSession(this.options.iface, {
      filter: this.options.filter,
      snap_length: this.options.snapLength ?? DEFAULT_SNAP_LENGTH,
      buffer_timeout: 0,
      promiscuous: false,
    });
    session.on("packet", ({ buf, header }) => {
      const seconds = header.readUInt32LE(0);
      const micros = header.readUInt32LE(4);
      const captured = header.readUInt32LE(8);
      onPacket(
        Buffer.from(buf.subarray(0, captured)),
        BigInt(seconds) * 1_000_000_000n + BigInt(micros) * 1000n,
      );
    });
    this.session = session;
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
    this.session = pcap.createSession(iface, { filter: CAPTURE_NOTHING, snap_length: 64, buffer_timeout: 0 });
  }

  inject(packet: Buffer): void {
    this.session.inject(packet);
  }

  close(): void {
    this.session.close();
  }
}
