// The outbound walk of a frame: a local radio transmitted it (capture) → is it worth sending
// (classify) → seal it once → send the same datagram to every peer, and hand it to the other
// local media (an airport hub and hwsim radios in one agent share the air too).

import { parseFrame } from "../ieee80211/frame.js";
import type { Logger } from "../log.js";
import { Counters } from "../medium/counters.js";
import { type AirFrame, type LocalMedium, MAX_AIR_FRAME_BYTES } from "../medium/medium.js";
import type { DatagramTransport } from "../os/udp/tunnel-socket.js";
import type { Result } from "../result.js";
import type { SendRefusal } from "../tunnel/sender.js";
import type { FrameTap } from "./frame-tap.js";
import type { PeerTable } from "./peer.js";

export const SEND_COUNTERS = [
  "frames-in",
  "sent",
  "dropped-malformed",
  "dropped-control",
  "dropped-oversize",
  "dropped-no-peer",
] as const;
export type SendCounter = (typeof SEND_COUNTERS)[number];

/** The sending half of the tunnel (TunnelSender): numbers and, with a key, seals each datagram. */
export interface FrameSealer {
  frame(air: AirFrame): Result<Buffer, SendRefusal>;
}

export class SendPath {
  readonly counters = new Counters<SendCounter>(SEND_COUNTERS);
  /** Told the fate of every captured frame (status, capture); null costs nothing. */
  tap: FrameTap | null = null;

  constructor(
    private readonly peers: PeerTable,
    private readonly sealer: FrameSealer,
    private readonly transport: DatagramTransport,
    private readonly media: readonly LocalMedium[],
    private readonly log: Logger,
  ) {}

  /** A local medium reports a transmission. */
  transmit(air: AirFrame, from: LocalMedium): void {
    this.counters.add("frames-in");
    const view = parseFrame(air.frame);
    if (!view.ok) {
      this.counters.add("dropped-malformed");
      this.tap?.("out", air, "dropped-malformed", from.name);
      this.log.limited(
        "warn",
        "send-malformed",
        `${from.name}: not sending an unreadable frame: ${view.error.detail}`,
      );
      return;
    }
    // Control frames (ACK, RTS, CTS, BlockAck) belong to one radio's exchange; the receiving kernel
    // makes its own. Forwarding them would only confuse both sides.
    if (view.value.type === "control") {
      this.counters.add("dropped-control");
      this.tap?.("out", air, "dropped-control", from.name);
      return;
    }
    if (air.frame.length > MAX_AIR_FRAME_BYTES) {
      this.counters.add("dropped-oversize");
      this.tap?.("out", air, "dropped-oversize", from.name);
      this.log.limited(
        "warn",
        "send-oversize",
        `${from.name}: a ${air.frame.length}-byte frame exceeds the tunnel's ${MAX_AIR_FRAME_BYTES}`,
      );
      return;
    }
    for (const medium of this.media) if (medium !== from) medium.deliver(air);
    if (this.peers.size === 0) {
      this.counters.add("dropped-no-peer");
      this.tap?.("out", air, "dropped-no-peer", from.name);
      return;
    }
    const datagram = this.sealer.frame(air);
    if (!datagram.ok) {
      const drop = datagram.error.reason === "oversize" ? "dropped-oversize" : "dropped-malformed";
      this.counters.add(drop);
      this.tap?.("out", air, drop, from.name);
      this.log.limited("warn", "send-refused", `${from.name}: frame not sent: ${datagram.error.detail}`);
      return;
    }
    for (const peer of this.peers.all()) {
      this.transport.send(datagram.value, peer.endpoint);
      peer.counters.add("datagrams-sent");
    }
    this.counters.add("sent");
    this.tap?.("out", air, "sent", from.name);
  }
}
