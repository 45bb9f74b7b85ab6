// wifi-tunnel doctor. The system checks run against a fake system (src/os/doubles/fake-system.ts);
// the peer checks against real agents (Agent, in process) over real UDP on loopback: the same key,
// another key, no key, a silent peer, and a peer whose radios have our address. Then the real
// CLI on this host, whose kernel has no Wi-Fi stack (or, if it has hwsim loaded, with an
// interface that does not exist): it fails with the sentence that says what to do.

import { existsSync } from "node:fs";
import { release } from "node:os";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { freeUdpPort } from "../../lab/vm.js";
import { Agent } from "../../src/agent/agent.js";
import type { AgentConfig } from "../../src/cli/config.js";
import { runDoctor } from "../../src/cli/doctor.js";
import type { MacAddress } from "../../src/ieee80211/mac.js";
import { createLogger } from "../../src/log.js";
import { type FakeSystem, fakeSystem } from "../../src/os/doubles/fake-system.js";
import { AgentProcess, buildScratchBundle } from "./agent-process.js";

const quiet = createLogger({ level: "error", write: () => {} });
const KEY = Buffer.alloc(32, 0x11);
const OTHER_KEY = Buffer.alloc(32, 0x22);
const OUR_MAC: MacAddress = 0x0200_0000_0000;
const THEIR_MAC: MacAddress = 0x0200_0000_0100;

const READY: FakeSystem = {
  loaded: ["cfg80211", "mac80211", "mac80211_hwsim"],
  interfaces: { hwsim0: 1500, lo: 65536, eth0: 1500 },
  radios: [{ ifname: "wlan0", mac: "02:00:00:00:00:00", monitor: false, up: false }],
  routes: { "127.0.0.1": "lo" },
  country: "DE",
};

function config(port: number, peers: number[], extra: Partial<AgentConfig> = {}): AgentConfig {
  return {
    peers: peers.map((p) => ({ host: "127.0.0.1", port: p })),
    listen: { host: "127.0.0.1", port },
    iface: "hwsim0",
    medium: "monitor",
    keyFile: null,
    injectPhy: null,
    uniqueMacs: false,
    nodeName: "doc",
    logLevel: "info",
    statsIntervalSeconds: 0,
    airport: null,
    control: null,
    capture: null,
    metrics: null,
    ...extra,
  };
}

const agents: Agent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.stop();
});

/** A running peer agent on `port` that lists the doctor's port as its peer. */
async function peerAgent(port: number, doctorPort: number, psk: Buffer | null, macs: MacAddress[] = []) {
  const agent = new Agent({
    nodeId: port,
    nodeName: `peer${port}`,
    psk,
    listen: { address: "127.0.0.1", port },
    peers: [{ address: "127.0.0.1", port: doctorPort }],
    media: [],
    localRadioMacs: () => macs,
    log: quiet,
    keepaliveMs: 200,
  });
  await agent.start();
  agents.push(agent);
}

async function doctor(
  system: FakeSystem,
  agentConfig: AgentConfig,
  psk: Buffer | null = null,
): Promise<{ status: number; lines: string[] }> {
  const lines: string[] = [];
  const status = await runDoctor(agentConfig, {
    system: fakeSystem(system),
    psk,
    peers: agentConfig.peers.map((peer) => ({ address: peer.host, port: peer.port })),
    write: (line) => lines.push(line),
    peerWaitMs: 3000,
    fingerprint: () => "0123456789abcdef",
  });
  return { status, lines };
}

const lineOf = (lines: string[], check: string): string =>
  lines.find((line) => line.slice(6).startsWith(check)) ?? `(no ${check} line)`;

describe("doctor: the system checks", () => {
  it.each<[string, FakeSystem, string, string]>([
    [
      "a kernel without Wi-Fi",
      { ...READY, loaded: [], available: [] },
      "kernel",
      "FAIL  kernel: this kernel (6.1.0-test) has no Wi-Fi stack (cfg80211): run the agent in a VM whose kernel has mac80211_hwsim (Debian's linux-image-amd64 does), or --iface none for a host-side airport agent",
    ],
    [
      "a kernel without hwsim",
      { ...READY, loaded: ["cfg80211"], available: ["cfg80211"] },
      "kernel",
      "FAIL  kernel: this kernel (6.1.0-test) has no mac80211_hwsim: install its modules (Debian's linux-image-amd64 has it) and modprobe mac80211_hwsim radios=1, or --iface none for a host-side airport agent",
    ],
    [
      "hwsim not loaded",
      {
        ...READY,
        loaded: ["cfg80211"],
        available: ["cfg80211", "mac80211_hwsim"],
        interfaces: { lo: 65536 },
      },
      "hwsim",
      "FAIL  hwsim: mac80211_hwsim is not loaded: modprobe mac80211_hwsim radios=1, or --iface none for a host-side airport agent",
    ],
    [
      "no hwsim0",
      { ...READY, interfaces: { lo: 65536 } },
      "hwsim",
      "FAIL  hwsim: mac80211_hwsim is loaded but there is no interface hwsim0: pass --iface with hwsim's monitor interface (see ip link), or reload the driver (modprobe -r mac80211_hwsim && modprobe mac80211_hwsim radios=1)",
    ],
    [
      "no capabilities",
      { ...READY, uid: 1000, capabilities: 0n },
      "privileges",
      "FAIL  privileges: uid 1000 lacks CAP_NET_ADMIN and CAP_NET_RAW (radios and links need CAP_NET_ADMIN, capture and injection CAP_NET_RAW): run it as root, or as the systemd unit (AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)",
    ],
    [
      "CAP_NET_RAW only",
      { ...READY, uid: 1000, capabilities: 1n << 13n },
      "privileges",
      "FAIL  privileges: uid 1000 lacks CAP_NET_ADMIN (",
    ],
    [
      "both capabilities",
      { ...READY, uid: 1000, capabilities: 3n << 12n },
      "privileges",
      "ok    privileges: uid 1000 with CAP_NET_ADMIN and CAP_NET_RAW",
    ],
    [
      "a link of MTU 1000",
      { ...READY, routes: { "127.0.0.1": "eth0" }, interfaces: { ...READY.interfaces, eth0: 1000 } },
      "MTU",
      "FAIL  MTU: 127.0.0.1:",
    ],
    ["Ethernet's 1500", { ...READY, routes: { "127.0.0.1": "eth0" } }, "MTU", "ok    MTU: 127.0.0.1:"],
    ["no route", { ...READY, routes: {} }, "MTU", "FAIL  MTU: no route to 127.0.0.1:"],
    [
      "the world regulatory domain",
      { ...READY, country: "00" },
      "regulatory domain",
      "warn  regulatory domain: 00 (world): 2.4 GHz works, but 5 GHz channels are passive-only, so no AP starts there; for 5 GHz set a country: iw reg set DE (needs wireless-regdb)",
    ],
    ["a country", READY, "regulatory domain", "ok    regulatory domain: DE:"],
    [
      "socket buffer caps that allow 4 MiB",
      READY,
      "socket buffers",
      "ok    socket buffers: net.core.rmem_max 4194304 and wmem_max 4194304 allow the tunnel socket's 4194304",
    ],
    [
      "Debian's socket buffer caps, as root",
      { ...READY, bufferLimits: { rmemMax: 212992, wmemMax: 212992 } },
      "socket buffers",
      "ok    socket buffers: net.core.rmem_max 212992 and wmem_max 212992 cap the tunnel socket's 4194304-byte buffers; the agent raises both to 4194304 when it starts (as root)",
    ],
    [
      "Debian's socket buffer caps, not root",
      { ...READY, uid: 1000, capabilities: 3n << 12n, bufferLimits: { rmemMax: 212992, wmemMax: 4194304 } },
      "socket buffers",
      "warn  socket buffers: net.core.rmem_max 212992 and wmem_max 4194304 cap the tunnel socket's 4194304-byte buffers, and the agent cannot raise them without root: a full buffer drops datagrams under load; raise them (sysctl -w net.core.rmem_max=4194304 net.core.wmem_max=4194304)",
    ],
    [
      "no /proc/sys",
      { ...READY, bufferLimits: null },
      "socket buffers",
      "warn  socket buffers: cannot read net.core.rmem_max and wmem_max in /proc/sys/net/core",
    ],
  ])("%s", async (_, system, check, expected) => {
    const port = await freeUdpPort();
    const peerPort = await freeUdpPort();
    await peerAgent(peerPort, port, null);
    const { status, lines } = await doctor(system, config(port, [peerPort]));
    expect(lineOf(lines, check).startsWith(expected), lines.join("\n")).toBe(true);
    expect(status).toBe(expected.startsWith("FAIL") ? 1 : lines.some((l) => /^(FAIL|skip)/.test(l)) ? 1 : 0);
  });

  it("MTU 1500 says which frames travel as IP fragments", async () => {
    const port = await freeUdpPort();
    const { lines } = await doctor({ ...READY, routes: { "127.0.0.1": "eth0" } }, config(port, [9]));
    expect(lineOf(lines, "MTU")).toContain(
      "MTU 1500: datagrams of frames over 1426 bytes travel as IP fragments",
    );
  });

  it("passes with everything in place: exit 0 and the last line says so", async () => {
    const [port, peerPort] = [await freeUdpPort(), await freeUdpPort()];
    await peerAgent(peerPort, port, null);
    const { status, lines } = await doctor(READY, config(port, [peerPort]));
    expect(
      lines.filter((line) => !line.startsWith("ok")),
      lines.join("\n"),
    ).toEqual(["doctor: all checks passed"]);
    expect(status).toBe(0);
    expect(lines).toHaveLength(10);
  });

  it("--iface none needs no kernel, privileges or radios", async () => {
    const [port, peerPort] = [await freeUdpPort(), await freeUdpPort()];
    await peerAgent(peerPort, port, null);
    const { status, lines } = await doctor(
      { loaded: [], uid: 1000, capabilities: 0n, routes: { "127.0.0.1": "lo" }, interfaces: { lo: 65536 } },
      config(port, [peerPort], { iface: null }),
    );
    expect(
      lines.filter((line) => !line.startsWith("ok")),
      lines.join("\n"),
    ).toEqual(["doctor: all checks passed"]);
    expect(status).toBe(0);
  });

  it("a UDP port in use fails, and the peers cannot be asked", async () => {
    const [port, peerPort] = [await freeUdpPort(), await freeUdpPort()];
    await peerAgent(port, 9, null); // holds the port the doctor wants
    const { status, lines } = await doctor(READY, config(port, [peerPort]));
    expect(lineOf(lines, "UDP")).toMatch(
      /^FAIL {2}UDP: 127\.0\.0\.1:\d+ is in use \(an agent already running\?/,
    );
    expect(lineOf(lines, "peer")).toMatch(
      /^skip {2}peer 127\.0\.0\.1:\d+: not asked, the UDP port is in use/,
    );
    expect(status).toBe(1);
  });
});

describe("doctor: the peers answer a HELLO with the same key", () => {
  let port: number;
  let peerPort: number;
  beforeAll(async () => {
    [port, peerPort] = [await freeUdpPort(), await freeUdpPort()];
  });

  it("the same key: ok, with the key's fingerprint", async () => {
    await peerAgent(peerPort, port, KEY);
    const { status, lines } = await doctor(READY, config(port, [peerPort]), KEY);
    expect(lineOf(lines, "peer")).toBe(
      `ok    peer 127.0.0.1:${peerPort}: answers HELLO (node peer${peerPort}), the same key (fingerprint 0123456789abcdef)`,
    );
    expect(status).toBe(0);
  });

  it.each<[string, Buffer | null, Buffer | null, string]>([
    [
      "another key",
      OTHER_KEY,
      KEY,
      "its HELLO does not open with this key (fingerprint 0123456789abcdef): copy the same --key-file to every agent",
    ],
    [
      "the peer has no key",
      null,
      KEY,
      "runs without a key while this one has one: give every agent the same --key-file, or none",
    ],
    [
      "the peer has a key, we none",
      KEY,
      null,
      "runs with a key while this one has none: give this agent the same --key-file",
    ],
  ])("%s: FAIL with what to do", async (_, theirs, ours, expected) => {
    await peerAgent(peerPort, port, theirs);
    const { status, lines } = await doctor(READY, config(port, [peerPort]), ours);
    expect(lineOf(lines, "peer")).toBe(`FAIL  peer 127.0.0.1:${peerPort}: ${expected}`);
    expect(status).toBe(1);
  });

  it("a silent peer: FAIL after the wait", async () => {
    const { status, lines } = await doctor(READY, config(port, [peerPort]));
    expect(lineOf(lines, "peer")).toBe(
      `FAIL  peer 127.0.0.1:${peerPort}: no HELLO in 3.0 s: start its agent, make sure it lists this machine (port ${port}) as a peer, and that UDP ${peerPort} is open both ways`,
    );
    expect(lineOf(lines, "MAC addresses")).toBe(
      "skip  MAC addresses: no peer answered, nothing to compare with",
    );
    expect(status).toBe(1);
  });

  it("a peer whose radio has our address: FAIL naming both, unless --unique-macs", async () => {
    await peerAgent(peerPort, port, null, [THEIR_MAC, OUR_MAC]);
    const clash = await doctor(READY, config(port, [peerPort]));
    expect(lineOf(clash.lines, "MAC addresses")).toBe(
      `FAIL  MAC addresses: wlan0 02:00:00:00:00:00 (also peer${peerPort}): equal addresses never reach each other; start the agents with --unique-macs (UniqueMacs = yes), or set one with ip link set DEV address 02:...`,
    );
    expect(clash.status).toBe(1);
    const unique = await doctor(READY, config(port, [peerPort], { uniqueMacs: true }));
    expect(lineOf(unique.lines, "MAC addresses")).toMatch(
      /^ok {4}MAC addresses: wlan0 02:00:00:00:00:00 .* collide today; --unique-macs/,
    );
    expect(unique.status).toBe(0);
  });

  it("a peer with other addresses: ok", async () => {
    await peerAgent(peerPort, port, null, [THEIR_MAC]);
    const { lines } = await doctor(READY, config(port, [peerPort]));
    expect(lineOf(lines, "MAC addresses")).toBe(
      "ok    MAC addresses: ours (02:00:00:00:00:00) differ from the peers' radios",
    );
  });
});

describe("doctor and the agent on this host, for real", () => {
  // This machine's kernel may have no Wi-Fi stack at all (the lab's host does not), or have
  // hwsim loaded; either way the hwsim path cannot start, and both say why in one sentence.
  const hwsimLoaded = existsSync("/sys/module/mac80211_hwsim");
  const iface = hwsimLoaded ? "wtdoctor0" : "hwsim0";
  const expected = hwsimLoaded
    ? `mac80211_hwsim is loaded but there is no interface ${iface}: pass --iface`
    : existsSync("/sys/module/cfg80211")
      ? `this kernel (${release()}) has no mac80211_hwsim`
      : `this kernel (${release()}) has no Wi-Fi stack (cfg80211): run the agent in a VM whose kernel has mac80211_hwsim (Debian's linux-image-amd64 does), or --iface none for a host-side airport agent`;
  let bundle: string;
  let remove: () => void = () => {};
  beforeAll(async () => {
    ({ bundle, remove } = await buildScratchBundle("doctor-test"));
    return () => remove();
  }, 60_000);

  it(`doctor fails with the sentence (hwsim ${hwsimLoaded ? "loaded, --iface missing" : "absent"})`, async () => {
    const port = await freeUdpPort();
    const run = AgentProcess.start(bundle, ["doctor", "--iface", iface, "--listen", `127.0.0.1:${port}`]);
    expect(await run.exited).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(
      lines.find((line) => /^FAIL {2}(kernel|hwsim): /.test(line)),
      lines.join("\n"),
    ).toContain(expected);
    expect(lines.at(-1)).toMatch(/^doctor: \d+ check\(s\) failed/);
  }, 30_000);

  it("the agent itself exits 1 with the same sentence as its last line", async () => {
    const port = await freeUdpPort();
    const agent = AgentProcess.start(bundle, [
      "--iface",
      iface,
      "--listen",
      `127.0.0.1:${port}`,
      "--peer",
      "127.0.0.1:9",
    ]);
    expect(await agent.exited).toBe(1);
    expect(agent.lines.filter((line) => line !== "").at(-1)).toMatch(/ error: /);
    expect(agent.lines.filter((line) => line !== "").at(-1)).toContain(expected);
  }, 30_000);
});
