// Runs the agent for the command line: turns an AgentConfig into real media, a UDP socket and
// peers, checks every prerequisite with one actionable sentence, tells systemd when it is ready
// (sd_notify), and handles signals: SIGINT/SIGTERM stop cleanly (exit 0), SIGUSR1 logs the counters.
//
// Start-up does only what the first frame needs: the hwsim and airport paths are loaded with
// import() when configured (netlink and libpcap cost about a second of a TCG guest's start-up),
// the sd_notify addon only under systemd, and radios for channels come later, when first heard.

import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { Agent } from "../agent/agent.js";
import { AirCapture, CLIENT_QUEUE_LIMIT_BYTES, captureHeader } from "../agent/air-capture.js";
import { answer, ControlHandler, refuse } from "../agent/control.js";
import { peerLinkSetter } from "../agent/link-control.js";
import { agentStatus, type StatusContext } from "../agent/status.js";
import type { MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { formatCounters } from "../medium/counters.js";
import type { LocalMedium } from "../medium/medium.js";
import {
  type ControlConnection,
  type ControlServer,
  ControlSocketInUseError,
  listenControl,
} from "../os/control/unix-socket.js";
import { RotatingFile } from "../os/files/rotating-file.js";
import type { MetricsServer } from "../os/http/metrics-server.js";
import { prepareKeyCiphers } from "../os/system/kernel-ciphers.js";
import { buffersShort, raiseSocketBufferLimits } from "../os/system/socket-buffers.js";
import { stderrIsJournal } from "../os/systemd/journal.js";
import { noNotifier, openServiceNotifier, type ServiceNotifier } from "../os/systemd/notify.js";
import { formatEndpoint, SOCKET_BUFFER_BYTES, type UdpEndpoint } from "../os/udp/tunnel-socket.js";
import { reject } from "../result.js";
import { MAX_BUNDLE_LENGTH } from "../tunnel/constants.js";
import { keyFingerprint, parsePresharedKey } from "../tunnel/psk.js";
import type { AgentConfig, PeerConfig } from "./config.js";
import type { AgentConfigSource } from "./config-load.js";
import { PrerequisiteError } from "./prerequisite.js";
import type { RunningConfig } from "./reload.js";
import { createStartupLog } from "./startup-log.js";

/** Exit codes: 0 clean stop, 1 a prerequisite is missing or the agent failed, 2 usage. */
export const EXIT_FAILURE = 1;
/** SIGTERM must end the agent within 2 s; stopping takes far less, this is the backstop. */
const STOP_DEADLINE_MS = 1500;
/** How often STATUS= is refreshed under systemd. */
const STATUS_INTERVAL_MS = 10_000;

export interface RunOptions {
  /** The package version, for the first log line. */
  readonly version: string;
  /** Seconds since the process started (exec), for "ready in"; process.uptime() by default. */
  readonly uptimeSeconds?: () => number;
  /** Where to tell a service manager about readiness; $NOTIFY_SOCKET by default. */
  readonly openNotifier?: (log: Logger) => Promise<ServiceNotifier>;
  /** The --config file, read again on SIGHUP (reload.ts). */
  readonly reload?: AgentConfigSource;
}

export function readKey(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PrerequisiteError(
      `cannot read the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const key = parsePresharedKey(text);
  if (!key.ok)
    throw new PrerequisiteError(
      `${path} is not a wifi-tunnel key (${key.error.detail}); make one with 'wifi-tunnel genkey > ${path}'`,
    );
  return key.value;
}

/** Where a configured peer's datagrams go: its address, or what its name resolves to now. */
export async function resolvePeer(peer: PeerConfig): Promise<UdpEndpoint> {
  // An address needs no resolver round trip (getaddrinfo runs on libuv's thread pool).
  if (isIP(peer.host) !== 0) return { address: peer.host, port: peer.port };
  try {
    const { address } = await lookup(peer.host);
    return { address, port: peer.port };
  } catch {
    throw new PrerequisiteError(
      `cannot resolve the peer ${peer.host}: give an IP address or a name this machine can resolve`,
    );
  }
}

async function resolvePeers(config: AgentConfig): Promise<UdpEndpoint[]> {
  const endpoints: UdpEndpoint[] = [];
  for (const peer of config.peers) endpoints.push(await resolvePeer(peer));
  return endpoints;
}

/**
 * Random per run: cloned VMs share /etc/machine-id and often the hostname, so nothing derived from
 * them tells two agents apart (measured: two lab VMs got the same id).
 */
/**
 * WIFI_TUNNEL_BUNDLE_BYTES: the longest bundle (0: none, and none asked for), for bench/ to compare;
 * the agent's default otherwise. A value out of range is a configuration error, not a silent default.
 */
export function bundleBytesFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_BUNDLE_LENGTH)
    throw new PrerequisiteError(
      `WIFI_TUNNEL_BUNDLE_BYTES=${value} is not a byte count from 0 (no bundles) to ${MAX_BUNDLE_LENGTH}`,
    );
  return bytes;
}

function newNodeId(): number {
  return randomBytes(4).readUInt32BE(0);
}

function mediaCounters(media: readonly LocalMedium[]): Map<string, Record<string, number>> {
  return new Map(media.map((medium) => [medium.name, medium.counters()]));
}

/** "hwsim hwsim0", "airport listen 20", or both joined by " + ". */
export function describeMode(config: AgentConfig): string {
  const parts: string[] = [];
  if (config.iface !== null)
    parts.push(config.medium === "netlink" ? "hwsim (registered medium)" : `hwsim ${config.iface}`);
  if (config.airport) parts.push(`airport ${config.airport.mode} ${config.airport.hub}`);
  return parts.join(" + ");
}

/** The first log line: version, mode, peers, where it listens and how long it took to be ready. */
export function readyLine(
  version: string,
  config: AgentConfig,
  peers: readonly UdpEndpoint[],
  local: UdpEndpoint,
  seconds: number,
): string {
  const peerList = peers.length === 0 ? "none" : peers.map(formatEndpoint).join(", ");
  return `wifi-tunnel ${version} ready in ${seconds.toFixed(2)} s: ${describeMode(config)}, UDP ${formatEndpoint(local)}, peers ${peerList}`;
}

/** A one-line summary for `systemctl status` (STATUS=): each medium's traffic and the peers heard. */
export function statusLine(agent: Agent, media: readonly LocalMedium[]): string {
  const traffic = media.map((medium) => {
    const counters = medium.counters();
    const sum = (...names: string[]): number =>
      names.reduce((total, name) => total + (counters[name] ?? 0), 0);
    return `${medium.name} in ${sum("captured", "frames-from-ports")}, out ${sum("delivered", "frames-from-tunnel")}`;
  });
  const peers = agent.peers.all();
  const heard = peers.filter((peer) => peer.identity !== null).length;
  return `${traffic.join("; ")}; peers heard ${heard}/${peers.length}`;
}

/**
 * The control socket, first of all: a second agent on the same socket must stop before it touches
 * any radio. A default path that cannot be had (not root) only warns: the agent works without it.
 */
async function openControl(
  config: AgentConfig,
  handler: ControlHandler,
  log: Logger,
): Promise<ControlServer | null> {
  if (config.control === null) return null;
  try {
    return await listenControl(config.control.path, (line, connection) => handler.line(line, connection));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (config.control.explicit || error instanceof ControlSocketInUseError)
      throw new PrerequisiteError(message);
    log.warn(`${message}; 'wifi-tunnel status' and 'capture' will not reach this agent`);
    return null;
  }
}

type MetricsModules = typeof import("../agent/metrics.js") & typeof import("../os/http/metrics-server.js");

/** The /metrics renderer (prom-client) and its HTTP server, for --metrics only. */
async function loadMetricsModules(): Promise<MetricsModules> {
  const [metrics, server] = await Promise.all([
    import("../agent/metrics.js"),
    import("../os/http/metrics-server.js"),
  ]);
  return { ...metrics, ...server };
}

/** The hwsim path of --medium, loaded only when chosen (registered-path.ts reads no libpcap). */
async function openHwsimPath(
  config: AgentConfig,
  iface: string,
  log: Logger,
  step: (what: string) => void,
): Promise<{ medium: LocalMedium; radioMacs: () => MacAddress[] }> {
  if (config.medium === "netlink") {
    const { registeredMedium } = await import("./registered-path.js");
    step("hwsim path loaded");
    return registeredMedium(config, log, step);
  }
  const { hwsimMedium } = await import("./hwsim-path.js");
  step("hwsim path loaded");
  return hwsimMedium(config, iface, log, step);
}

export async function runAgent(config: AgentConfig, options: RunOptions): Promise<number> {
  // Installed first: a SIGTERM during start-up (systemctl stop right after start) must still stop
  // cleanly once the agent is up, not kill it with the default action.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  const startup = createStartupLog(config.logLevel, undefined, stderrIsJournal());
  const log = startup.log;
  // Also before READY=1: SIGUSR1's default action would kill the agent (systemctl reload at once).
  let report = (_why: string): void => log.info("SIGUSR1 during start-up: no counters yet");
  process.on("SIGUSR1", () => report("SIGUSR1"));
  // SIGHUP's default action kills too: systemctl reload during start-up must not.
  let reload = (): void =>
    log.info("SIGHUP during start-up: the config file is read again once the agent is up");
  process.on("SIGHUP", () => reload());
  const uptime = options.uptimeSeconds ?? (() => process.uptime());
  // --log-level debug shows where start-up time goes (measured in a TCG guest, docs/benchmarks.md).
  const step = (what: string): void => log.debug(`start-up: ${what} at ${uptime().toFixed(3)} s`);
  step("command line parsed");
  const media: LocalMedium[] = [];
  let agent: Agent | null = null;
  let peers: UdpEndpoint[] = [];
  const control = new ControlHandler();
  for (const verb of ["status", "capture"])
    control.verb(verb, (_args, connection) => refuse(connection, "the agent is still starting"));
  control.setter("peer", () =>
    reject("starting", "set peer: the agent is still starting; ask again once it is ready"),
  );
  let controlServer: ControlServer | null = null;
  let psk: Buffer | null = null;
  let metricsModules: MetricsModules | null = null;
  try {
    controlServer = await openControl(config, control, log);
    psk = config.keyFile ? readKey(config.keyFile) : null;
    peers = await resolvePeers(config);
    // Loaded only with --metrics, and before any medium starts: requiring prom-client is synchronous
    // and held a loaded TCG guest's loop for 9-13 s when it came after (frames in flight waited, a
    // station's scans went unanswered; measured in a 3-VM lab as loop-delay-max-ms).
    if (config.metrics !== null) metricsModules = await loadMetricsModules();
    let radioMacs: () => MacAddress[] = () => [];
    if (config.iface !== null) {
      const hwsim = await openHwsimPath(config, config.iface, log, step);
      media.push(hwsim.medium);
      radioMacs = hwsim.radioMacs;
    }
    if (config.airport) {
      const { airportMedium } = await import("./airport-path.js");
      media.push(airportMedium(config.airport, log));
    }
    // Serving hwsim, the agent is a Wi-Fi guest's: before its tunnel socket asks for buffers, the
    // kernel's caps on them go up (socket-buffers.ts says why).
    if (config.iface !== null && process.geteuid?.() === 0) raiseBufferLimits(log);
    const bundleBytes = bundleBytesFromEnv(process.env.WIFI_TUNNEL_BUNDLE_BYTES);
    agent = new Agent({
      nodeId: newNodeId(),
      nodeName: config.nodeName,
      psk,
      listen: { address: config.listen.host, port: config.listen.port },
      peers: peers.map((endpoint, index) => {
        const peer = config.peers[index];
        return { ...endpoint, name: peer?.name ?? null, ...(peer?.link ? { link: peer.link } : {}) };
      }),
      media,
      localRadioMacs: radioMacs,
      log,
      ...(bundleBytes === undefined ? {} : { bundleBytes }),
    });
    step("media prepared");
    await agent.start();
  } catch (error) {
    await agent?.stop().catch(() => {});
    for (const medium of media) await medium.close().catch(() => {});
    await controlServer?.close();
    startup.release();
    log.error(error instanceof Error ? error.message : String(error));
    return EXIT_FAILURE;
  }

  const running = agent;
  // A Wi-Fi guest's bursts need the buffers (socket-buffers.ts); a host-side hub's do not warn.
  const short = config.iface !== null ? buffersShort(running.socketBuffers, SOCKET_BUFFER_BYTES) : null;
  if (short !== null) log.warn(short);
  if (process.env.WIFI_TUNNEL_WRITE_CODE_CACHE === "1" && config.iface === null) {
    const { warmUpHwsimPath } = await import("./code-cache-warmup.js");
    await warmUpHwsimPath(config, createStartupLog("error").log);
  }
  const readySeconds = uptime();
  const fingerprint = psk === null ? null : keyFingerprint(psk);
  const statusContext = (): StatusContext => {
    const cpu = process.cpuUsage();
    return {
      version: options.version,
      mode: describeMode(config),
      uptimeSeconds: uptime(),
      readySeconds,
      keyFingerprint: fingerprint,
      rssBytes: process.memoryUsage.rss(),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
  };
  control.verb("status", (_args, connection) =>
    answer(connection, { status: agentStatus(running, statusContext(), Date.now()) }),
  );
  control.setter("peer", peerLinkSetter(running));
  // The capture of the air: a frame tap on the agent only while a file or a client wants it.
  const capture = new AirCapture();
  let captureFile: RotatingFile | null = null;
  let removeTap: (() => void) | null = null;
  const captureClients = new Set<ControlConnection>();
  const tapAsNeeded = (): void => {
    if (capture.active && removeTap === null)
      removeTap = running.addTap((direction, air, fate, via) => capture.frame(direction, air, fate, via));
    else if (!capture.active && removeTap !== null) {
      removeTap();
      removeTap = null;
    }
  };
  control.verb("capture", (_args, connection) => {
    answer(connection, { capture: "pcapng" });
    // Bounded per client: a reader that stalls loses packets (counted), the agent never waits.
    const sink = { write: (block: Buffer) => connection.write(block, CLIENT_QUEUE_LIMIT_BYTES) };
    capture.attach(sink);
    captureClients.add(connection);
    tapAsNeeded();
    log.info("capture: a client attached");
    connection.onClose(() => {
      const dropped = capture.detach(sink);
      captureClients.delete(connection);
      tapAsNeeded();
      log.info(`capture: a client detached (${dropped} packets dropped for it)`);
    });
  });
  let metricsServer: MetricsServer | null = null;
  if (config.metrics !== null) {
    try {
      const { AgentMetrics, serveMetrics } = await (metricsModules ?? loadMetricsModules());
      const metrics = new AgentMetrics(running, { version: options.version, mode: describeMode(config) });
      metricsServer = await serveMetrics(config.metrics, () => metrics.render());
      log.info(
        `metrics on http://${formatEndpoint({ address: metricsServer.local.host, port: metricsServer.local.port })}/metrics`,
      );
    } catch (error) {
      await controlServer?.close();
      await running.stop();
      startup.release();
      log.error(error instanceof Error ? error.message : String(error));
      return EXIT_FAILURE;
    }
  }
  if (config.capture !== null) {
    try {
      captureFile = RotatingFile.open(config.capture.path, {
        maxBytes: config.capture.maxBytes,
        keep: config.capture.keep,
        header: () => captureHeader(),
      });
    } catch (error) {
      await controlServer?.close();
      await metricsServer?.close();
      await running.stop();
      startup.release();
      log.error(error instanceof Error ? error.message : String(error));
      return EXIT_FAILURE;
    }
    capture.setFile(captureFile);
    tapAsNeeded();
    log.info(
      `capture: every frame to ${config.capture.path} (a new file past ${config.capture.maxBytes / 1024 / 1024} MB, ${config.capture.keep} kept)`,
    );
  }
  if (config.iface !== null) {
    // Not awaited, and only once ready: the daemons' first key comes after an association, which
    // needs the agent up, and the first xfrm state costs a TCG guest 3.6 s of the CPU start-up needs.
    void prepareKeyCiphers().then((failed) =>
      failed === null
        ? log.debug("kernel ciphers ccm(aes) and cmac(aes) made ahead of the first key")
        : log.info(`${failed} (ciphers ahead of the first key; without them that key holds mac80211 longer)`),
    );
  }
  startup.ready(
    readyLine(
      options.version,
      config,
      peers,
      running.local ?? { address: config.listen.host, port: config.listen.port },
      readySeconds,
    ),
  );
  const openNotifier =
    options.openNotifier ?? ((logger: Logger) => openServiceNotifier(process.env, (m) => logger.warn(m)));
  let notifier = noNotifier;
  try {
    notifier = await openNotifier(log);
  } catch (error) {
    log.warn(
      `cannot tell systemd that the agent is ready: ${error instanceof Error ? error.message : error}`,
    );
  }
  report = (why: string): void => {
    log.info(`counters (${why}):`);
    for (const line of running.report(mediaCounters(media))) log.info(`  ${line}`);
    if (captureFile !== null || capture.counters.get("packets") > 0)
      log.info(
        `  capture: ${formatCounters({ ...capture.counters.snapshot(), "file-rotations": captureFile?.rotations ?? 0 }, true)}`,
      );
    notifier.notify({ STATUS: statusLine(running, media) });
  };
  let reloading: Promise<RunningConfig> = Promise.resolve({
    config,
    peers: config.peers.map((peer, index) => ({
      config: peer,
      endpoint: peers[index] ?? { address: peer.host, port: peer.port },
    })),
  });
  reload = (): void => {
    // One reload at a time, in signal order.
    reloading = reloading.then(async (current) => {
      try {
        const { reloadConfig } = await import("./reload.js");
        return await reloadConfig(current, options.reload, running, resolvePeer, log);
      } catch (error) {
        log.error(`reload failed: ${error instanceof Error ? error.message : String(error)}`);
        return current;
      }
    });
  };
  notifier.notify({
    READY: "1",
    STATUS: `ready in ${readySeconds.toFixed(2)} s; ${statusLine(running, media)}`,
  });

  // `systemctl status` shows STATUS=: keep it current (one datagram, only under systemd).
  const statusTimer =
    notifier === noNotifier
      ? null
      : setInterval(() => notifier.notify({ STATUS: statusLine(running, media) }), STATUS_INTERVAL_MS);
  statusTimer?.unref();
  const statsTimer =
    config.statsIntervalSeconds > 0
      ? setInterval(() => report("periodic"), config.statsIntervalSeconds * 1000)
      : null;

  const signal = await stopSignal;
  if (statsTimer) clearInterval(statsTimer);
  if (statusTimer) clearInterval(statusTimer);
  log.info(`${signal}: stopping`);
  notifier.notify({ STOPPING: "1", STATUS: `stopping (${signal})` });
  const deadline = setTimeout(() => {
    log.error(
      "stopping took too long; exiting anyway (the kernel removes our radios with our netlink socket)",
    );
    process.exit(EXIT_FAILURE);
  }, STOP_DEADLINE_MS);
  await controlServer?.close();
  await metricsServer?.close();
  await running.stop();
  for (const connection of captureClients) connection.end();
  await captureFile?.close();
  clearTimeout(deadline);
  report("exit");
  notifier.close();
  // libpcap's poll handle keeps the loop alive until one more packet arrives after close().
  process.exit(0);
}

/** As root: the kernel's caps on socket buffers raised to what the tunnel socket asks for, logged. */
function raiseBufferLimits(log: Logger): void {
  const { raised, failed } = raiseSocketBufferLimits(SOCKET_BUFFER_BYTES);
  for (const { name, from, to } of raised)
    log.info(
      `raised ${name} from ${from} to ${to}: a full tunnel socket buffer drops datagrams, which nobody retries but TCP (README, "How it works")`,
    );
  // Not a warning yet: a sandboxed unit cannot see /proc/sys, and its ExecStartPre raised the caps
  // already (systemd/wifi-tunnel.service). The socket's granted size decides (buffersShort).
  if (failed !== null) log.debug(failed);
}
