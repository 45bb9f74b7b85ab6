// A peer is another agent we exchange datagrams with: configured by address, learnt by HELLO
// (node id, session, name, radio addresses). Its counters say what crossed the tunnel each way.

import { formatMac, type MacAddress } from "../ieee80211/mac.js";
import { Counters } from "../medium/counters.js";
import { formatEndpoint, type UdpEndpoint } from "../os/udp/tunnel-socket.js";
import type { Result } from "../result.js";
import type { TunnelReject } from "../tunnel/constants.js";
import type { SessionRef } from "../tunnel/hello.js";
import { decodeHeader } from "../tunnel/message.js";
import type { ReceivedMessage } from "../tunnel/receiver.js";
import type { Link } from "./link-model.js";

type OpenResult = Result<ReceivedMessage, TunnelReject>;
/** The receiving half of the tunnel, as the receive path sees it. */
interface DatagramOpener {
  open(datagram: Buffer): OpenResult;
}

export const PEER_COUNTERS = [
  "datagrams-sent",
  "bytes-sent",
  "send-error",
  "datagrams-received",
  "bytes-received",
  "frames-received",
  "hellos-received",
  "malformed",
  "auth-failure",
  "replay",
  "reordered",
  "link-loss",
] as const;
export type PeerCounter = (typeof PEER_COUNTERS)[number];

export interface PeerIdentity {
  readonly nodeId: number;
  readonly sessionId: bigint;
  readonly nodeName: string;
  readonly radioMacs: readonly MacAddress[];
  /** HelloCapability bits of its last HELLO. */
  readonly capabilities: number;
}

export class Peer {
  readonly counters = new Counters<PeerCounter>(PEER_COUNTERS);
  identity: PeerIdentity | null = null;
  private labelCache: { name: string | null; endpoint: UdpEndpoint; text: string } | null = null;
  /** The session of the last authenticated HELLO, named in ours (handshake extension). */
  heardSession: SessionRef | null = null;
  lastHeardMs: number | null = null;

  /** Where it was configured (--peer, a config file's Endpoint): reload finds it by this. */
  readonly configured: UdpEndpoint;

  /**
   * `endpoint`: where its datagrams come from and ours go: configured, moved only by
   * PeerTable.roam. `name`: what the configuration calls it (a config file's Name), which the log
   * prefers to the node name its HELLO announces.
   */
  constructor(
    public endpoint: UdpEndpoint,
    public name: string | null = null,
  ) {
    this.configured = endpoint;
  }

  /** Made again only when the name or the endpoint changed: the receive path names the peer of every frame. */
  get label(): string {
    const name = this.name ?? this.identity?.nodeName ?? null;
    const cached = this.labelCache;
    if (cached !== null && cached.name === name && cached.endpoint === this.endpoint) return cached.text;
    const text = name ? `${name} (${formatEndpoint(this.endpoint)})` : formatEndpoint(this.endpoint);
    this.labelCache = { name, endpoint: this.endpoint, text };
    return text;
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

/** A peer as the configuration gives it: an address and port, perhaps a name and a link. */
export interface ConfiguredPeer extends UdpEndpoint {
  readonly name?: string | null;
  /** Its link (a config file's Signal, Loss); the default link when absent. */
  readonly link?: Partial<Link>;
}

function sameEndpoint(a: UdpEndpoint, b: UdpEndpoint): boolean {
  return a.address === b.address && a.port === b.port;
}

/** Peers by the address their datagrams come from. */
export class PeerTable {
  private readonly peers: Peer[];

  constructor(endpoints: readonly ConfiguredPeer[]) {
    this.peers = endpoints.map(({ address, port, name }) => new Peer({ address, port }, name ?? null));
  }

  /** A peer added at run time (a reload); null if one is configured there already. */
  add(configured: ConfiguredPeer): Peer | null {
    if (this.configuredAt(configured) !== undefined) return null;
    const peer = new Peer({ address: configured.address, port: configured.port }, configured.name ?? null);
    this.peers.push(peer);
    return peer;
  }

  /** Removes the peer configured at this endpoint (wherever it roamed since); returns it. */
  remove(configured: UdpEndpoint): Peer | undefined {
    const peer = this.configuredAt(configured);
    if (peer !== undefined) this.peers.splice(this.peers.indexOf(peer), 1);
    return peer;
  }

  configuredAt(configured: UdpEndpoint): Peer | undefined {
    return this.peers.find((peer) => sameEndpoint(peer.configured, configured));
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

  /**
   * A datagram from an endpoint no peer has: if its header names the current session of a peer and
   * it opens (authenticates, passes the replay window), that peer has moved there. Only with a key:
   * without one, anyone could move a peer. A forgery costs one AEAD open, no key derivation.
   */
  roam(
    datagram: Buffer,
    from: UdpEndpoint,
    opener: DatagramOpener,
  ): { peer: Peer; opened: OpenResult } | null {
    const header = decodeHeader(datagram);
    if (!header.ok) return null;
    const { nodeId, sessionId } = header.value;
    const peer = this.peers.find(
      (candidate) => candidate.identity?.nodeId === nodeId && candidate.identity.sessionId === sessionId,
    );
    if (peer === undefined) return null;
    const opened = opener.open(datagram);
    if (!opened.ok) return null;
    peer.endpoint = from;
    return { peer, opened };
  }

  /**
   * The peers `text` names, most specific first: HOST:PORT (where it is, or where it was
   * configured), its configured Name, a bare address, the node name its HELLO announced. More than
   * one only when that kind of name is shared.
   */
  named(text: string): Peer[] {
    const kinds: ((peer: Peer) => boolean)[] = [
      (peer) => formatEndpoint(peer.endpoint) === text || formatEndpoint(peer.configured) === text,
      (peer) => peer.name === text,
      (peer) => peer.endpoint.address === text || peer.configured.address === text,
      (peer) => peer.identity?.nodeName === text,
    ];
    for (const kind of kinds) {
      const found = this.peers.filter(kind);
      if (found.length > 0) return found;
    }
    return [];
  }

  all(): readonly Peer[] {
    return this.peers;
  }

  get size(): number {
    return this.peers.length;
  }
}
