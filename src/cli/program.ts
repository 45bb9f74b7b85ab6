// wifi-tunnel's command line: the agent (default command), `inspect` for capture files, and
// `genkey` for a pre-shared key. Every wrong flag ends in one sentence on stderr and exit 2.
// Each command's code is loaded with import() when the command runs, so `genkey` or `inspect`
// never load the agent (netlink, libpcap), and the agent never loads the capture-file readers.

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { airportSocketPath, DEFAULT_AIRPORT_RADIO, hubIdFromTermid } from "../airport/constants.js";
import { LOG_LEVELS, type LogLevel } from "../log.js";
import type { Result } from "../result.js";
import {
  type AgentConfig,
  type AirportConfig,
  type ControlConfig,
  DEFAULT_CONTROL_PATH,
  DEFAULT_PORT,
  type HostPort,
  HWSIM_MEDIUM_KINDS,
  type HwsimMediumKind,
  IFACE_NAME,
  INTEGER_RANGES,
  parseHostPort,
  parseHubId,
  parseIntegerIn,
  parseListen,
  parseMetricsListen,
} from "./config.js";
import type { AgentConfigSource } from "./config-load.js";

export const EXIT_USAGE = 2;

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new CommanderError(EXIT_USAGE, "wifi-tunnel.usage", result.error.detail);
}

/** Set by the bundler (scripts/bundle.mjs) so the bundle reads no package.json at start-up. */
declare const WIFI_TUNNEL_VERSION: string | undefined;

export function packageVersion(): string {
  if (typeof WIFI_TUNNEL_VERSION === "string") return WIFI_TUNNEL_VERSION;
  // tsc's build: dist/src/cli/program.js, three levels below the checkout.
  try {
    const path = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The agent command's flags as commander parses them (strings until agentConfig checks them). */
interface AgentFlags {
  peer: string[];
  iface: string;
  medium?: HwsimMediumKind;
  listen: string;
  keyFile?: string;
  injectPhy?: string;
  uniqueMacs: boolean;
  nodeName: string;
  logLevel: LogLevel;
  statsInterval: string;
  airportListen?: string;
  airportConnect?: string;
  airportSocket?: string;
  airportFreq: string;
  airportSignal: string;
  airportRate: string;
  control?: string;
  metrics?: string;
  capture?: string;
  captureMaxMb: string;
  captureKeep: string;
}

/** --control PATH, --control none, or the default. */
export function controlConfig(text: string | undefined): ControlConfig | null {
  if (text === "none") return null;
  if (text === undefined) return { path: DEFAULT_CONTROL_PATH, explicit: false };
  if (text === "" || text.includes("\0"))
    unwrap({ ok: false, error: { reason: "bad-option", detail: `--control: '${text}' is not a path` } });
  return { path: text, explicit: true };
}

function airportConfig(options: AgentFlags): AirportConfig | null {
  if (options.airportListen !== undefined && options.airportConnect !== undefined) {
    unwrap({
      ok: false,
      error: {
        reason: "bad-option",
        detail:
          "--airport-listen and --airport-connect exclude each other: an agent is either the hub or one of its ports",
      },
    });
  }
  const hubText = options.airportListen ?? options.airportConnect;
  if (hubText === undefined) {
    if (options.airportSocket !== undefined) {
      unwrap({
        ok: false,
        error: {
          reason: "bad-option",
          detail: "--airport-socket needs --airport-listen HUB or --airport-connect HUB",
        },
      });
    }
    return null;
  }
  const mode = options.airportListen !== undefined ? "listen" : "connect";
  const hub = unwrap(parseHubId(hubText, `--airport-${mode}`));
  return {
    mode,
    hub,
    socketPath: options.airportSocket ?? airportSocketPath(hubIdFromTermid(hub)),
    freqMhz: unwrap(parseIntegerIn(options.airportFreq, ...INTEGER_RANGES["airport-freq"], "--airport-freq")),
    signalDbm: unwrap(
      parseIntegerIn(options.airportSignal, ...INTEGER_RANGES["airport-signal"], "--airport-signal"),
    ),
    rate500kbps: unwrap(
      parseIntegerIn(options.airportRate, ...INTEGER_RANGES["airport-rate"], "--airport-rate"),
    ),
  };
}

export function agentConfig(options: AgentFlags): AgentConfig {
  const peers: HostPort[] = options.peer.map((text) => unwrap(parseHostPort(text, DEFAULT_PORT, "--peer")));
  const iface = options.iface === "none" ? null : options.iface;
  const airport = airportConfig(options);
  if (iface === null && airport === null) {
    unwrap({
      ok: false,
      error: {
        reason: "bad-option",
        detail:
          "--iface none leaves nothing to tunnel: add --airport-listen HUB or --airport-connect HUB, or capture an interface",
      },
    });
  }
  if (!IFACE_NAME.test(options.iface)) {
    unwrap({
      ok: false,
      error: { reason: "bad-option", detail: `--iface: '${options.iface}' is not an interface name` },
    });
  }
  // hwsim's registered medium unless the operator asked for radios of the agent's own: in the same
  // three-VM lab it associated in 1.10-1.13x the one-VM baseline with a worst loop delay of 0.3-0.4 s,
  // the monitor path in 1.14-1.15x with 1.0-1.2 s (docs/benchmarks.md, 2026-12-02 session 6).
  const medium: HwsimMediumKind = options.medium ?? (options.injectPhy !== undefined ? "monitor" : "netlink");
  if (medium === "netlink" && options.injectPhy !== undefined) {
    unwrap({
      ok: false,
      error: {
        reason: "bad-option",
        detail: "--inject-phy needs --medium monitor: as hwsim's medium the agent injects through no radio",
      },
    });
  }
  return {
    peers,
    listen: unwrap(parseListen(options.listen)),
    iface,
    medium,
    keyFile: options.keyFile ?? null,
    injectPhy: options.injectPhy ?? null,
    uniqueMacs: options.uniqueMacs,
    nodeName: options.nodeName,
    logLevel: options.logLevel,
    statsIntervalSeconds: unwrap(
      parseIntegerIn(options.statsInterval, ...INTEGER_RANGES["stats-interval"], "--stats-interval"),
    ),
    airport,
    control: controlConfig(options.control),
    metrics: options.metrics === undefined ? null : unwrap(parseMetricsListen(options.metrics)),
    capture:
      options.capture === undefined || options.capture === ""
        ? null
        : {
            path: options.capture,
            maxBytes:
              unwrap(parseIntegerIn(options.captureMaxMb, 1, 1_000_000, "--capture-max-mb")) * 1024 * 1024,
            keep: unwrap(parseIntegerIn(options.captureKeep, 0, 1000, "--capture-keep")),
          },
  };
}

/** The agent's configuration from its flags, or from --config FILE under them (with the file, for SIGHUP). */
async function configOf(
  options: AgentFlags & { config?: string },
  command: Command,
): Promise<{ config: AgentConfig; source?: AgentConfigSource }> {
  if (options.config === undefined) return { config: agentConfig(options) };
  // The file's parser and loader are loaded only for --config.
  const { agentConfigSource, configFilePath } = await import("./config-load.js");
  const source = agentConfigSource(configFilePath(options.config), command, options, agentConfig);
  return { config: unwrap(source.load()), source };
}

const EXAMPLES = `
Examples:
  # In VM A (10.0.0.1) and VM B (10.0.0.2), each with 'modprobe mac80211_hwsim radios=1':
  wifi-tunnel --peer 10.0.0.2            (in VM A)
  wifi-tunnel --peer 10.0.0.1            (in VM B)

  # Radios of the agent's own instead of hwsim's medium (e.g. beside wmediumd, which holds it):
  wifi-tunnel --peer 10.0.0.2 --medium monitor

  # Three VMs, authenticated and encrypted with a shared key:
  wifi-tunnel genkey > /etc/wifi-tunnel/key       (copy the file to every VM)
  wifi-tunnel --peer 10.0.0.2 --peer 10.0.0.3 --key-file /etc/wifi-tunnel/key

  # On the host, be the wifi-medium for virtio-mac80211 guests (QEMU -netdev airport,termid=20)
  # and bridge them to an hwsim VM:
  wifi-tunnel --iface none --airport-listen 20 --peer 10.0.0.2

  # Settings and peers from a file (INI: [Agent] keys named after the flags, one [Peer] each):
  printf '[Agent]\\nUniqueMacs = yes\\n\\n[Peer]\\nEndpoint = 10.0.0.2\\n' > /etc/wifi-tunnel/lab.conf
  wifi-tunnel --config lab                  (= --config /etc/wifi-tunnel/lab.conf; flags win)
  systemctl reload wifi-tunnel@lab          (or kill -HUP PID, after editing it: peers added/removed)

  # What a running agent is doing (peers, radios, counters), like 'wg show':
  wifi-tunnel status

  # A peer's link at run time (a roaming test fading one AP); Signal/Loss in its [Peer] too:
  wifi-tunnel set peer ap1 signal -80 loss 5%
  wifi-tunnel status --json --control /run/wifi-tunnel/lab1/wifi-tunnel.sock

  # Prometheus metrics on http://127.0.0.1:9811/metrics (0.0.0.0:9811 for every address):
  wifi-tunnel --peer 10.0.0.2 --metrics 9811

  # Before the first start (and whenever something does not work): one line per check
  wifi-tunnel doctor --config lab           (or the agent's flags: wifi-tunnel doctor --peer 10.0.0.2)

  # The shared air in Wireshark, live, from a running agent; or always on, rotated at 50 MB:
  wifi-tunnel capture -w - | wireshark -k -i -
  wifi-tunnel --peer 10.0.0.2 --capture /var/tmp/air.pcapng --capture-max-mb 50 --capture-keep 4

  # Read a capture:
  wifi-tunnel inspect hwsim0.pcap

Signals: SIGINT/SIGTERM stop the agent (exit 0); SIGUSR1 logs its counters; SIGHUP re-reads --config.
`;

export function buildProgram(): Command {
  const version = packageVersion();
  const program = new Command("wifi-tunnel")
    .description(
      "Let Wi-Fi radios in different VMs hear each other: tunnels mac80211_hwsim (and virtio-mac80211 airport) frames over UDP.",
    )
    .version(version)
    .option(
      "--peer <host[:port]>",
      `a peer agent (repeat for several; port defaults to ${DEFAULT_PORT})`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--iface <name>",
      "--medium monitor's capture interface (hwsim's monitor of every local transmission), or 'none' for no hwsim path",
      "hwsim0",
    )
    .addOption(
      new Option(
        "--medium <kind>",
        "how frames reach local radios: 'netlink' registers the agent as hwsim's medium (like wmediumd), 'monitor' captures on --iface and injects through radios of its own (default: netlink; monitor with --inject-phy)",
      ).choices(HWSIM_MEDIUM_KINDS),
    )
    .option(
      "--listen <[addr:]port>",
      "UDP address and port to receive peers' datagrams on",
      String(DEFAULT_PORT),
    )
    .option(
      "--key-file <path>",
      "pre-shared key (base64, 32 bytes; see 'wifi-tunnel genkey'): authenticate and encrypt",
    )
    .option(
      "--inject-phy <phy>",
      "inject through this existing radio instead of creating radios (one channel only)",
    )
    .option(
      "--unique-macs",
      "give local hwsim radios addresses derived from /etc/machine-id (while they are down)",
      false,
    )
    .option("--node-name <name>", "name peers show in their logs", hostname())
    .addOption(new Option("--log-level <level>", "how much to log").choices(LOG_LEVELS).default("info"))
    .option("--stats-interval <seconds>", "log counters this often (0: only on SIGUSR1 and at exit)", "0")
    .option("--airport-listen <hub>", "be the wifi-medium server for this airport hub (QEMU termid)")
    .option("--airport-connect <hub>", "join this airport hub's wifi-medium server as one port")
    .option("--airport-socket <path>", "airport Unix socket path (default /tmp/wifimedium_data.<hub>.sock)")
    .option("--airport-freq <mhz>", "channel of the airport hub's frames", `${DEFAULT_AIRPORT_RADIO.freqMhz}`)
    .option(
      "--airport-signal <dbm>",
      "signal reported for airport frames sent to peers",
      `${DEFAULT_AIRPORT_RADIO.signalDbm}`,
    )
    .option(
      "--airport-rate <500kbps>",
      "rate reported for airport frames, in 500 kbit/s units",
      `${DEFAULT_AIRPORT_RADIO.rate500kbps}`,
    )
    .option(
      "--config <file>",
      "read settings and [Peer]s from this file (a bare NAME is /etc/wifi-tunnel/NAME.conf); flags win; SIGHUP reads it again",
    )
    .option(
      "--control <path>",
      `control socket for 'status' and 'capture' (default ${DEFAULT_CONTROL_PATH}; 'none': no socket)`,
    )
    .option(
      "--metrics <[addr:]port>",
      "serve Prometheus metrics on http://ADDR:PORT/metrics (address 127.0.0.1 by default)",
    )
    .option(
      "--capture <file.pcapng>",
      "write every frame handled (sent, received, dropped with its reason) as radiotap pcapng",
    )
    .option("--capture-max-mb <mb>", "start a new capture file past this size (FILE.1.pcapng, ...)", "100")
    .option("--capture-keep <n>", "older capture files kept besides the current one", "2")
    .addHelpText("after", EXAMPLES)
    // `status --control PATH` is the subcommand's own --control, not the agent's.
    .enablePositionalOptions()
    .showHelpAfterError("(run 'wifi-tunnel --help' for usage)")
    .exitOverride()
    .action(async (options: AgentFlags & { config?: string }, command: Command) => {
      const { config, source } = await configOf(options, command);
      const { runAgent } = await import("./run.js");
      process.exitCode = await runAgent(config, { version, ...(source ? { reload: source } : {}) });
    });

  const doctor = program
    .command("doctor")
    .description(
      "preflight for an agent with the same flags or --config: kernel, hwsim, privileges, UDP port, MTU, peers (HELLO, key), MAC collisions, regulatory domain; exit 0 only if all pass",
    );
  // The agent's own flags, after `doctor` (options are positional: see enablePositionalOptions).
  for (const option of program.options) if (option.long !== "--version") doctor.addOption(option);
  doctor.action(async (options: AgentFlags & { config?: string }, command: Command) => {
    const { config } = await configOf(options, command);
    const { doctorCommand } = await import("./doctor-command.js");
    // `wifi-tunnel doctor | head` closes the pipe early: the exit status still tells.
    process.stdout.on("error", () => {});
    process.exitCode = await doctorCommand(config, (line) => process.stdout.write(`${line}\n`));
  });

  program
    .command("inspect")
    .description(
      "print one line per 802.11 frame of a pcap/pcapng capture (radiotap or plain 802.11) and a summary",
    )
    .argument("<file>", "capture file")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, options: { json: boolean }) => {
      const { runInspect } = await import("../inspect/command.js");
      process.exitCode = await runInspect(file, { json: options.json }, process.stdout, process.stderr);
    });

  program
    .command("status")
    .description(
      "show a running agent's node, peers, radios, remote transmitters and counters (like wg show)",
    )
    .option("--json", "machine-readable output (docs/control.md)", false)
    .option("--control <path>", "the agent's control socket", DEFAULT_CONTROL_PATH)
    .action(async (options: { json: boolean; control: string }) => {
      const { runStatus } = await import("./status.js");
      process.exitCode = await runStatus(options, process.stdout, process.stderr);
    });

  program
    .command("set")
    .description(
      "change a running agent: set peer NAME signal DBM loss PERCENT% (the link model; NAME as status shows it)",
    )
    .argument("<object>", "what to change: peer")
    .argument("<name>", "which one: a peer's HOST:PORT, Name or node name")
    .argument("<settings...>", "KEY VALUE pairs: signal -72 (dBm, or default), loss 5%")
    .option("--control <path>", "the agent's control socket", DEFAULT_CONTROL_PATH)
    // `signal -72`: a negative value is a value, not an option.
    .allowUnknownOption()
    .action(async (object: string, name: string, settings: string[], options: { control: string }) => {
      const { runSet } = await import("./set.js");
      process.exitCode = await runSet(
        [object, name, ...settings],
        options.control,
        process.stdout,
        process.stderr,
      );
    });

  program
    .command("capture")
    .description("stream the frames a running agent handles, live, as radiotap pcapng (Wireshark, tshark)")
    .option("-w <file>", "write to this file; '-' for standard output", "-")
    .option("--control <path>", "the agent's control socket", DEFAULT_CONTROL_PATH)
    .action(async (options: { w: string; control: string }) => {
      const { runCapture } = await import("./capture.js");
      process.exitCode = await runCapture({ output: options.w, control: options.control }, process.stderr);
    });

  program
    .command("genkey")
    .description("print a new random pre-shared key for --key-file")
    .action(async () => {
      const { generatePresharedKey } = await import("../tunnel/psk.js");
      process.stdout.write(`${generatePresharedKey().trimEnd()}\n`);
    });

  return program;
}
