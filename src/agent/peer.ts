// A peer is another agent we exchange datagrams with: configured by address, learnt by HELLO
// (node id, session, name, radio addresses). Its counters say what crossed the tunnel each way.

import { formatMac, type MacAddress } from "../ieee80211/mac.js";
import { Counters } from "../medium/counters.js";
import { formatEndpoint, type UdpEndpoint } from "../os/udp/tunnel-socket.js";
import type { SessionRef } from "../tunnel/hello.js";

export const PEER_COUNTERS = [
  "datagrams-sent",
  "send-error",
  "datagrams-received",
  "frames-received",
  "hellos-received",
  "malformed",
  "auth-failure",
  "replay",
  "reordered",
] as const;
export type PeerCounter = (typeof PEER_COUNTERS)[number];

export interface PeerIdentity {
  readonly nodeId: number;
  readonly sessionId: bigint;
  readonly nodeName: string;
  readonly radioMacs: readonly MacAddress[];
}

export class Peer {
  readonly counters = new Counters<PeerCounter>(PEER_COUNTERS);
  identity: PeerIdentity | null = null;
  /** The session of the last authenticated HELLO, named in ours (handshake extension). */
  heardSession: SessionRef | null = null;
  lastHeardMs: number | null = null;

  constructor(readonly endpoint: UdpEndpoint) {}

  get label(): string {
    const name = this.identity?.nodeName;
    return name ? `${name} (${formatEndpoint(this.endpoint)})` : formatEndpoint(this.endpoint);
  }

  /** Records a HELLO; returns what changed, for the log. */
  learn(identity: PeerIdentity, nowMs: number): "new" | "restarted" | "same" {
    const previous = this.identity;
    this.identity = identity;
    this.lastHeardMs = nowMs;
    if (previous === null) return "new";
    return previous.sessionId === identity.sessionId ? "same" : "restarted";
  }

  isAlive(nowMs: number, timeoutMs: number): boolean {
    return this.lastHeardMs !== null && nowMs - this.lastHeardMs <= timeoutMs;
  }

  describeRadios(): string {
    return this.identity?.radioMacs.map(formatMac).join(", ") || "none";
  }
}

/** Peers by the address their datagrams come from. */
export class PeerTable {
  private readonly peers: Peer[];

  constructor(endpoints: readonly UdpEndpoint[]) {
    this.peers = endpoints.map((endpoint) => new Peer(endpoint));
  }

  /**
   * The peer a datagram came from: its configured address and port, nothing less. (Any process on
   * a peer's address used to pass as that peer: 1,359 frames of a stranger on another port reached
   * the air, issue 12.) An agent sends from the port it listens on, so a genuine peer always matches.
   */
  find(from: UdpEndpoint): Peer | undefined {
    return this.peers.find(
      (peer) => peer.endpoint.address === from.address && peer.endpoint.port === from.port,
    );
  }

  all(): readonly Peer[] {
    return this.peers;
  }

  get size(): number {
    return this.peers.length;
  }
}
