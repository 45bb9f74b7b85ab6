// The agent's small decision tables: echo fingerprints, ACK proxy bounds, audible channels,
// command-line forms.

import { describe, expect, it } from "vitest";
import { AckProxyTable } from "../../src/agent/ack-proxy.js";
import { EchoFilter, frameFingerprint } from "../../src/agent/echo-filter.js";
import { Listeners } from "../../src/agent/listeners.js";
import { uniqueMacFor } from "../../src/agent/unique-macs.js";
import { parseHostPort, parseListen } from "../../src/cli/config.js";

function frame(fc0: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  out[0] = fc0;
  for (let i = 4; i < length; i++) out[i] = (i * 7) & 0xff;
  return out;
}

describe("echo filter", () => {
  it("ignores the duration field, which mac80211 rewrites on injected frames", () => {
    const sent = frame(0x08, 100);
    const echo = Buffer.from(sent);
    echo.writeUInt16LE(0x013a, 2);
    expect(frameFingerprint(echo)).toBe(frameFingerprint(sent));
  });

  it("ignores the TSF of probe responses and beacons, which hwsim stamps, but not of other frames", () => {
    for (const fc0 of [0x50, 0x80]) {
      const sent = frame(fc0, 100);
      const echo = Buffer.from(sent);
      echo.fill(0xee, 24, 32);
      expect(frameFingerprint(echo)).toBe(frameFingerprint(sent));
    }
    const data = frame(0x08, 100);
    const changed = Buffer.from(data);
    changed.fill(0xee, 24, 32);
    expect(frameFingerprint(changed)).not.toBe(frameFingerprint(data));
  });

  it("suppresses each injected frame once, within the window only", () => {
    const filter = new EchoFilter();
    const sent = frame(0x08, 60);
    filter.remember(sent, null, 1000);
    filter.remember(sent, null, 1000);
    expect(filter.isEcho(sent, null, 1001)).toBe(true);
    expect(filter.isEcho(sent, null, 1002)).toBe(true);
    expect(filter.isEcho(sent, null, 1003)).toBe(false);
    filter.remember(sent, null, 1000);
    expect(filter.isEcho(sent, null, 1000 + 60_000)).toBe(false);
    expect(filter.isEcho(frame(0x08, 61), null, 1001)).toBe(false);
  });

  it("knows an echo by its remote transmitter however late it is read (a busy agent read echoes seconds late)", () => {
    const filter = new EchoFilter();
    const remote = 0x02_00_00_77_00_02;
    const sent = frame(0x08, 60);
    filter.remember(sent, remote, 1000);
    // 30 s later the fingerprint has long expired; the transmitter still says "ours".
    expect(filter.isEcho(sent, remote, 31_000)).toBe(true);
    expect(filter.isEcho(frame(0x08, 80), remote, 31_000)).toBe(true);
    // The guest's own frames (the caller passes null for addresses the guest owns) are not echoes.
    expect(filter.isEcho(frame(0x08, 80), null, 31_000)).toBe(false);
    expect(filter.isEcho(frame(0x08, 80), 0x02_00_00_77_00_09, 31_000)).toBe(false);
  });

  it("stays bounded under a flood of injections", () => {
    const filter = new EchoFilter();
    for (let i = 0; i < 50_000; i++) {
      const f = frame(0x08, 40);
      f.writeUInt32BE(i, 30);
      filter.remember(f, null, 0);
    }
    expect(filter.remembered).toBeLessThanOrEqual(8192);
  });
});

describe("ACK proxy table", () => {
  it("adds each address once, evicts the least recently heard past the bound", () => {
    const table = new AckProxyTable({ maxPerChannel: 2, idleMs: 1000 });
    expect(table.heard(1, 0)).toEqual({ add: 1, remove: [] });
    expect(table.heard(1, 1)).toEqual({ add: null, remove: [] });
    expect(table.heard(2, 2)).toEqual({ add: 2, remove: [] });
    table.heard(1, 3); // 1 is now fresher than 2
    expect(table.heard(3, 4)).toEqual({ add: 3, remove: [2] });
    expect(table.addresses().sort()).toEqual([1, 3]);
  });

  it("retires addresses idle past the policy", () => {
    const table = new AckProxyTable({ maxPerChannel: 8, idleMs: 1000 });
    table.heard(1, 0);
    table.heard(2, 900);
    expect(table.sweep(1500)).toEqual([1]);
    expect(table.has(2)).toBe(true);
  });

  it("randomised probe addresses cannot grow it past its bound", () => {
    const table = new AckProxyTable({ maxPerChannel: 16, idleMs: 120_000 });
    for (let i = 0; i < 10_000; i++) table.heard(0x02_00_00_00_00_00 + i, i);
    expect(table.size).toBe(16);
  });
});

describe("listeners: what local radios can use", () => {
  it("an AP or associated station hears its channel; a scanning station hears all; down interfaces nothing", () => {
    const ap = Listeners.fromInterfaces([{ ifname: "wlan0", iftype: "AP", up: true, freqMhz: 2437 }]);
    expect(ap.hears(2437)).toBe(true);
    expect(ap.hears(2412)).toBe(false);
    const scanning = Listeners.fromInterfaces([
      { ifname: "wlan0", iftype: "STATION", up: true, freqMhz: null },
    ]);
    expect(scanning.hears(5180)).toBe(true);
    const down = Listeners.fromInterfaces([{ ifname: "wlan0", iftype: "STATION", up: false, freqMhz: null }]);
    expect(down.hears(2437)).toBe(false);
    const apStarting = Listeners.fromInterfaces([{ ifname: "wlan0", iftype: "AP", up: true, freqMhz: null }]);
    expect(apStarting.hears(2437)).toBe(false);
  });

  it("a scan nl80211 announced makes every channel audible, even before a poll shows the interface up", () => {
    const associatedScanning = Listeners.fromInterfaces([
      { ifname: "wlan0", iftype: "STATION", up: true, freqMhz: 2412, scanning: true },
    ]);
    expect(associatedScanning.hears(2437)).toBe(true);
    const notYetUp = Listeners.fromInterfaces([
      { ifname: "wlan0", iftype: "STATION", up: false, freqMhz: null, scanning: true },
    ]);
    expect(notYetUp.hears(5180)).toBe(true);
  });

  const STA = 0x02_00_00_77_00_02;
  const OTHER = 0x02_00_00_77_00_03;
  const BROADCAST = 0xffff_ffff_ffff;
  const beacon = (freqMhz: number) => ({
    freqMhz,
    announcesNetwork: true,
    probesForNetworks: false,
    receiver: BROADCAST,
  });
  const probeRequest = (freqMhz: number) => ({
    freqMhz,
    announcesNetwork: false,
    probesForNetworks: true,
    receiver: BROADCAST,
  });
  const unicast = (freqMhz: number, receiver: number) => ({
    freqMhz,
    announcesNetwork: false,
    probesForNetworks: false,
    receiver,
  });
  const broadcast = (freqMhz: number) => unicast(freqMhz, BROADCAST);

  it.each([
    // [case, interfaces, frame, deliver, ackProxy]
    ["scanning station: a beacon anywhere, answered", "sta-scan", beacon(2412), true, true],
    [
      "scanning station: another station's probe request is of no use",
      "sta-scan",
      probeRequest(2412),
      false,
      false,
    ],
    ["scanning station: data between others is of no use", "sta-scan", unicast(2437, OTHER), false, false],
    ["scanning station: a frame to it (auth response), answered", "sta-scan", unicast(2437, STA), true, true],
    [
      "associated station: another station's probe request is of no use",
      "sta-2437",
      probeRequest(2437),
      false,
      false,
    ],
    ["associated station: its AP's broadcasts are heard", "sta-2437", broadcast(2437), true, false],
    [
      "associated station: another station's unicast to the AP is of no use",
      "sta-2437",
      unicast(2437, OTHER),
      false,
      false,
    ],
    ["associated station: its AP's frames to it are answered", "sta-2437", unicast(2437, STA), true, true],
    ["associated station: nothing elsewhere", "sta-2437", beacon(2412), false, false],
    ["AP: every transmitter on its channel is answered", "ap-2437", probeRequest(2437), true, true],
    ["AP: nothing elsewhere", "ap-2437", probeRequest(2412), false, false],
    ["monitor: heard, never answered", "mon-2437", unicast(2437, OTHER), true, false],
    // A mesh point or IBSS without a channel has not joined: its radio is idle and hwsim gives an
    // idle radio nothing. Before this rule such a mesh point got everything, everywhere: in the
    // three-VM mesh lab each agent made radios on all eleven 2.4 GHz channels and 22 ACK proxies
    // for the other nodes' probe requests while wpa_supplicant scanned before joining.
    ["mesh point not joined (no channel): nothing", "mesh-idle", probeRequest(2437), false, false],
    ["mesh point not joined: not even a beacon", "mesh-idle", beacon(2437), false, false],
    [
      "mesh point scanning before it joins: a beacon anywhere, answered",
      "mesh-scan",
      beacon(2437),
      true,
      true,
    ],
    [
      "mesh point scanning: another node's probe request is of no use",
      "mesh-scan",
      probeRequest(2437),
      false,
      false,
    ],
    [
      "mesh point joined on 2412: every transmitter there answered",
      "mesh-2412",
      probeRequest(2412),
      true,
      true,
    ],
    ["mesh point joined on 2412: nothing elsewhere", "mesh-2412", beacon(2437), false, false],
    ["IBSS not joined (no channel): nothing", "ibss-idle", beacon(2437), false, false],
    ["P2P device (no channel of its own): everything, answered", "p2p-dev", probeRequest(2437), true, true],
  ] as const)("%s", (_, guest, heard, deliver, ackProxy) => {
    const interfaces = {
      "sta-scan": [{ ifname: "wlan0", iftype: "STATION", up: true, freqMhz: null }],
      "sta-2437": [{ ifname: "wlan0", iftype: "STATION", up: true, freqMhz: 2437 }],
      "ap-2437": [{ ifname: "wlan0", iftype: "AP", up: true, freqMhz: 2437 }],
      "mon-2437": [{ ifname: "mon0", iftype: "MONITOR", up: true, freqMhz: 2437 }],
      "mesh-idle": [{ ifname: "mesh0", iftype: "MESH_POINT", up: true, freqMhz: null }],
      "mesh-scan": [{ ifname: "mesh0", iftype: "MESH_POINT", up: true, freqMhz: null, scanning: true }],
      "mesh-2412": [{ ifname: "mesh0", iftype: "MESH_POINT", up: true, freqMhz: 2412 }],
      "ibss-idle": [{ ifname: "wlan0", iftype: "ADHOC", up: true, freqMhz: null }],
      "p2p-dev": [{ ifname: "p2p-dev-wlan0", iftype: "P2P_DEVICE", up: true, freqMhz: null }],
    }[guest];
    const listeners = Listeners.fromInterfaces(interfaces, new Set([STA]));
    expect(listeners.use(heard)).toEqual({ deliver, ackProxy });
  });
});

describe("command-line forms", () => {
  it.each([
    ["10.0.0.2", { host: "10.0.0.2", port: 8211 }],
    ["10.0.0.2:9000", { host: "10.0.0.2", port: 9000 }],
    ["vm-b.lab", { host: "vm-b.lab", port: 8211 }],
    ["[fd00::2]:9000", { host: "fd00::2", port: 9000 }],
    ["fd00::2", { host: "fd00::2", port: 8211 }],
  ])("--peer %s", (text, expected) => {
    expect(parseHostPort(text, 8211, "--peer")).toEqual({ ok: true, value: expected });
  });

  it.each(["10.0.0.2:0", "10.0.0.2:70000", ":9000", "a b", "[nothost]:1"])(
    "--peer %s is one clear sentence",
    (text) => {
      const parsed = parseHostPort(text, 8211, "--peer");
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error.detail).toMatch(/^--peer: /);
    },
  );

  it("--listen takes a port or an address and port", () => {
    expect(parseListen("9000")).toEqual({ ok: true, value: { host: "0.0.0.0", port: 9000 } });
    expect(parseListen("127.0.0.1:9000")).toEqual({ ok: true, value: { host: "127.0.0.1", port: 9000 } });
    expect(parseListen("somehost:9000").ok).toBe(false);
  });

  it("--unique-macs addresses are unicast, locally administered, per machine and interface", () => {
    const a = uniqueMacFor("wlan0", "machine-a");
    expect(a[0] & 0x03).toBe(0x02);
    expect(uniqueMacFor("wlan0", "machine-a")).toEqual(a);
    expect(uniqueMacFor("wlan0", "machine-b")).not.toEqual(a);
    expect(uniqueMacFor("wlan1", "machine-a")).not.toEqual(a);
  });
});
