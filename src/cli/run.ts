// Runs the agent for the command line: turns an AgentConfig into real media, a UDP socket and
// peers, checks every prerequisite with one actionable sentence, and handles signals:
// SIGINT/SIGTERM stop cleanly (exit 0), SIGUSR1 logs the counters.

import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { Agent } from "../agent/agent.js";
import { HWSIM_CAPTURE_FILTER, HwsimMedium } from "../agent/hwsim-medium.js";
import { KernelRadios } from "../agent/kernel-radios.js";
import { uniqueMacFor } from "../agent/unique-macs.js";
import { hubIdFromTermid } from "../airport/constants.js";
import { AirportHubPort } from "../airport/hub-client.js";
import { AirportHubServer } from "../airport/hub-server.js";
import { formatMac, type MacAddress, readMac } from "../ieee80211/mac.js";
import { createLogger, type Logger } from "../log.js";
import type { LocalMedium } from "../medium/medium.js";
import { WirelessControl } from "../os/netlink/nl80211.js";
import { LiveCapture, routeLibpcapWarnings } from "../os/pcap/live.js";
import type { UdpEndpoint } from "../os/udp/tunnel-socket.js";
import { parsePresharedKey } from "../tunnel/psk.js";
import type { AgentConfig } from "./config.js";

/** Exit codes: 0 clean stop, 1 a prerequisite is missing or the agent failed, 2 usage. */
export const EXIT_FAILURE = 1;
/** SIGTERM must end the agent within 2 s; stopping takes far less, this is the backstop. */
const STOP_DEADLINE_MS = 1500;

class PrerequisiteError extends Error {}

function readKey(path: string): Buffer {
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

async function resolvePeers(config: AgentConfig): Promise<UdpEndpoint[]> {
  const endpoints: UdpEndpoint[] = [];
  for (const peer of config.peers) {
    try {
      const { address } = await lookup(peer.host);
      endpoints.push({ address, port: peer.port });
    } catch {
      throw new PrerequisiteError(
        `cannot resolve --peer ${peer.host}: give an IP address or a name this machine can resolve`,
      );
    }
  }
  return endpoints;
}

/**
 * Random per run: cloned VMs share /etc/machine-id and often the hostname, so nothing derived from
 * them tells two agents apart (measured: two lab VMs got the same id).
 */
function newNodeId(): number {
  return randomBytes(4).readUInt32BE(0);
}

async function hwsimMedium(
  config: AgentConfig,
  iface: string,
  log: Logger,
): Promise<{ medium: HwsimMedium; radioMacs: () => MacAddress[] }> {
  const control = await WirelessControl.open();
  try {
    const ifindex = await control.linkIndex(iface);
    if (ifindex === null) {
      throw new PrerequisiteError(
        `there is no interface ${iface}: load the driver with 'modprobe mac80211_hwsim radios=1' (it creates hwsim0), or pass --iface`,
      );
    }
    // hwsim0 starts down and libpcap refuses a down interface.
    await control.setLinkUp(ifindex);
    if (config.uniqueMacs) await makeMacsUnique(control, log);
  } finally {
    control.close();
  }
  let backend: KernelRadios;
  try {
    backend = await KernelRadios.open(config.injectPhy);
  } catch (error) {
    throw new PrerequisiteError(error instanceof Error ? error.message : String(error));
  }
  const medium = new HwsimMedium({
    captureIface: iface,
    source: new LiveCapture({ iface, filter: HWSIM_CAPTURE_FILTER }),
    backend,
    log,
  });
  return { medium, radioMacs: () => medium.guestMacs() };
}

/** --unique-macs: give each local radio interface an address derived from the machine identity. */
async function makeMacsUnique(control: WirelessControl, log: Logger): Promise<void> {
  for (const iface of await control.interfaces()) {
    if (iface.iftype === "MONITOR") continue;
    const wanted = uniqueMacFor(iface.ifname);
    if (iface.mac.equals(wanted)) continue;
    if (await control.linkIsUp(iface.ifindex)) {
      log.warn(
        `--unique-macs: ${iface.ifname} is up, its address stays ${formatMac(readMac(iface.mac, 0))}; start the agent before hostapd/wpa_supplicant bring it up`,
      );
      continue;
    }
    await control.setLinkAddress(iface.ifindex, wanted);
    log.info(`--unique-macs: ${iface.ifname} now uses ${formatMac(readMac(wanted, 0))}`);
  }
}

function airportMedium(config: NonNullable<AgentConfig["airport"]>, log: Logger): LocalMedium {
  const options = {
    hubId: hubIdFromTermid(config.hub),
    socketPath: config.socketPath,
    radio: { freqMhz: config.freqMhz, signalDbm: config.signalDbm, rate500kbps: config.rate500kbps },
    log,
  };
  return config.mode === "listen" ? new AirportHubServer(options) : new AirportHubPort(options);
}

function mediaCounters(media: readonly LocalMedium[]): Map<string, Record<string, number>> {
  return new Map(media.map((medium) => [medium.name, medium.counters()]));
}

export async function runAgent(config: AgentConfig): Promise<number> {
  const log = createLogger({ level: config.logLevel });
  // libpcap's warnings (e.g. "no IPv4 address assigned" on monitor interfaces) are noise here.
  routeLibpcapWarnings((text) => log.debug(`libpcap: ${text}`));
  const media: LocalMedium[] = [];
  let agent: Agent | null = null;
  try {
    const psk = config.keyFile ? readKey(config.keyFile) : null;
    const peers = await resolvePeers(config);
    let radioMacs: () => MacAddress[] = () => [];
    if (config.iface !== null) {
      const hwsim = await hwsimMedium(config, config.iface, log);
      media.push(hwsim.medium);
      radioMacs = hwsim.radioMacs;
    }
    if (config.airport) media.push(airportMedium(config.airport, log));
    agent = new Agent({
      nodeId: newNodeId(),
      nodeName: config.nodeName,
      psk,
      listen: { address: config.listen.host, port: config.listen.port },
      peers,
      media,
      localRadioMacs: radioMacs,
      log,
    });
    await agent.start();
  } catch (error) {
    await agent?.stop().catch(() => {});
    for (const medium of media) await medium.close().catch(() => {});
    log.error(error instanceof Error ? error.message : String(error));
    return EXIT_FAILURE;
  }

  const running = agent;
  const report = (why: string): void => {
    log.info(`counters (${why}):`);
    for (const line of running.report(mediaCounters(media))) log.info(`  ${line}`);
  };
  process.on("SIGUSR1", () => report("SIGUSR1"));
  const statsTimer =
    config.statsIntervalSeconds > 0
      ? setInterval(() => report("periodic"), config.statsIntervalSeconds * 1000)
      : null;

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  if (statsTimer) clearInterval(statsTimer);
  log.info(`${signal}: stopping`);
  const deadline = setTimeout(() => {
    log.error(
      "stopping took too long; exiting anyway (the kernel removes our radios with our netlink socket)",
    );
    process.exit(EXIT_FAILURE);
  }, STOP_DEADLINE_MS);
  await running.stop();
  clearTimeout(deadline);
  report("exit");
  // libpcap's poll handle keeps the loop alive until one more packet arrives after close().
  process.exit(0);
}
