// `wifi-tunnel doctor`: the preflight of an agent with the same flags (or --config file). One
// line per check, "ok", "warn" or "FAIL", each failure with what to do in one sentence; exit 0
// only if nothing failed. Run it before the agent (it binds the agent's UDP port and speaks from
// it, which is how peers recognise this machine).

import { formatMac, type MacAddress, parseMac } from "../ieee80211/mac.js";
import type { SystemProbe } from "../os/system/probe.js";
import { raiseCapsCommand } from "../os/system/socket-buffers.js";
import { SOCKET_BUFFER_BYTES, TunnelSocket, type UdpEndpoint } from "../os/udp/tunnel-socket.js";
import { MAX_DATAGRAM_LENGTH, MAX_FRAME_BYTES } from "../tunnel/constants.js";
import type { AgentConfig } from "./config.js";
import { PEER_WAIT_MS, type PeerAnswer, peerKey, probePeers } from "./doctor-peers.js";
import { hwsimProblem } from "./hwsim-prerequisite.js";

export type Verdict = "ok" | "warn" | "FAIL" | "skip";

export interface DoctorOptions {
  readonly system: SystemProbe;
  readonly psk: Buffer | null;
  /** Where each configured peer resolved to, in order (null: it did not resolve). */
  readonly peers: readonly (UdpEndpoint | null)[];
  readonly write: (line: string) => void;
  readonly peerWaitMs?: number;
  /** The pre-shared key's fingerprint, for the peer lines. */
  readonly fingerprint?: (psk: Buffer) => string;
}

const CAP_NET_ADMIN = 12n;
const CAP_NET_RAW = 13n;
/** IPv4 + UDP headers around a tunnel datagram. */
const IP_UDP_OVERHEAD = 28;
/** Below IPv6's minimum link MTU something is wrong with the link, not with our datagrams. */
const MIN_SANE_MTU = 1280;

export async function runDoctor(config: AgentConfig, options: DoctorOptions): Promise<number> {
  const { system, write } = options;
  let failed = 0;
  let skipped = 0;
  const line = (verdict: Verdict, text: string): void => {
    if (verdict === "FAIL") failed++;
    if (verdict === "skip") skipped++;
    write(`${verdict.padEnd(4)}  ${text}`);
  };
  const hwsim = config.iface;

  // 1-2. The kernel's Wi-Fi stack, hwsim and the capture interface.
  let kernelOk = true;
  if (hwsim === null) {
    line("ok", "kernel: not needed (--iface none: no hwsim path)");
  } else {
    const release = system.kernelRelease();
    const problem = hwsimProblem(system, hwsim);
    const has = (name: string): boolean => system.moduleLoaded(name) || system.moduleAvailable(name);
    kernelOk = has("cfg80211") && has("mac80211_hwsim");
    if (!kernelOk) line("FAIL", `kernel: ${problem}`);
    else line("ok", `kernel: ${release} has cfg80211 and mac80211_hwsim`);
    if (!kernelOk) {
      line(
        "skip",
        `hwsim: mac80211_hwsim cannot be loaded on this kernel (see kernel), so there is no ${hwsim}`,
      );
    } else if (problem !== null) {
      line("FAIL", `hwsim: ${problem}`);
    } else {
      const radios = system.radioInterfaces().filter((radio) => !radio.monitor);
      line(
        "ok",
        `hwsim: mac80211_hwsim loaded, ${hwsim} present, radio interfaces: ${radios.map((r) => r.ifname).join(", ") || "none"}`,
      );
    }
  }

  // 3. Privileges.
  if (hwsim === null) {
    line("ok", "privileges: none needed (--iface none)");
  } else {
    const uid = system.effectiveUid();
    const caps = system.effectiveCapabilities();
    const hasCap = (bit: bigint): boolean => caps !== null && ((caps >> bit) & 1n) === 1n;
    if (hasCap(CAP_NET_ADMIN) && hasCap(CAP_NET_RAW)) {
      line("ok", `privileges: ${uid === 0 ? "root" : `uid ${uid}`} with CAP_NET_ADMIN and CAP_NET_RAW`);
    } else {
      const missing = [hasCap(CAP_NET_ADMIN) ? "" : "CAP_NET_ADMIN", hasCap(CAP_NET_RAW) ? "" : "CAP_NET_RAW"]
        .filter(Boolean)
        .join(" and ");
      line(
        "FAIL",
        `privileges: uid ${uid} lacks ${missing} (radios and links need CAP_NET_ADMIN, capture and injection CAP_NET_RAW): run it as root, or as the systemd unit (AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)`,
      );
    }
  }

  // 3b. The kernel's caps on the tunnel socket's buffers (src/os/system/socket-buffers.ts says why).
  if (hwsim !== null) {
    const limits = system.socketBufferLimits();
    if (limits === null) {
      line("warn", "socket buffers: cannot read net.core.rmem_max and wmem_max in /proc/sys/net/core");
    } else if (limits.rmemMax >= SOCKET_BUFFER_BYTES && limits.wmemMax >= SOCKET_BUFFER_BYTES) {
      line(
        "ok",
        `socket buffers: net.core.rmem_max ${limits.rmemMax} and wmem_max ${limits.wmemMax} allow the tunnel socket's ${SOCKET_BUFFER_BYTES}`,
      );
    } else {
      const caps = `net.core.rmem_max ${limits.rmemMax} and wmem_max ${limits.wmemMax} cap the tunnel socket's ${SOCKET_BUFFER_BYTES}-byte buffers`;
      if (system.effectiveUid() === 0)
        line(
          "ok",
          `socket buffers: ${caps}; the agent raises both to ${SOCKET_BUFFER_BYTES} when it starts (as root)`,
        );
      else
        line(
          "warn",
          `socket buffers: ${caps}, and the agent cannot raise them without root: a full buffer drops datagrams under load; raise them (${raiseCapsCommand(SOCKET_BUFFER_BYTES)})`,
        );
    }
  }

  // 4. The UDP port; the socket then carries the peer check.
  const listen = { address: config.listen.host, port: config.listen.port };
  const listenText = `${listen.address}:${listen.port}`;
  let handler: (datagram: Buffer, from: UdpEndpoint) => void = () => {};
  let socket: TunnelSocket | null = null;
  try {
    socket = await TunnelSocket.bind(
      listen,
      (datagram, from) => handler(datagram, from),
      () => {},
    );
    line("ok", `UDP: ${listenText} is free`);
  } catch {
    line(
      "FAIL",
      `UDP: ${listenText} is in use (an agent already running? ss -ulpn 'sport = :${listen.port}'): stop it (systemctl stop wifi-tunnel) before running doctor, or choose another --listen port`,
    );
  }

  // 5. The MTU of the links to the peers.
  const resolved = config.peers.map((peer, index) => ({ peer, endpoint: options.peers[index] ?? null }));
  const largest = MAX_DATAGRAM_LENGTH + IP_UDP_OVERHEAD;
  if (resolved.length === 0) line("ok", "MTU: no peers configured");
  for (const { peer, endpoint } of resolved) {
    const name = `${peer.host}:${peer.port}`;
    if (endpoint === null) {
      line("FAIL", `MTU: ${name} does not resolve: give an IP address or a name this machine can resolve`);
      continue;
    }
    const device = await system.routeDevice(endpoint.address);
    const mtu = device === null ? null : system.interfaceMtu(device);
    if (device === null || mtu === null) {
      line(
        "FAIL",
        `MTU: no route to ${name}: check the address and this machine's routes (ip route get ${endpoint.address})`,
      );
    } else if (mtu < MIN_SANE_MTU) {
      line(
        "FAIL",
        `MTU: ${name} goes through ${device} with MTU ${mtu}: below ${MIN_SANE_MTU} full-size frames need ${Math.ceil(largest / (mtu - 20))} IP fragments each; raise it (ip link set ${device} mtu 1500)`,
      );
    } else if (mtu < largest) {
      line(
        "ok",
        `MTU: ${name} via ${device}, MTU ${mtu}: datagrams of frames over ${mtu - IP_UDP_OVERHEAD - (MAX_DATAGRAM_LENGTH - MAX_FRAME_BYTES)} bytes travel as IP fragments (fine on QEMU and LAN links; if something between drops fragments, big frames are lost: raise both ends to ${largest})`,
      );
    } else {
      line(
        "ok",
        `MTU: ${name} via ${device}, MTU ${mtu}: no datagram (at most ${largest} bytes) is fragmented`,
      );
    }
  }

  // 6-7. Peers answer a HELLO with the same key, and their radios' addresses differ from ours.
  const local = system.radioInterfaces().filter((radio) => !radio.monitor);
  const localMacs: { ifname: string; mac: MacAddress }[] = [];
  for (const radio of local) {
    const mac = parseMac(radio.mac);
    if (mac.ok) localMacs.push({ ifname: radio.ifname, mac: mac.value });
  }
  let answers = new Map<string, PeerAnswer>();
  if (socket !== null) {
    const bound = socket;
    answers = await probePeers({
      transport: bound,
      onDatagram: (h) => {
        handler = h;
      },
      peers: resolved.flatMap(({ endpoint }) => (endpoint === null ? [] : [endpoint])),
      psk: options.psk,
      nodeName: config.nodeName,
      radioMacs: localMacs.map((radio) => radio.mac),
      ...(options.peerWaitMs !== undefined ? { waitMs: options.peerWaitMs } : {}),
    });
    await bound.close();
  }
  const keyText =
    options.psk === null
      ? "no key"
      : `the same key${options.fingerprint ? ` (fingerprint ${options.fingerprint(options.psk)})` : ""}`;
  if (resolved.length === 0) line("ok", "peers: none configured (add --peer or a [Peer] section)");
  for (const { peer, endpoint } of resolved) {
    const name = `${peer.host}:${peer.port}`;
    if (endpoint === null) {
      line("skip", `peer ${name}: does not resolve (see MTU)`);
      continue;
    }
    if (socket === null) {
      line("skip", `peer ${name}: not asked, the UDP port is in use (see UDP)`);
      continue;
    }
    const answer = answers.get(peerKey(endpoint)) ?? { kind: "silent" };
    const waited = ((options.peerWaitMs ?? PEER_WAIT_MS) / 1000).toFixed(1);
    switch (answer.kind) {
      case "hello":
        line("ok", `peer ${name}: answers HELLO (node ${answer.nodeName || "unnamed"}), ${keyText}`);
        break;
      case "silent":
        line(
          "FAIL",
          `peer ${name}: no HELLO in ${waited} s: start its agent, make sure it lists this machine (${listen.port === 8211 ? "its address" : `port ${listen.port}`}) as a peer, and that UDP ${peer.port} is open both ways`,
        );
        break;
      case "wrong-key":
        line(
          "FAIL",
          `peer ${name}: its HELLO does not open with this key${options.psk && options.fingerprint ? ` (fingerprint ${options.fingerprint(options.psk)})` : ""}: copy the same --key-file to every agent`,
        );
        break;
      case "peer-has-no-key":
        line(
          "FAIL",
          `peer ${name}: runs without a key while this one has one: give every agent the same --key-file, or none`,
        );
        break;
      case "peer-has-a-key":
        line(
          "FAIL",
          `peer ${name}: runs with a key while this one has none: give this agent the same --key-file`,
        );
        break;
      case "not-an-agent":
        line(
          "FAIL",
          `peer ${name}: answers, but not as a wifi-tunnel agent (${answer.detail}): check the port`,
        );
        break;
    }
  }

  // MAC collisions: a peer's radios (from its HELLO) against ours.
  const heard = [...answers.entries()].flatMap(([key, answer]) =>
    answer.kind === "hello" ? [{ key, name: answer.nodeName, macs: answer.radioMacs }] : [],
  );
  if (hwsim === null) {
    line("ok", "MAC addresses: no local radios (--iface none)");
  } else if (heard.length === 0) {
    line(
      resolved.length === 0 ? "ok" : "skip",
      `MAC addresses: ${resolved.length === 0 ? "no peers to compare with" : "no peer answered, nothing to compare with"}`,
    );
  } else {
    const clashes: string[] = [];
    for (const peer of heard) {
      for (const radio of localMacs)
        if (peer.macs.includes(radio.mac))
          clashes.push(`${radio.ifname} ${formatMac(radio.mac)} (also ${peer.name || peer.key})`);
    }
    if (clashes.length === 0) {
      line(
        "ok",
        `MAC addresses: ours (${localMacs.map((r) => formatMac(r.mac)).join(", ") || "none"}) differ from the peers' radios`,
      );
    } else if (config.uniqueMacs) {
      line(
        "ok",
        `MAC addresses: ${clashes.join(", ")} collide today; --unique-macs gives them addresses of this machine's own at start (while they are down)`,
      );
    } else {
      line(
        "FAIL",
        `MAC addresses: ${clashes.join(", ")}: equal addresses never reach each other; start the agents with --unique-macs (UniqueMacs = yes), or set one with ip link set DEV address 02:...`,
      );
    }
  }

  // 8. The regulatory domain, for 5 GHz.
  if (hwsim === null) {
    line("ok", "regulatory domain: not needed (--iface none)");
  } else if (!kernelOk || !system.moduleLoaded("cfg80211")) {
    line("skip", "regulatory domain: no cfg80211 loaded (see kernel)");
  } else {
    const country = await system.regulatoryCountry();
    if (country === null) {
      line("warn", "regulatory domain: iw reg get failed (install iw to see it); 5 GHz may be unusable");
    } else if (country === "00") {
      line(
        "warn",
        "regulatory domain: 00 (world): 2.4 GHz works, but 5 GHz channels are passive-only, so no AP starts there; for 5 GHz set a country: iw reg set DE (needs wireless-regdb)",
      );
    } else {
      line("ok", `regulatory domain: ${country}: 5 GHz channels are usable where ${country} allows them`);
    }
  }

  write(
    failed + skipped === 0
      ? "doctor: all checks passed"
      : `doctor: ${failed} check(s) failed${skipped > 0 ? `, ${skipped} could not run` : ""}`,
  );
  return failed + skipped === 0 ? 0 : 1;
}
