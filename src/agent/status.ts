// What `wifi-tunnel status` shows, as one JSON-ready object (docs/control.md, "status"): the node,
// each peer, each local medium with its radios, the remote transmitters heard, and every counter.
// Built from the agent's own counters (src/medium/counters.ts) at the moment it is asked; the names
// here are the stable interface, so a field is added, never renamed.

import { formatMac } from "../ieee80211/mac.js";
import { formatEndpoint } from "../os/udp/tunnel-socket.js";
import type { Agent } from "./agent.js";
import type { Peer } from "./peer.js";

/** Bumped only when a field changes meaning or goes away. */
export const STATUS_VERSION = 1;

/** What the agent cannot know itself: the process around it. */
export interface StatusContext {
  readonly version: string;
  /** "hwsim hwsim0", "airport listen 20", ... */
  readonly mode: string;
  /** Seconds since the process started. */
  readonly uptimeSeconds: number;
  /** Seconds from exec to ready (null while starting). */
  readonly readySeconds: number | null;
  /** Fingerprint of the pre-shared key (src/tunnel/psk.ts), or null without one. */
  readonly keyFingerprint: string | null;
  readonly rssBytes: number;
  readonly cpuMs: number;
}

export interface PeerStatus {
  readonly endpoint: string;
  readonly name: string | null;
  readonly nodeId: string | null;
  readonly state: "up" | "silent";
  readonly lastHelloAgeSeconds: number | null;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly framesReceived: number;
  readonly hellosReceived: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly reordered: number;
  readonly tooOld: number;
  readonly drops: {
    readonly sendError: number;
    readonly malformed: number;
    readonly authFailure: number;
    readonly replay: number;
  };
  readonly radios: readonly string[];
  /** Its link (link-model.ts): what frames from it get on the way in. */
  readonly link: {
    /** dBm its frames are given; null: the medium's own. */
    readonly signalDbm: number | null;
    readonly lossPercent: number;
    /** Its frames dropped by the loss (receive: dropped-link-loss, per peer). */
    readonly dropped: number;
    /** The media where a set signal changes nothing (LocalMedium.appliesSignal); [] without one. */
    readonly signalIgnoredBy: readonly string[];
  };
}

export interface AgentStatus {
  readonly version: number;
  readonly node: {
    readonly name: string;
    readonly id: string;
    readonly version: string;
    readonly mode: string;
    readonly listen: string | null;
    readonly keyFingerprint: string | null;
    readonly uptimeSeconds: number;
    readonly readySeconds: number | null;
    readonly pid: number;
  };
  readonly peers: readonly PeerStatus[];
  readonly media: readonly {
    readonly name: string;
    readonly counters: Record<string, number>;
    readonly localRadios: readonly {
      readonly ifname: string;
      readonly address: string;
      readonly type: string;
      readonly up: boolean;
      readonly freqMhz: number | null;
    }[];
    readonly hears: string | null;
    readonly injectingRadios: readonly {
      readonly freqMhz: number;
      readonly ready: boolean;
      readonly ackProxies: readonly string[];
    }[];
  }[];
  readonly remoteTransmitters: readonly {
    readonly address: string;
    readonly freqMhz: number;
    readonly peer: string;
    readonly lastHeardSecondsAgo: number;
    readonly frames: number;
  }[];
  readonly send: Record<string, number>;
  readonly receive: Record<string, number>;
  /** Every drop counter of the send and receive paths, by reason ("dropped-" left off), zeros included. */
  readonly drops: { readonly send: Record<string, number>; readonly receive: Record<string, number> };
  readonly process: {
    readonly cpuMs: number;
    readonly rssBytes: number;
    readonly loopDelayP99Ms: number;
    readonly loopDelayMaxMs: number;
  };
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

function dropsOf(counters: Record<string, number>): Record<string, number> {
  const drops: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters))
    if (name.startsWith("dropped-")) drops[name.slice("dropped-".length)] = value;
  return drops;
}

function peerStatus(agent: Agent, peer: Peer, nowMs: number): PeerStatus {
  const counters = peer.counters.snapshot();
  const sequence = agent.sequenceOf(peer);
  const link = agent.links.get(peer);
  return {
    endpoint: formatEndpoint(peer.endpoint),
    name: peer.identity?.nodeName ?? null,
    nodeId: peer.identity ? peer.identity.nodeId.toString(16).padStart(8, "0") : null,
    state: peer.isAlive(nowMs, agent.silentAfterMs) ? "up" : "silent",
    lastHelloAgeSeconds: peer.lastHeardMs === null ? null : seconds(nowMs - peer.lastHeardMs),
    datagramsSent: counters["datagrams-sent"],
    datagramsReceived: counters["datagrams-received"],
    bytesSent: counters["bytes-sent"],
    bytesReceived: counters["bytes-received"],
    framesReceived: counters["frames-received"],
    hellosReceived: counters["hellos-received"],
    lost: sequence?.lost ?? 0,
    duplicates: sequence?.duplicates ?? 0,
    reordered: counters.reordered,
    tooOld: sequence?.["too-old"] ?? 0,
    drops: {
      sendError: counters["send-error"],
      malformed: counters.malformed,
      authFailure: counters["auth-failure"],
      replay: counters.replay,
    },
    radios: peer.identity?.radioMacs.map(formatMac) ?? [],
    link: {
      signalDbm: link.signalDbm,
      lossPercent: link.lossPercent,
      dropped: counters["link-loss"],
      signalIgnoredBy: link.signalDbm === null ? [] : agent.mediaIgnoringSignal,
    },
  };
}

export function agentStatus(agent: Agent, context: StatusContext, nowMs: number): AgentStatus {
  const send = agent.sendCounters?.snapshot() ?? {};
  const receive = agent.receiveCounters?.snapshot() ?? {};
  const sendWithHandshake: Record<string, number> = { ...send };
  if (context.keyFingerprint !== null)
    sendWithHandshake["dropped-before-handshake"] = agent.droppedBeforeHandshake;
  const loop = agent.loopDelay.counters();
  const local = agent.local;
  return {
    version: STATUS_VERSION,
    node: {
      name: agent.nodeName,
      id: agent.nodeId.toString(16).padStart(8, "0"),
      version: context.version,
      mode: context.mode,
      listen: local === null ? null : formatEndpoint(local),
      keyFingerprint: context.keyFingerprint,
      uptimeSeconds: Math.round(context.uptimeSeconds * 10) / 10,
      readySeconds: context.readySeconds === null ? null : Math.round(context.readySeconds * 100) / 100,
      pid: process.pid,
    },
    peers: agent.peers.all().map((peer) => peerStatus(agent, peer, nowMs)),
    media: agent.media.map((medium) => {
      const status = medium.status?.() ?? {};
      return {
        name: medium.name,
        counters: medium.counters(),
        localRadios: status.localRadios ?? [],
        hears: status.hears ?? null,
        injectingRadios: status.injectingRadios ?? [],
      };
    }),
    remoteTransmitters: agent.transmitters.list().map((transmitter) => ({
      address: transmitter.address,
      freqMhz: transmitter.freqMhz,
      peer: transmitter.peer,
      lastHeardSecondsAgo: seconds(nowMs - transmitter.lastHeardMs),
      frames: transmitter.frames,
    })),
    send: sendWithHandshake,
    receive,
    drops: { send: dropsOf(sendWithHandshake), receive: dropsOf(receive) },
    process: {
      cpuMs: context.cpuMs,
      rssBytes: context.rssBytes,
      loopDelayP99Ms: loop["loop-delay-p99-ms"],
      loopDelayMaxMs: loop["loop-delay-max-ms"],
    },
  };
}
