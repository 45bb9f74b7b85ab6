// The inbound walk of a datagram: it arrives (receive) → from a configured peer? → authentic, new,
// well-formed (open) → HELLOs update the peer, frames pass the peer's link (lost, or given its
// signal: link-model.ts) and go to every local medium (steer) → each medium injects it into its own
// air or says why not (inject).

import { readAddress2 } from "../ieee80211/frame.js";
import { formatMac } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { Counters } from "../medium/counters.js";
import { AirFrameFlags, type DeliverDrop, type LocalMedium } from "../medium/medium.js";
import { formatEndpoint, type UdpEndpoint } from "../os/udp/tunnel-socket.js";
import type { Result } from "../result.js";
import { decodeBundle, isBundle } from "../tunnel/bundle.js";
import type { TunnelReject } from "../tunnel/constants.js";
import type { TunnelMessage } from "../tunnel/message.js";
import type { ReceivedMessage } from "../tunnel/receiver.js";
import type { FrameTap } from "./frame-tap.js";
import type { LinkModel } from "./link-model.js";
import type { Peer, PeerCounter, PeerTable } from "./peer.js";

export const RECEIVE_COUNTERS = [
  "bundles-in",
  "datagrams-in",
  "dropped-unknown-peer",
  "dropped-own",
  "dropped-malformed",
  "dropped-auth-failure",
  "dropped-replay",
  "frames-in",
  "delivered",
  "dropped-wrong-channel",
  "dropped-unused",
  "dropped-own-frame",
  "dropped-too-short",
  "dropped-too-long",
  "dropped-inject-error",
  "dropped-not-ready",
  "dropped-link-loss",
] as const;
export type ReceiveCounter = (typeof RECEIVE_COUNTERS)[number];

/** The receiving half of the tunnel (TunnelReceiver): authenticates, de-duplicates, decodes. */
export interface DatagramOpener {
  open(datagram: Buffer): Result<ReceivedMessage, TunnelReject>;
}

/** What the agent is told about, beyond frames to steer. */
export interface ReceiveEvents {
  /** This agent's node id: datagrams carrying it are our own, come back (a --peer that is us). */
  readonly ownNodeId: number;
  readonly hello: (peer: Peer, message: Extract<TunnelMessage, { type: "hello" }>) => void;
  /**
   * The first datagram of a sender session not seen before (the peer started or restarted), unless
   * it is a HELLO asking for a reply anyway: the agent answers with a HELLO of its own.
   */
  readonly newSession: (peer: Peer) => void;
  /** With a key: a configured peer may move to another endpoint on an authenticated datagram. */
  readonly roaming?: boolean;
}

const REJECT_COUNTERS: Record<TunnelReject, { agent: ReceiveCounter; peer: PeerCounter }> = {
  truncated: { agent: "dropped-malformed", peer: "malformed" },
  "bad-magic": { agent: "dropped-malformed", peer: "malformed" },
  "bad-version": { agent: "dropped-malformed", peer: "malformed" },
  "unknown-type": { agent: "dropped-malformed", peer: "malformed" },
  oversize: { agent: "dropped-malformed", peer: "malformed" },
  "bad-field": { agent: "dropped-malformed", peer: "malformed" },
  unauthenticated: { agent: "dropped-auth-failure", peer: "auth-failure" },
  "not-sealed": { agent: "dropped-auth-failure", peer: "auth-failure" },
  "sealed-but-no-key": { agent: "dropped-auth-failure", peer: "auth-failure" },
  replayed: { agent: "dropped-replay", peer: "replay" },
  "too-old": { agent: "dropped-replay", peer: "replay" },
  // A datagram of a peer's previous run, arriving after its restart: late, not an attack.
  "stale-session": { agent: "dropped-replay", peer: "replay" },
  // Frames of a session no HELLO started, unsealed jumps past the window, HELLO checks over budget.
  "unknown-session": { agent: "dropped-auth-failure", peer: "auth-failure" },
  "too-far-ahead": { agent: "dropped-replay", peer: "replay" },
  busy: { agent: "dropped-auth-failure", peer: "auth-failure" },
};

const DELIVER_COUNTERS: Record<DeliverDrop, ReceiveCounter> = {
  "wrong-channel": "dropped-wrong-channel",
  unused: "dropped-unused",
  "own-frame": "dropped-own-frame",
  "too-short": "dropped-too-short",
  "too-long": "dropped-too-long",
  "inject-error": "dropped-inject-error",
  "not-ready": "dropped-not-ready",
};

/** The counters of frames no medium took: frames-in = delivered + these. */
export const RECEIVE_DELIVERY_DROPS: ReadonlySet<ReceiveCounter> = new Set([
  ...Object.values(DELIVER_COUNTERS),
  "dropped-link-loss",
]);

export class ReceivePath {
  readonly counters = new Counters<ReceiveCounter>(RECEIVE_COUNTERS);
  /** Told the fate of every frame from the tunnel (status, capture); null costs nothing. */
  tap: FrameTap | null = null;

  constructor(
    private readonly peers: PeerTable,
    private readonly opener: DatagramOpener,
    private readonly media: readonly LocalMedium[],
    private readonly events: ReceiveEvents,
    private readonly log: Logger,
    private readonly links: LinkModel<Peer>,
  ) {}

  /** A UDP datagram: one tunnel datagram, or a BUNDLE of them (bundle extension). */
  receive(datagram: Buffer, from: UdpEndpoint): void {
    if (!isBundle(datagram)) {
      this.receiveOne(datagram, from);
      return;
    }
    this.counters.add("bundles-in");
    const inner = decodeBundle(datagram);
    if (inner.ok) {
      // Each inner datagram walks alone: its own peer check, opening, replay window and counts.
      for (const one of inner.value) this.receiveOne(one, from);
      return;
    }
    // Counted as one datagram refused, by the same table as any other refusal.
    const counters = REJECT_COUNTERS[inner.error.reason];
    this.counters.add("datagrams-in");
    this.counters.add(counters.agent);
    this.peers.find(from)?.counters.add(counters.peer);
    this.log.limited(
      "warn",
      "reject",
      `dropping a bundle from ${formatEndpoint(from)}: ${inner.error.reason}: ${inner.error.detail}`,
    );
  }

  private receiveOne(datagram: Buffer, from: UdpEndpoint): void {
    this.counters.add("datagrams-in");
    let peer = this.peers.find(from);
    let opened: Result<ReceivedMessage, TunnelReject> | undefined;
    if (!peer) {
      // WireGuard's roaming rule, with a key only: a peer moves on a datagram that authenticates as
      // its current session, never on anything less.
      const roamed = this.events.roaming ? this.peers.roam(datagram, from, this.opener) : null;
      if (roamed === null) {
        this.counters.add("dropped-unknown-peer");
        this.log.limited(
          "warn",
          "unknown-peer",
          `ignoring a datagram from ${formatEndpoint(from)}: not a configured --peer`,
        );
        return;
      }
      ({ peer, opened } = roamed);
      this.log.limited("info", "peer-moved", `peer ${peer.label} moved to ${formatEndpoint(from)}`);
    }
    peer.counters.add("datagrams-received");
    peer.counters.add("bytes-received", datagram.length);
    opened ??= this.opener.open(datagram);
    if (!opened.ok) {
      const counters = REJECT_COUNTERS[opened.error.reason];
      this.counters.add(counters.agent);
      peer.counters.add(counters.peer);
      this.log.limited(
        "warn",
        // One key for every reason: a campaign mixing them would otherwise get 6 lines a minute per
        // reason (12 kinds of line made 113 lines in a 1M-datagram run that took two minutes).
        "reject",
        `dropping a datagram from ${peer.label}: ${opened.error.reason}: ${opened.error.detail}`,
      );
      return;
    }
    const { message, arrival } = opened.value;
    if (message.origin.nodeId === this.events.ownNodeId) {
      this.counters.add("dropped-own");
      this.log.limited(
        "warn",
        "own-datagram",
        `ignoring a datagram from ${peer.label} that carries this agent's own node id: that --peer is this agent itself`,
      );
      return;
    }
    if (arrival === "reordered") peer.counters.add("reordered");
    const asksForReply = message.type === "hello" && message.hello.replyRequested;
    if (arrival === "new-session" && !asksForReply) this.events.newSession(peer);
    if (message.type === "hello") {
      peer.counters.add("hellos-received");
      this.events.hello(peer, message);
      return;
    }
    peer.counters.add("frames-received");
    this.counters.add("frames-in");
    this.steer(message.air, peer);
  }

  /**
   * The peer's link first: a lost frame reaches no medium (counted: the sending kernel had its ACK
   * already, README "Signal and loss"); a kept one carries the link's signal, if one is set. Then
   * every local medium gets the frame; each decides whether its radios can hear it.
   */
  private steer(sent: Extract<TunnelMessage, { type: "frame" }>["air"], peer: Peer): void {
    // A frame whose fate the sending agent decided try by try (AirFrameFlags.lossApplied) is not lost twice.
    if ((sent.flags & AirFrameFlags.lossApplied) === 0 && this.links.lose(peer)) {
      this.counters.add("dropped-link-loss");
      peer.counters.add("link-loss");
      this.tap?.("in", sent, "dropped-link-loss", peer.label);
      return;
    }
    const signalDbm = this.links.signalFor(peer, sent.signalDbm);
    const air = signalDbm === sent.signalDbm ? sent : { ...sent, signalDbm };
    let delivered = false;
    let lastDrop: DeliverDrop | null = null;
    for (const medium of this.media) {
      const outcome = medium.deliver(air);
      if (outcome.delivered) delivered = true;
      else lastDrop = outcome.drop;
    }
    if (delivered) {
      this.counters.add("delivered");
      this.tap?.("in", air, "delivered", peer.label);
    } else if (lastDrop !== null) {
      this.counters.add(DELIVER_COUNTERS[lastDrop]);
      this.tap?.("in", air, DELIVER_COUNTERS[lastDrop], peer.label);
      if (lastDrop === "inject-error") {
        const transmitter = readAddress2(air.frame);
        const ta = transmitter === null ? "?" : formatMac(transmitter);
        this.log.limited("warn", "deliver-error", `could not inject a frame from ${ta} (via ${peer.label})`);
      }
    }
  }
}
