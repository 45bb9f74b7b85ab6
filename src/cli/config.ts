// The agent's configuration and the parsers for its command-line forms. Parsers return a Result
// whose detail is the one sentence the CLI prints before exiting non-zero.

import { isIP } from "node:net";
import type { Link } from "../agent/link-model.js";
import type { LogLevel } from "../log.js";
import { ok, type Result, reject } from "../result.js";

/** UDP port of the tunnel when --listen and --peer name none: 802.11 → 8211. */
export const DEFAULT_PORT = 8211;

/** Where `status` and `capture` find the agent unless told otherwise (docs/control.md). */
export const DEFAULT_CONTROL_PATH = "/run/wifi-tunnel/wifi-tunnel.sock";

/** The control socket: a path, and whether the user named it (a default that cannot be had only warns). */
export interface ControlConfig {
  readonly path: string;
  readonly explicit: boolean;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface AirportConfig {
  readonly mode: "listen" | "connect";
  readonly hub: number;
  readonly socketPath: string;
  readonly freqMhz: number;
  readonly signalDbm: number;
  readonly rate500kbps: number;
}

/** A configured peer: --peer HOST[:PORT], or a config file's [Peer] (which may name it and set its link). */
export interface PeerConfig extends HostPort {
  readonly name?: string | null;
  /** A file's Signal and Loss (the default link where it sets neither); absent for --peer. */
  readonly link?: Link;
}

/** --medium: hwsim's registered medium (netlink), or capture on hwsim0 and inject (monitor). */
export const HWSIM_MEDIUM_KINDS = ["monitor", "netlink"] as const;
export type HwsimMediumKind = (typeof HWSIM_MEDIUM_KINDS)[number];

export interface AgentConfig {
  readonly peers: readonly PeerConfig[];
  readonly listen: HostPort;
  /** Capture interface, or null for --iface none (no hwsim path). */
  readonly iface: string | null;
  /** How the hwsim path reaches local radios (--medium). */
  readonly medium: HwsimMediumKind;
  readonly keyFile: string | null;
  readonly injectPhy: string | null;
  readonly uniqueMacs: boolean;
  readonly nodeName: string;
  readonly logLevel: LogLevel;
  readonly statsIntervalSeconds: number;
  readonly airport: AirportConfig | null;
  /** The control socket, or null for --control none. */
  readonly control: ControlConfig | null;
  /** Where /metrics is served (--metrics), or null. */
  readonly metrics: HostPort | null;
  /** --capture FILE with its rotation, or null. */
  readonly capture: CaptureConfig | null;
}

export interface CaptureConfig {
  readonly path: string;
  /** Rotate once a file would exceed this. */
  readonly maxBytes: number;
  /** Older files kept (FILE.1.pcapng, ...). */
  readonly keep: number;
}

type ConfigReject = "bad-option";

function parsePort(text: string, what: string): Result<number, ConfigReject> {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    return reject("bad-option", `${what}: '${text}' is not a UDP port (1-65535)`);
  }
  return ok(port);
}

/** HOST, HOST:PORT, [V6], [V6]:PORT or a bare IPv6 address. */
export function parseHostPort(
  text: string,
  defaultPort: number,
  what: string,
): Result<HostPort, ConfigReject> {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const port = bracketed[2] === undefined ? ok(defaultPort) : parsePort(bracketed[2], what);
    if (!port.ok) return port;
    if (isIP(bracketed[1]) !== 6)
      return reject("bad-option", `${what}: '${bracketed[1]}' is not an IPv6 address`);
    return ok({ host: bracketed[1], port: port.value });
  }
  if (isIP(text) === 6) return ok({ host: text, port: defaultPort });
  const colon = text.lastIndexOf(":");
  const host = colon === -1 ? text : text.slice(0, colon);
  if (host === "" || !/^[A-Za-z0-9._-]+$/.test(host)) {
    return reject(
      "bad-option",
      `${what}: '${text}' is not HOST[:PORT] (e.g. 10.0.0.2 or 10.0.0.2:${DEFAULT_PORT})`,
    );
  }
  const port = colon === -1 ? ok(defaultPort) : parsePort(text.slice(colon + 1), what);
  if (!port.ok) return port;
  return ok({ host, port: port.value });
}

/** [ADDR:]PORT for --listen; a bare port listens on every IPv4 address. */
export function parseListen(text: string, what = "--listen"): Result<HostPort, ConfigReject> {
  if (/^\d+$/.test(text)) {
    const port = parsePort(text, what);
    return port.ok ? ok({ host: "0.0.0.0", port: port.value }) : port;
  }
  const parsed = parseHostPort(text, DEFAULT_PORT, what);
  if (parsed.ok && isIP(parsed.value.host) === 0) {
    return reject("bad-option", `${what}: '${parsed.value.host}' is not an IP address of this machine`);
  }
  return parsed;
}

/** [ADDR:]PORT for --metrics; a bare port serves on loopback only (counters are nobody else's business). */
export function parseMetricsListen(text: string): Result<HostPort, ConfigReject> {
  if (/^\d+$/.test(text)) {
    const port = parsePort(text, "--metrics");
    return port.ok ? ok({ host: "127.0.0.1", port: port.value }) : port;
  }
  const parsed = parseHostPort(text, 0, "--metrics");
  if (!parsed.ok || !text.includes(":"))
    return reject("bad-option", `--metrics: '${text}' is not [ADDR:]PORT (e.g. 9811 or 0.0.0.0:9811)`);
  if (isIP(parsed.value.host) === 0)
    return reject("bad-option", `--metrics: '${parsed.value.host}' is not an IP address of this machine`);
  if (parsed.value.port === 0)
    return reject("bad-option", `--metrics: '${text}' names no port (e.g. 9811 or 0.0.0.0:9811)`);
  return parsed;
}

/** The hub as QEMU's termid names it (-128..255); the header carries it as int8. */
export function parseHubId(text: string, what: string): Result<number, ConfigReject> {
  const hub = Number(text);
  if (!/^-?\d+$/.test(text) || hub < -128 || hub > 255) {
    return reject(
      "bad-option",
      `${what}: '${text}' is not an airport hub id (0-255, as given to QEMU's termid)`,
    );
  }
  return ok(hub);
}

export function parseIntegerIn(
  text: string,
  min: number,
  max: number,
  what: string,
): Result<number, ConfigReject> {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < min || value > max) {
    return reject("bad-option", `${what}: '${text}' is not a whole number from ${min} to ${max}`);
  }
  return ok(value);
}

/** Whole-number flags and their ranges, for the command line and the config file alike. */
export const INTEGER_RANGES = {
  "stats-interval": [0, 86_400],
  "airport-freq": [2400, 7200],
  "airport-signal": [-127, 0],
  "airport-rate": [1, 255],
} as const satisfies Record<string, readonly [number, number]>;

/** An interface name as the kernel allows it (IFNAMSIZ 16 with the NUL), or none. */
export const IFACE_NAME = /^[\w.-]{1,15}$/;
