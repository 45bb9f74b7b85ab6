// The agent: one UDP socket, the peers, the local media, and the two walks between them
// (send.ts, receive.ts). It says hello at start and every keepalive interval, answers hellos that
// ask for it, notices peers that fall silent, and reports every counter on request.

import { formatMac, type MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { formatCounters } from "../medium/counters.js";
import type { LocalMedium } from "../medium/medium.js";
import {
  type DatagramTransport,
  formatEndpoint,
  type SocketBuffers,
  TunnelSocket,
  type UdpEndpoint,
} from "../os/udp/tunnel-socket.js";
import { aead } from "../tunnel/aead.js";
import { BundlingTransport } from "../tunnel/bundling-transport.js";
import { HelloCapability } from "../tunnel/constants.js";
import type { Hello } from "../tunnel/hello.js";
import type { TunnelMessage } from "../tunnel/message.js";
import { PairSealingTransport } from "../tunnel/pair-transport.js";
import { TunnelReceiver } from "../tunnel/receiver.js";
import { ReplyBudget } from "../tunnel/reply-budget.js";
import { TunnelSender } from "../tunnel/sender.js";
import type { FrameTap } from "./frame-tap.js";
import { describeLink, isDefaultLink, type Link, LinkModel, type RandomSource } from "./link-model.js";
import { LoopDelay } from "./loop-delay.js";
import { type ConfiguredPeer, type Peer, PeerTable } from "./peer.js";
import { ReceivePath } from "./receive.js";
import { RemoteTransmitters } from "./remote-transmitters.js";
import { SendPath } from "./send.js";

/** How often HELLOs go out; a peer silent for three intervals is reported gone. */
export const KEEPALIVE_INTERVAL_MS = 5000;
export const SILENT_AFTER_INTERVALS = 3;
/**
 * The longest BUNDLE by default. With bundles TCP over the tunnel moved 1.8-2.9x as much in 20 s
 * runs (docs/benchmarks.md, "Bundles"). They were off in session 12: in the 120 s soak the AP's
 * agent fell behind, hwsim dropped the AP's transmissions whose fates came late ("no longer held",
 * 1000 a minute) and the station lost beacons. Since the receiver delivers at most as much per turn
 * as it reads (src/os/netlink/hwsim/delivery-budget.ts) the soak passed with them, twice: 7.2 and
 * 9.1 Mbit/s over 120 s, 0 beacon loss, 0 fates refused. WIFI_TUNNEL_BUNDLE_BYTES=0 turns them off.
 */
export const DEFAULT_BUNDLE_BYTES = 8192;

export interface AgentOptions {
  readonly nodeId: number;
  readonly nodeName: string;
  readonly psk: Buffer | null;
  readonly listen: UdpEndpoint;
  readonly peers: readonly ConfiguredPeer[];
  readonly media: readonly LocalMedium[];
  /** Addresses of this machine's own radios, announced in HELLOs so peers can spot collisions. */
  readonly localRadioMacs: () => readonly MacAddress[];
  readonly log: Logger;
  readonly now?: () => number;
  /** Where the link model's loss decisions come from (tests fix it); Math.random by default. */
  readonly random?: RandomSource;
  readonly keepaliveMs?: number;
  /**
   * The longest BUNDLE sent to a peer that accepts them (bundle extension), 0 for none; also whether
   * our HELLO advertises them. DEFAULT_BUNDLE_BYTES when absent.
   */
  readonly bundleBytes?: number;
  /** Tests may put something else than a UDP socket under the agent. */
  readonly bindTransport?: (
    listen: UdpEndpoint,
    onDatagram: (datagram: Buffer, from: UdpEndpoint) => void,
    onError: (error: Error, to: UdpEndpoint) => void,
  ) => Promise<DatagramTransport & { readonly local: UdpEndpoint; readonly buffers?: SocketBuffers }>;
}

export class Agent {
  readonly peers: PeerTable;
  readonly sender: TunnelSender;
  readonly receiver: TunnelReceiver;
  private send: SendPath | null = null;
  private receive: ReceivePath | null = null;
  private transport:
    | (DatagramTransport & { readonly local: UdpEndpoint; readonly buffers?: SocketBuffers })
    | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private readonly silent = new Set<Peer>();
  /** HELLOs a peer asked for, per peer: a few at once, then one a second (src/tunnel/reply-budget.ts). */
  private readonly replies = new ReplyBudget<Peer>();
  private sealing: PairSealingTransport<UdpEndpoint> | null = null;
  private bundling: BundlingTransport<UdpEndpoint> | null = null;
  readonly loopDelay = new LoopDelay();
  /** Remote transmitters heard through the tunnel, for `status`. */
  readonly transmitters = new RemoteTransmitters();
  /** Each peer's link: the signal and loss its frames get on the way in (link-model.ts). */
  readonly links: LinkModel<Peer>;
  private warnedSignalIgnored = false;
  /** Watchers of every frame's fate besides the transmitter table (a capture). */
  private readonly taps = new Set<FrameTap>();
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: AgentOptions) {
    this.peers = new PeerTable(options.peers);
    this.links = new LinkModel(options.random);
    // PeerTable keeps the configured order.
    options.peers.forEach((configured, index) => {
      const peer = this.peers.all()[index];
      if (configured.link !== undefined && peer !== undefined) this.links.set(peer, configured.link);
    });
    this.sender = new TunnelSender({ nodeId: options.nodeId, psk: options.psk });
    this.receiver = new TunnelReceiver({
      psk: options.psk,
      own: { nodeId: options.nodeId, sessionId: this.sender.sessionId },
    });
    this.now = options.now ?? Date.now;
    this.log = options.log;
  }

  get local(): UdpEndpoint | null {
    return this.transport?.local ?? null;
  }

  /** The tunnel socket's buffers as the kernel granted them (null before start, or for a double). */
  get socketBuffers(): SocketBuffers | null {
    return this.transport?.buffers ?? null;
  }

  async start(): Promise<void> {
    const started = performance.now();
    this.loopDelay.start(({ lateMs, cpuMs }) =>
      this.log.limited(
        "info",
        "loop-stall",
        `the event loop ran ${lateMs} ms late, ${((performance.now() - started) / 1000).toFixed(1)} s after start; ` +
          `this process used ${cpuMs} ms of CPU in that time (${cpuMs >= lateMs / 2 ? "the agent's own work" : "mostly waiting for the CPU"})`,
      ),
    );
    const bind = this.options.bindTransport ?? TunnelSocket.bind;
    const transport = await bind(
      this.options.listen,
      (datagram, from) => this.receive?.receive(datagram, from),
      (error, to) => this.sendFailed(error, to),
    );
    this.transport = transport;
    // Every datagram's bytes, per peer, as the socket gets them (after sealing).
    const counted: DatagramTransport = {
      send: (datagram, to) => {
        this.peers.find(to)?.counters.add("bytes-sent", datagram.length);
        transport.send(datagram, to);
      },
      close: () => transport.close(),
    };
    // With bundles on, FRAMEs of one turn for the same peer leave as one BUNDLE
    // (src/tunnel/bundling-transport.ts); off (the default), frames pass no layer for them.
    this.bundling =
      this.bundleBytes > 0
        ? new BundlingTransport(
            counted,
            (to) => ((this.peers.find(to)?.identity?.capabilities ?? 0) & HelloCapability.bundles) !== 0,
            formatEndpoint,
            this.bundleBytes,
          )
        : null;
    // With a key each peer gets the frame sealed under its own pair key (src/tunnel/pair-transport.ts).
    this.sealing = new PairSealingTransport(
      this.bundling ?? counted,
      this.sender,
      (to) => this.peers.find(to)?.identity ?? null,
      formatEndpoint,
    );
    this.send = new SendPath(this.peers, this.sender, this.sealing, this.options.media, this.log);
    this.receive = new ReceivePath(
      this.peers,
      this.receiver,
      this.options.media,
      {
        ownNodeId: this.options.nodeId,
        hello: (peer, hello) => this.heardHello(peer, hello),
        roaming: this.options.psk !== null,
        // After the HELLO itself is handled (next turn), so ours names the session just heard.
        newSession: (peer) =>
          setImmediate(() => {
            if (this.replies.allow(peer)) this.sayHello(false, peer);
          }),
      },
      this.log,
      this.links,
    );
    this.installTaps();
    this.linkLossesChanged();
    try {
      for (const medium of this.options.media) {
        await medium.start((air) => this.send?.transmit(air, medium));
        this.log.info(`medium ${medium.name} is up`);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.log.info(
      `listening on UDP ${formatEndpoint(transport.local)} as node ${this.options.nodeId.toString(16).padStart(8, "0")} (${this.options.nodeName}), ` +
        `${this.options.psk ? `sealed with the pre-shared key (ChaCha20-Poly1305, ${aead().name === "sodium" ? "libsodium" : "node:crypto"})` : "unauthenticated (no --key-file)"}; peers: ${
          this.peers
            .all()
            .map((peer) => peer.label)
            .join(", ") || "none"
        }`,
    );
    for (const peer of this.peers.all()) this.logLink(peer, "configured");
    this.sayHello(true);
    const interval = this.options.keepaliveMs ?? KEEPALIVE_INTERVAL_MS;
    this.keepaliveTimer = setInterval(() => {
      this.sayHello(false);
      this.checkSilentPeers(interval * SILENT_AFTER_INTERVALS);
    }, interval);
    this.keepaliveTimer.unref();
  }

  private hello(replyRequested: boolean): Hello {
    return {
      keepaliveIntervalMs: this.options.keepaliveMs ?? KEEPALIVE_INTERVAL_MS,
      capabilities: this.takesBundles ? HelloCapability.bundles : 0,
      replyRequested,
      nodeName: this.options.nodeName,
      radioMacs: this.options.localRadioMacs(),
    };
  }

  private sayHello(replyRequested: boolean, only?: Peer): void {
    if (!this.transport) return;
    for (const peer of only ? [only] : this.peers.all()) {
      const hello = { ...this.hello(replyRequested), heardSession: peer.heardSession };
      const datagram = this.sender.hello(hello);
      this.transport.send(datagram, peer.endpoint);
      peer.counters.add("datagrams-sent");
      peer.counters.add("bytes-sent", datagram.length);
    }
  }

  private heardHello(peer: Peer, message: Extract<TunnelMessage, { type: "hello" }>): void {
    const { origin, hello } = message;
    peer.heardSession = { nodeId: origin.nodeId, sessionId: origin.sessionId };
    // With a key, a HELLO that does not name our current session (a first contact, or a recording
    // of an earlier run) is only answered: it names no peer (src/tunnel/receiver.ts).
    if (!this.receiver.isConfirmed(origin.nodeId, origin.sessionId)) {
      if (this.replies.allow(peer)) this.sayHello(false, peer);
      return;
    }
    const radiosBefore = peer.identity?.radioMacs ?? [];
    const change = peer.learn(
      {
        nodeId: origin.nodeId,
        sessionId: origin.sessionId,
        nodeName: hello.nodeName,
        radioMacs: hello.radioMacs,
        capabilities: hello.capabilities,
      },
      this.now(),
    );
    if (this.silent.delete(peer)) this.log.limited("info", "peer-back", `peer ${peer.label} is back`);
    if (change !== "same") {
      // Limited: without a key anyone can forge a "restart" per datagram.
      this.log.limited(
        "info",
        "peer-change",
        `peer ${peer.label} is ${change === "new" ? "up" : "restarted"}: node ${origin.nodeId.toString(16).padStart(8, "0")}, radios ${peer.describeRadios()}`,
      );
      this.checkCollisions(peer, hello.radioMacs);
    }
    // A medium that learns its radios from their frames announces them only once they transmit.
    if (change !== "same" || !sameMacs(radiosBefore, hello.radioMacs)) this.linkLossesChanged();
    // Frames held during the handshake go out now, sealed for this session.
    this.sealing?.flush(peer.endpoint);
    if (hello.replyRequested && this.replies.allow(peer)) this.sayHello(false, peer);
  }

  /**
   * A peer added while running (reload): it gets a HELLO asking for one back at once, like every
   * peer at start; the others' sessions and counters are untouched. False if it is already a peer.
   */
  addPeer(configured: ConfiguredPeer): boolean {
    const peer = this.peers.add(configured);
    if (peer === null) return false;
    this.log.info(`peer ${peer.label} added`);
    if (configured.link !== undefined) {
      this.links.set(peer, configured.link);
      this.logLink(peer, "configured");
      this.linkLossesChanged();
    }
    this.sayHello(true, peer);
    return true;
  }

  /** A peer removed while running (reload): nothing more goes to it and its datagrams are strangers'. */
  removePeer(configured: UdpEndpoint): boolean {
    const peer = this.peers.remove(configured);
    if (peer === undefined) return false;
    this.silent.delete(peer);
    this.links.forget(peer);
    this.linkLossesChanged();
    this.sealing?.forget(peer.endpoint);
    this.log.info(`peer ${peer.label} removed`);
    return true;
  }

  /**
   * Changes a peer's link (a reload, `set peer`): from the next frame on. Logged, with `why`; a
   * signal that some medium cannot apply is warned about once per run.
   */
  setLink(peer: Peer, change: Partial<Link>, why: string): Link {
    const link = this.links.set(peer, change);
    this.linkLossesChanged();
    this.logLink(peer, why, true);
    return link;
  }

  /**
   * Tells the media that decide fates themselves the loss toward each remote radio, after anything
   * that can change it: a HELLO with other radios, a link set, a peer added or removed. Pushed, not
   * asked per frame: such a medium may run on a thread of its own (src/medium/thread/).
   */
  private linkLossesChanged(): void {
    if (!this.options.media.some((medium) => medium.useLinkLosses !== undefined)) return;
    const losses = new Map<MacAddress, number>();
    for (const peer of this.peers.all()) {
      const loss = this.links.get(peer).lossPercent;
      if (loss <= 0) continue;
      // Two peers announcing one address is a collision (logged): the first one's link counts.
      for (const mac of peer.identity?.radioMacs ?? []) if (!losses.has(mac)) losses.set(mac, loss);
    }
    for (const medium of this.options.media) medium.useLinkLosses?.(losses);
  }

  /** The media that do not apply a link's signal (see LocalMedium.appliesSignal). */
  get mediaIgnoringSignal(): string[] {
    return this.options.media.filter((medium) => medium.appliesSignal !== true).map((medium) => medium.name);
  }

  private logLink(peer: Peer, why: string, always = false): void {
    const link = this.links.get(peer);
    if (!always && isDefaultLink(link)) return;
    this.log.info(`peer ${peer.label} link (${why}): ${describeLink(link)}`);
    const ignoring = this.mediaIgnoringSignal;
    if (link.signalDbm === null || ignoring.length === 0 || this.warnedSignalIgnored) return;
    this.warnedSignalIgnored = true;
    this.log.warn(
      `a link's signal is not applied on ${ignoring.join(", ")}: that medium cannot choose the signal its receivers report (on hwsim's monitor path it is -50 dBm + the injecting radio's TX power; airport frames carry none), so only the loss takes effect (README, "Signal and loss")`,
    );
  }

  private checkCollisions(peer: Peer, remote: readonly MacAddress[]): void {
    const local = new Set(this.options.localRadioMacs());
    const shared = remote.filter((mac) => local.has(mac));
    if (shared.length === 0) return;
    this.log.limited(
      "error",
      "mac-collision",
      `peer ${peer.label} has radios with the same address as ours (${shared.map(formatMac).join(", ")}): hwsim gives every VM the same default MACs, and frames between equal addresses never arrive; restart the agents with --unique-macs (or set distinct addresses with 'ip link set wlan0 address ...')`,
    );
  }

  private checkSilentPeers(timeoutMs: number): void {
    const now = this.now();
    for (const peer of this.peers.all()) {
      if (peer.lastHeardMs === null || peer.isAlive(now, timeoutMs) || this.silent.has(peer)) continue;
      this.silent.add(peer);
      this.log.warn(
        `peer ${peer.label} has been silent for ${Math.round((now - peer.lastHeardMs) / 1000)} s`,
      );
    }
  }

  private sendFailed(error: Error, to: UdpEndpoint): void {
    const peer = this.peers.find(to);
    peer?.counters.add("send-error");
    this.log.limited("warn", "send-error", `sending to ${formatEndpoint(to)} failed: ${error.message}`);
  }

  /** Every counter, one line per component, for SIGUSR1 and exit. */
  report(mediaCounters: ReadonlyMap<string, Record<string, number>>): string[] {
    // CPU the whole process used since it started: the bench compares agents by it.
    const cpu = process.cpuUsage();
    const agent = { "cpu-ms": Math.round((cpu.user + cpu.system) / 1000), ...this.loopDelay.counters() };
    const lines: string[] = [`agent: ${formatCounters(agent, true)}`];
    if (this.send) {
      // With a key: frames that waited for a peer's handshake too long (or beyond 1024) and never went.
      const handshake = this.options.psk
        ? ` dropped-before-handshake=${this.sealing?.heldBackDropped ?? 0}`
        : "";
      const bundles = this.bundling ? ` ${formatCounters(this.bundling.counters.snapshot(), true)}` : "";
      lines.push(`send: ${formatCounters(this.send.counters.snapshot(), true)}${bundles}${handshake}`);
    }
    if (this.receive) lines.push(`receive: ${formatCounters(this.receive.counters.snapshot(), true)}`);
    for (const [name, counters] of mediaCounters) lines.push(`medium ${name}: ${formatCounters(counters)}`);
    for (const peer of this.peers.all()) {
      // The current session's sequence accounting, after the peer's own counters.
      const sequence: Record<string, number> = this.sequenceOf(peer) ?? {};
      lines.push(
        `peer ${peer.label}: ${formatCounters(peer.counters.snapshot())} ${formatCounters(sequence, true)}`.trimEnd(),
      );
    }
    return lines;
  }

  /** The sequence accounting of the peer's current session (null before its first HELLO). */
  sequenceOf(
    peer: Peer,
  ): { received: number; duplicates: number; reordered: number; lost: number; "too-old": number } | null {
    const identity = peer.identity;
    if (identity === null) return null;
    const session = this.receiver
      .stats()
      .senders.find((s) => s.nodeId === identity.nodeId && s.sessionId === identity.sessionId);
    if (session === undefined) return null;
    return {
      received: session.received,
      duplicates: session.duplicates,
      reordered: session.reordered,
      lost: session.lost,
      "too-old": session.tooOld,
    };
  }

  /** Watch every frame's fate until the returned function is called (a capture). */
  addTap(tap: FrameTap): () => void {
    this.taps.add(tap);
    this.installTaps();
    return () => {
      this.taps.delete(tap);
      this.installTaps();
    };
  }

  /** The paths call one function: the transmitter table, plus each tap while there are any. */
  private installTaps(): void {
    const taps = [...this.taps];
    const transmitters = this.transmitters;
    const now = this.now;
    const inbound: FrameTap = (direction, air, fate, via) => {
      transmitters.heard(air, via, now());
      for (const tap of taps) tap(direction, air, fate, via);
    };
    const outbound: FrameTap | null =
      taps.length === 0
        ? null
        : (direction, air, fate, via) => {
            for (const tap of taps) tap(direction, air, fate, via);
          };
    if (this.receive) this.receive.tap = inbound;
    if (this.send) this.send.tap = outbound;
  }

  get nodeId(): number {
    return this.options.nodeId;
  }

  get nodeName(): string {
    return this.options.nodeName;
  }

  get media(): readonly LocalMedium[] {
    return this.options.media;
  }

  /** How long a peer may stay quiet before it counts as silent. */
  get silentAfterMs(): number {
    return (this.options.keepaliveMs ?? KEEPALIVE_INTERVAL_MS) * SILENT_AFTER_INTERVALS;
  }

  /** With a key: frames that waited for a peer's handshake too long and never went. */
  get droppedBeforeHandshake(): number {
    return this.sealing?.heldBackDropped ?? 0;
  }

  get sendCounters(): SendPath["counters"] | null {
    return this.send?.counters ?? null;
  }

  get receiveCounters(): ReceivePath["counters"] | null {
    return this.receive?.counters ?? null;
  }

  async stop(): Promise<void> {
    this.loopDelay.stop();
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    for (const medium of this.options.media) {
      try {
        await medium.close();
      } catch (error) {
        this.log.warn(`closing ${medium.name}: ${String(error)}`);
      }
    }
    // What the last turn queued leaves before the socket closes.
    this.bundling?.flush();
    await this.transport?.close();
    this.transport = null;
  }

  private get bundleBytes(): number {
    return this.options.bundleBytes ?? DEFAULT_BUNDLE_BYTES;
  }

  /** What our HELLO says: bundles are on, and every local medium can take a bundle's burst. */
  private get takesBundles(): boolean {
    return this.bundleBytes > 0 && this.options.media.every((medium) => medium.takesBundles !== false);
  }
}

function sameMacs(a: readonly MacAddress[], b: readonly MacAddress[]): boolean {
  return a.length === b.length && a.every((mac, index) => mac === b[index]);
}
