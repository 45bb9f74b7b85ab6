// The doctor's peer check: from the agent's own UDP address and port (the one its peers accept
// datagrams from), say HELLO to every peer asking for one back, and wait a little over one
// keepalive interval, since a peer whose key differs cannot open ours and never answers, but
// still sends its periodic HELLO, which then fails to open here: that is how a wrong key shows.
// Uses the tunnel's own codecs (TunnelSender, TunnelReceiver), so what passes here is what the
// agent would accept.

import { randomBytes } from "node:crypto";
import { KEEPALIVE_INTERVAL_MS } from "../agent/agent.js";
import type { MacAddress } from "../ieee80211/mac.js";
import type { DatagramTransport, UdpEndpoint } from "../os/udp/tunnel-socket.js";
import { decodeHeader } from "../tunnel/message.js";
import { TunnelReceiver } from "../tunnel/receiver.js";
import { TunnelSender } from "../tunnel/sender.js";

/** A peer that sends nothing in a keepalive interval and a half is not running (or not reachable). */
export const PEER_WAIT_MS = Math.round(KEEPALIVE_INTERVAL_MS * 1.5);

export type PeerAnswer =
  | { readonly kind: "hello"; readonly nodeName: string; readonly radioMacs: readonly MacAddress[] }
  | { readonly kind: "wrong-key" }
  | { readonly kind: "peer-has-no-key" }
  | { readonly kind: "peer-has-a-key" }
  | { readonly kind: "not-an-agent"; readonly detail: string }
  | { readonly kind: "silent" };

export interface PeerProbeOptions {
  readonly transport: DatagramTransport;
  /** Calls back with every datagram the bound socket receives. */
  readonly onDatagram: (handler: (datagram: Buffer, from: UdpEndpoint) => void) => void;
  readonly peers: readonly UdpEndpoint[];
  readonly psk: Buffer | null;
  readonly nodeName: string;
  readonly radioMacs: readonly MacAddress[];
  readonly waitMs?: number;
}

const keyOf = (endpoint: UdpEndpoint): string => `${endpoint.address}|${endpoint.port}`;

export async function probePeers(options: PeerProbeOptions): Promise<Map<string, PeerAnswer>> {
  if (options.peers.length === 0) return new Map();
  const nodeId = randomBytes(4).readUInt32BE(0);
  const sender = new TunnelSender({ nodeId, psk: options.psk });
  const receiver = new TunnelReceiver({ psk: options.psk, own: { nodeId, sessionId: sender.sessionId } });
  const answers = new Map<string, PeerAnswer>(options.peers.map((peer) => [keyOf(peer), { kind: "silent" }]));
  let settle: () => void = () => {};
  const allHeard = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const better = (previous: PeerAnswer | undefined, next: PeerAnswer): boolean =>
    previous === undefined || previous.kind !== "hello" || next.kind === "hello";

  options.onDatagram((datagram, from) => {
    const key = keyOf(from);
    if (!answers.has(key)) return;
    const header = decodeHeader(datagram);
    let answer: PeerAnswer;
    if (!header.ok) {
      answer = { kind: "not-an-agent", detail: header.error.detail };
    } else {
      const opened = receiver.open(datagram);
      if (opened.ok) {
        const { message } = opened.value;
        if (message.type !== "hello") return;
        answer = { kind: "hello", nodeName: message.hello.nodeName, radioMacs: message.hello.radioMacs };
      } else if (opened.error.reason === "unauthenticated") {
        answer = { kind: "wrong-key" };
      } else if (opened.error.reason === "not-sealed") {
        answer = { kind: "peer-has-no-key" };
      } else if (opened.error.reason === "sealed-but-no-key") {
        answer = { kind: "peer-has-a-key" };
      } else {
        return;
      }
    }
    if (better(answers.get(key), answer)) answers.set(key, answer);
    if ([...answers.values()].every((known) => known.kind === "hello")) settle();
  });

  for (const peer of options.peers) {
    const hello = sender.hello({
      keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
      capabilities: 0,
      replyRequested: true,
      nodeName: options.nodeName,
      radioMacs: options.radioMacs,
    });
    options.transport.send(hello, peer);
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    allHeard,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.waitMs ?? PEER_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  return answers;
}

export function peerKey(endpoint: UdpEndpoint): string {
  return keyOf(endpoint);
}
