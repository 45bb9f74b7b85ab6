// SIGHUP (systemctl reload): read the config file again and apply what can change while the agent
// runs, which is its peers: new [Peer] sections are added (each gets a HELLO at once), vanished
// ones removed; the other peers' sessions, counters and the associations over them go on
// untouched, with their Name and, where the file changed it, their link (Signal, Loss: a value the
// file still has as before leaves what `set peer` made of it alone). Any other setting that changed is named in one line saying a restart applies it. A
// file that no longer parses changes nothing (one error line).

import type { Agent } from "../agent/agent.js";
import { DEFAULT_LINK, type Link } from "../agent/link-model.js";
import type { Logger } from "../log.js";
import type { UdpEndpoint } from "../os/udp/tunnel-socket.js";
import type { AgentConfig, PeerConfig } from "./config.js";
import type { AgentConfigSource } from "./config-load.js";

/** The config file's key for an AgentConfig field, for the restart line. */
const KEY_OF_FIELD: Readonly<Record<string, string>> = {
  listen: "Listen",
  iface: "Iface",
  keyFile: "KeyFile",
  injectPhy: "InjectPhy",
  uniqueMacs: "UniqueMacs",
  nodeName: "NodeName",
  logLevel: "LogLevel",
  statsIntervalSeconds: "StatsInterval",
  airport: "Airport*",
  control: "Control",
  metrics: "Metrics",
};

/** What the agent runs with: its configuration, and where each configured peer resolved to. */
export interface RunningConfig {
  readonly config: AgentConfig;
  readonly peers: readonly { readonly config: PeerConfig; readonly endpoint: UdpEndpoint }[];
}

const peerKey = (peer: PeerConfig): string => `${peer.host}\u0000${peer.port}`;

/** The parts of the file's link that differ from what the file said before. */
function linkChange(before: Link | undefined, after: Link | undefined): Partial<Link> {
  const [was, now] = [before ?? DEFAULT_LINK, after ?? DEFAULT_LINK];
  return {
    ...(was.signalDbm !== now.signalDbm ? { signalDbm: now.signalDbm } : {}),
    ...(was.lossPercent !== now.lossPercent ? { lossPercent: now.lossPercent } : {}),
  };
}

export async function reloadConfig(
  running: RunningConfig,
  source: AgentConfigSource | undefined,
  agent: Agent,
  resolve: (peer: PeerConfig) => Promise<UdpEndpoint>,
  log: Logger,
): Promise<RunningConfig> {
  if (source === undefined) {
    log.info("SIGHUP: no --config file to read again; nothing changed (SIGUSR1 logs the counters)");
    return running;
  }
  const loaded = source.load();
  if (!loaded.ok) {
    log.error(`reload: ${loaded.error.detail}; nothing changed, the agent runs on as before`);
    return running;
  }
  const next = loaded.value;

  const restart = Object.keys({ ...running.config, ...next })
    .filter((field) => field !== "peers")
    .filter(
      (field) =>
        JSON.stringify((running.config as unknown as Record<string, unknown>)[field]) !==
        JSON.stringify((next as unknown as Record<string, unknown>)[field]),
    )
    .map((field) => KEY_OF_FIELD[field] ?? field);
  if (restart.length > 0) {
    log.warn(
      `reload: ${source.path}: ${restart.join(", ")} changed, which only a restart applies (systemctl restart, or restart the agent); the agent runs on with the values it started with`,
    );
  }

  const wanted = new Map(next.peers.map((peer) => [peerKey(peer), peer]));
  const kept: { config: PeerConfig; endpoint: UdpEndpoint }[] = [];
  const removed: string[] = [];
  const relinked: string[] = [];
  for (const current of running.peers) {
    const still = wanted.get(peerKey(current.config));
    if (still === undefined) {
      agent.removePeer(current.endpoint);
      removed.push(`${current.config.host}:${current.config.port}`);
      continue;
    }
    const peer = agent.peers.configuredAt(current.endpoint);
    if (peer !== undefined) {
      peer.name = still.name ?? null;
      const change = linkChange(current.config.link, still.link);
      if (Object.keys(change).length > 0) {
        agent.setLink(peer, change, "reload");
        relinked.push(`${current.config.host}:${current.config.port}`);
      }
    }
    kept.push({ config: still, endpoint: current.endpoint });
  }
  const known = new Set(running.peers.map((peer) => peerKey(peer.config)));
  const added: string[] = [];
  for (const peer of next.peers) {
    if (known.has(peerKey(peer))) continue;
    let endpoint: UdpEndpoint;
    try {
      endpoint = await resolve(peer);
    } catch (error) {
      // Not kept: the next reload tries it again.
      log.error(`reload: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    agent.addPeer({ ...endpoint, name: peer.name ?? null, ...(peer.link ? { link: peer.link } : {}) });
    kept.push({ config: peer, endpoint });
    added.push(`${peer.host}:${peer.port}`);
  }
  // Order as in the file, for the next comparison and the logs.
  const order = new Map(next.peers.map((peer, index) => [peerKey(peer), index]));
  kept.sort((a, b) => (order.get(peerKey(a.config)) ?? 0) - (order.get(peerKey(b.config)) ?? 0));
  log.info(
    `reload: ${source.path}: ${
      added.length + removed.length + relinked.length === 0
        ? "peers unchanged"
        : [
            added.length ? `added ${added.join(", ")}` : "",
            removed.length ? `removed ${removed.join(", ")}` : "",
            relinked.length ? `link changed for ${relinked.join(", ")}` : "",
          ]
            .filter(Boolean)
            .join("; ")
    }; ${kept.length - added.length} peer(s) carried on untouched`,
  );
  return { config: { ...running.config, peers: kept.map((peer) => peer.config) }, peers: kept };
}
