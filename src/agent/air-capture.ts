// The agent's capture of the air (--capture FILE, `wifi-tunnel capture`): every frame it handles, as
// radiotap pcapng. A frame a local radio transmitted goes out (epb_flags outbound) and was sent or
// dropped; one from the tunnel comes in (inbound) and was delivered or dropped; the packet's comment
// says where it came from and what became of it ("hwsim0: sent", "bravo (10.0.0.2:8211):
// dropped-wrong-channel"). Sinks are the rotating file and the attached control clients; each gets
// the pcapng header first. A sink that does not keep up loses packets, counted, and never holds the
// agent back: file writes and clients are bounded by the bytes they may have queued.

import { LINKTYPE_IEEE802_11_RADIOTAP } from "../capture-file/link-type.js";
import {
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeSectionHeader,
  PacketDirection,
} from "../capture-file/pcapng-writer.js";
import { Counters } from "../medium/counters.js";
import { type AirFrame, AirFrameFlags, MAX_AIR_FRAME_BYTES } from "../medium/medium.js";
import { RadiotapChannelFlags, RadiotapFlags } from "../radiotap/constants.js";
import { encodeRadiotap } from "../radiotap/radiotap.js";

export const CAPTURE_COUNTERS = ["packets", "client-drops", "file-drops"] as const;
export type CaptureCounter = (typeof CAPTURE_COUNTERS)[number];

/** Most bytes a live client may have waiting before its packets are dropped (about 400 full frames). */
export const CLIENT_QUEUE_LIMIT_BYTES = 1024 * 1024;

/** Where captured packets go: a file, a control client. */
export interface CaptureSink {
  /** Takes one pcapng block; false if it could not (full, gone): the packet is lost for this sink. */
  write(block: Buffer): boolean;
}

/** The pcapng section every sink starts with: one interface of radiotap frames. */
export function captureHeader(): Buffer {
  return Buffer.concat([
    encodeSectionHeader(),
    encodeInterfaceDescription(LINKTYPE_IEEE802_11_RADIOTAP, MAX_AIR_FRAME_BYTES + 64, "wifi-tunnel"),
  ]);
}

/** Radiotap as a receiver would see the frame: flags, rate, channel, signal. */
export function radiotapFor(air: AirFrame): Buffer {
  const band = air.freqMhz >= 5000 ? RadiotapChannelFlags.band5Ghz : RadiotapChannelFlags.band2Ghz;
  return encodeRadiotap({
    flags: air.flags & AirFrameFlags.shortPreamble ? RadiotapFlags.shortPreamble : 0,
    ...(air.rate500kbps > 0 ? { rate500kbps: air.rate500kbps } : {}),
    channel: { freqMhz: air.freqMhz, flags: band },
    dbmSignal: air.signalDbm,
  });
}

export class AirCapture {
  readonly counters = new Counters<CaptureCounter>(CAPTURE_COUNTERS);
  private readonly clients = new Map<CaptureSink, { dropped: number }>();
  private file: CaptureSink | null = null;
  private readonly epochNs: bigint;
  private readonly startHr: bigint;

  constructor(now: () => number = Date.now) {
    this.epochNs = BigInt(now()) * 1_000_000n;
    this.startHr = process.hrtime.bigint();
  }

  get active(): boolean {
    return this.file !== null || this.clients.size > 0;
  }

  setFile(sink: CaptureSink | null): void {
    this.file = sink;
  }

  /** A client attached: it gets the header now and every packet from here on. */
  attach(sink: CaptureSink): void {
    sink.write(captureHeader());
    this.clients.set(sink, { dropped: 0 });
  }

  /** Packets this client lost since it attached; forgets it. */
  detach(sink: CaptureSink): number {
    const dropped = this.clients.get(sink)?.dropped ?? 0;
    this.clients.delete(sink);
    return dropped;
  }

  /** The agent's frame tap (frame-tap.ts). */
  frame(direction: "out" | "in", air: AirFrame, fate: string, via: string): void {
    if (!this.active) return;
    const block = encodeEnhancedPacket({
      interfaceId: 0,
      timestampNs: this.epochNs + (process.hrtime.bigint() - this.startHr),
      data: Buffer.concat([radiotapFor(air), air.frame]),
      direction: direction === "out" ? PacketDirection.outbound : PacketDirection.inbound,
      comment: `${via}: ${fate}`,
    });
    this.counters.add("packets");
    if (this.file !== null && !this.file.write(block)) this.counters.add("file-drops");
    for (const [client, state] of this.clients) {
      if (client.write(block)) continue;
      state.dropped++;
      this.counters.add("client-drops");
    }
  }
}
