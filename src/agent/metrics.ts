// The agent's counters as Prometheus metrics (--metrics, README "Metrics"), through prom-client:
// one family per meaning, labelled by peer, medium and reason, read from the same Counters the log
// and `status` show (src/medium/counters.ts) at each scrape, so there is still one counter mechanism
// and nothing is counted twice. Plus prom-client's standard process metrics (RSS, CPU, event-loop
// lag, ...) and the agent's own loop-delay figures.

import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { formatEndpoint } from "../os/udp/tunnel-socket.js";
import type { Agent } from "./agent.js";

type Sample = readonly [Record<string, string>, number];

const PREFIX = "wifi_tunnel_";

/** A counter that names a drop: `dropped-X` everywhere, and hwsim's delivery refusals. */
const HWSIM_DROPS = new Set([
  "wrong-channel",
  "unused",
  "own-frame",
  "inject-error",
  "capture-malformed",
  "late-data-dropped",
  "echo-suppressed",
]);
/** Medium figures that are levels, not counts. */
const MEDIUM_GAUGES = new Set(["ack-proxies"]);

const metricName = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, "_");

export interface MetricsInfo {
  readonly version: string;
  readonly mode: string;
}

export class AgentMetrics {
  readonly registry = new Registry();

  constructor(agent: Agent, info: MetricsInfo) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const counter = (
      name: string,
      help: string,
      labelNames: string[],
      read: () => readonly Sample[],
    ): void => {
      new Counter({
        name: `${PREFIX}${name}`,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.inc(labels, value);
        },
      });
    };
    const gauge = (name: string, help: string, labelNames: string[], read: () => readonly Sample[]): void => {
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.set(labels, value);
        },
      });
    };

    gauge(
      "info",
      "This agent: its node name and id, version and mode (always 1).",
      ["node", "id", "version", "mode"],
      () => [
        [
          {
            node: agent.nodeName,
            id: agent.nodeId.toString(16).padStart(8, "0"),
            version: info.version,
            mode: info.mode,
          },
          1,
        ],
      ],
    );

    // The send path: frames captured locally, sent, or dropped by reason.
    const send = (): Record<string, number> => agent.sendCounters?.snapshot() ?? {};
    counter("send_frames_in_total", "Frames local radios transmitted that reached the send path.", [], () => [
      [{}, send()["frames-in"] ?? 0],
    ]);
    counter(
      "send_frames_sent_total",
      "Frames sent into the tunnel (once per frame, to every peer).",
      [],
      () => [[{}, send().sent ?? 0]],
    );
    counter("send_dropped_total", "Captured frames not sent, by reason.", ["reason"], () => [
      ...drops(send()),
      [{ reason: "before-handshake" }, agent.droppedBeforeHandshake],
    ]);

    // The receive path: datagrams in, frames in, delivered, dropped by reason.
    const receive = (): Record<string, number> => agent.receiveCounters?.snapshot() ?? {};
    counter("receive_datagrams_total", "Datagrams that arrived on the tunnel's UDP socket.", [], () => [
      [{}, receive()["datagrams-in"] ?? 0],
    ]);
    counter("receive_frames_in_total", "Frames that came out of the tunnel authentic and new.", [], () => [
      [{}, receive()["frames-in"] ?? 0],
    ]);
    counter("receive_delivered_total", "Frames from the tunnel that a local medium took.", [], () => [
      [{}, receive().delivered ?? 0],
    ]);
    counter(
      "receive_dropped_total",
      "Datagrams and frames from the tunnel dropped, by reason.",
      ["reason"],
      () => drops(receive()),
    );

    // Per peer.
    const peers = () =>
      agent.peers.all().map((peer) => ({
        labels: { peer: formatEndpoint(peer.endpoint), name: peer.identity?.nodeName ?? "" },
        counters: peer.counters.snapshot(),
        sequence: agent.sequenceOf(peer),
        peer,
      }));
    const perPeer = (
      name: string,
      help: string,
      pick: (p: ReturnType<typeof peers>[number]) => number,
    ): void => counter(name, help, ["peer", "name"], () => peers().map((p) => [p.labels, pick(p)] as const));
    for (const [name, help, pick] of PEER_METRICS) perPeer(name, help, pick);
    counter(
      "peer_dropped_total",
      "Datagrams from (or to, send-error) the peer dropped, by reason (link-loss: its frames dropped by its link's loss).",
      ["peer", "name", "reason"],
      () =>
        peers().flatMap((p) =>
          (["send-error", "malformed", "auth-failure", "replay", "link-loss"] as const).map(
            (reason) => [{ ...p.labels, reason }, p.counters[reason]] as const,
          ),
        ),
    );
    gauge(
      "peer_link_signal_dbm",
      "The signal the peer's link gives its frames, in dBm (absent while the medium's own applies).",
      ["peer", "name"],
      () =>
        peers().flatMap((p) => {
          const signal = agent.links.get(p.peer).signalDbm;
          return signal === null ? [] : [[p.labels, signal] as const];
        }),
    );
    gauge(
      "peer_link_loss_ratio",
      "The share of the peer's frames its link drops on receive, 0 to 1.",
      ["peer", "name"],
      () => peers().map((p) => [p.labels, agent.links.get(p.peer).lossPercent / 100] as const),
    );
    gauge(
      "peer_up",
      "1 while the peer's HELLOs arrive (within three keepalive intervals), else 0.",
      ["peer", "name"],
      () => peers().map((p) => [p.labels, p.peer.isAlive(Date.now(), agent.silentAfterMs) ? 1 : 0] as const),
    );
    gauge(
      "peer_last_hello_age_seconds",
      "Seconds since the peer's last HELLO (absent before the first).",
      ["peer", "name"],
      () =>
        peers().flatMap((p) =>
          p.peer.lastHeardMs === null ? [] : [[p.labels, (Date.now() - p.peer.lastHeardMs) / 1000] as const],
        ),
    );

    // Per medium: every counter of every medium, named as in the log; drops by reason.
    const names = new Set<string>();
    for (const medium of agent.media) for (const name of Object.keys(medium.counters())) names.add(name);
    const mediumValues = (name: string): Sample[] =>
      agent.media.flatMap((medium) => {
        const value = medium.counters()[name];
        return value === undefined ? [] : [[{ medium: medium.name }, value] as const];
      });
    const dropNames = [...names].filter((name) => name.startsWith("dropped-") || HWSIM_DROPS.has(name));
    for (const name of names) {
      if (dropNames.includes(name)) continue;
      if (MEDIUM_GAUGES.has(name))
        gauge(`medium_${metricName(name)}`, `Medium figure '${name}' (README, "Counters").`, ["medium"], () =>
          mediumValues(name),
        );
      else
        counter(
          `medium_${metricName(name)}_total`,
          `Medium counter '${name}' (README, "Counters").`,
          ["medium"],
          () => mediumValues(name),
        );
    }
    counter(
      "medium_dropped_total",
      "Frames a local medium dropped or refused, by reason.",
      ["medium", "reason"],
      () =>
        dropNames.flatMap((name) =>
          mediumValues(name).map(
            ([labels, value]) => [{ ...labels, reason: name.replace(/^dropped-/, "") }, value] as const,
          ),
        ),
    );
    counter(
      "remote_transmitter_frames_total",
      "Frames from the tunnel per remote transmitter and channel (the 256 most recent).",
      ["address", "freq_mhz", "peer"],
      () =>
        agent.transmitters
          .list()
          .map((t) => [{ address: t.address, freq_mhz: String(t.freqMhz), peer: t.peer }, t.frames] as const),
    );

    // How late the event loop ran (frames in flight waited that long): the agent's own figures.
    gauge("event_loop_delay_p99_seconds", "p99 of how late the event loop ran since start.", [], () => [
      [{}, agent.loopDelay.counters()["loop-delay-p99-ms"] / 1000],
    ]);
    gauge("event_loop_delay_max_seconds", "Worst event-loop lateness since start.", [], () => [
      [{}, agent.loopDelay.counters()["loop-delay-max-ms"] / 1000],
    ]);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function drops(counters: Record<string, number>): Sample[] {
  return Object.entries(counters)
    .filter(([name]) => name.startsWith("dropped-"))
    .map(([name, value]) => [{ reason: name.slice("dropped-".length) }, value] as const);
}

type PeerFigures = { counters: Record<string, number>; sequence?: Record<string, number> | null };

/** Per-peer counters as Prometheus counters: name, help, and where the figure comes from. */
const PEER_METRICS: readonly (readonly [string, string, (p: PeerFigures) => number])[] = [
  [
    "peer_datagrams_sent_total",
    "Datagrams sent to the peer (HELLOs and frames).",
    (p) => p.counters["datagrams-sent"],
  ],
  ["peer_bytes_sent_total", "Bytes of the datagrams sent to the peer.", (p) => p.counters["bytes-sent"]],
  [
    "peer_datagrams_received_total",
    "Datagrams received from the peer.",
    (p) => p.counters["datagrams-received"],
  ],
  [
    "peer_bytes_received_total",
    "Bytes of the datagrams received from the peer.",
    (p) => p.counters["bytes-received"],
  ],
  ["peer_frames_received_total", "Frames received from the peer.", (p) => p.counters["frames-received"]],
  ["peer_hellos_received_total", "HELLOs received from the peer.", (p) => p.counters["hellos-received"]],
  ["peer_reordered_total", "Datagrams from the peer that arrived out of order.", (p) => p.counters.reordered],
  [
    "peer_lost_total",
    "Datagrams of the peer's current session never received.",
    (p) => p.sequence?.lost ?? 0,
  ],
  [
    "peer_duplicates_total",
    "Duplicate datagrams of the peer's current session.",
    (p) => p.sequence?.duplicates ?? 0,
  ],
  [
    "peer_too_old_total",
    "Datagrams of the peer's current session older than the window.",
    (p) => p.sequence?.["too-old"] ?? 0,
  ],
];
