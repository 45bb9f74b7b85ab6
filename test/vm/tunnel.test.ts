// The proof of the product: two QEMU VMs, one hwsim radio each, this agent in each, hostapd
// (WPA2-PSK) in one and wpa_supplicant in the other. Nothing else connects their radios.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCounters } from "../../lab/agent-log.js";
import { runTunnelPair, type TunnelPair } from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";
import type { AgentStatus } from "../../src/agent/status.js";

/** The station's ACK probe (lab/ack-probe.ts): its AP acknowledged each try, an address nobody has none. */
function expectHonestAcks(stationFile: (file: string) => string): void {
  const acks = JSON.parse(stationFile("acks.json")) as Record<string, { statuses: number; acked: boolean }>;
  const ap = stationFile("ap-address.txt").trim();
  expect(acks[ap]).toEqual({ statuses: 3, acked: true });
  expect(acks["02:de:ad:00:00:01"]).toEqual({ statuses: 3, acked: false });
}

const unavailable = labUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the VM tunnel test: ${unavailable}`);

// The monitor path (--medium monitor: capture on hwsim0, inject through radios of the agent's own),
// kept proven here; the default, hwsim's medium, runs in the SAE case below and the other VM tests.
describe.skipIf(unavailable !== undefined)("two VMs share one air (--medium monitor)", () => {
  let pair: TunnelPair;

  beforeAll(async () => {
    pair = await runTunnelPair({
      timeoutMs: 600_000,
      env: { LAB_DOCTOR: "1", AGENT_ARGS: "--medium monitor" },
    });
    const station = pair.station.results;
    console.log(
      `tunnel: associated in ${station?.assoc_seconds ?? "-"} s, ping ${station?.ping_received}/${station?.ping_transmitted}, ` +
        `iperf3 ${station?.bits_per_second ? (station.bits_per_second / 1e6).toFixed(2) : "-"} Mbit/s`,
    );
  }, 700_000);

  const share = (vm: "ap" | "station", file: string) =>
    readFileSync(join(pair[vm].vm.shareDir, file), "utf8");

  it("the station associates and completes the WPA2 4-way handshake", () => {
    expect(pair.station.results?.agent_started).toBe(true);
    expect(pair.station.results?.associated).toBe(true);
    expect(pair.station.results?.handshake_completed).toBe(true);
    expect(share("station", "agent.log")).toMatch(/acknowledging for remote 02:00:00:00:00:00 on 2437 MHz/);
  });

  it("each agent ran from a config file (the lab's agent.conf: Iface, one [Peer] per other VM)", () => {
    expect(share("station", "agent.conf")).toMatch(
      /^\[Agent\]\nIface = hwsim0\n\n\[Peer\]\nEndpoint = 10\.0\.0\.1\n$/m,
    );
    expect(share("ap", "agent.conf")).toMatch(/\[Peer\]\nEndpoint = 10\.0\.0\.2\n$/);
    expect(share("station", "agent.log")).toMatch(
      /ready in \d+\.\d\d s: hwsim hwsim0, UDP 0\.0\.0\.0:8211, peers 10\.0\.0\.1:8211\n/,
    );
    expect(share("ap", "agent.log")).toMatch(
      /ready in \d+\.\d\d s: hwsim hwsim0, UDP 0\.0\.0\.0:8211, peers 10\.0\.0\.2:8211\n/,
    );
  });

  it("wifi-tunnel doctor in the station's VM passes every check with the agent's config", () => {
    const lines = share("station", "doctor.txt").trimEnd().split("\n");
    expect(pair.station.results?.doctor_exit, lines.join("\n")).toBe(0);
    expect(lines.at(-1)).toBe("doctor: all checks passed");
    for (const check of [
      "kernel",
      "hwsim",
      "privileges",
      "socket buffers",
      "UDP",
      "MTU",
      "peer 10.0.0.1:8211",
      "MAC addresses",
      "regulatory domain",
    ])
      expect(
        lines.some((line) => line.startsWith(`ok    ${check}`) || line.startsWith(`warn  ${check}`)),
        check,
      ).toBe(true);
    expect(lines.filter((line) => /^(FAIL|skip)/.test(line))).toEqual([]);
    expect(
      lines.some((line) => /^ok {4}peer 10\.0\.0\.1:8211: answers HELLO \(node .+\), no key$/.test(line)),
    ).toBe(true);
  });

  it("ping over the Wi-Fi link: 20 of 20", () => {
    expect(pair.station.results?.ping_transmitted).toBe(20);
    expect(pair.station.results?.ping_received).toBe(20);
  });

  it("iperf3 moves TCP data across", () => {
    expect(pair.station.results?.bits_per_second ?? 0).toBeGreaterThan(0);
  });

  it("SIGTERM stops both agents with exit 0, leaving no radios or interfaces behind", () => {
    for (const vm of ["ap", "station"] as const) {
      expect(pair[vm].results?.agent_exit_code).toBe(0);
      expect(share(vm, "radios-after.txt")).toBe(share(vm, "radios-before.txt"));
      expect(share(vm, "agent.log")).toMatch(/SIGTERM: stopping/);
    }
    expect(pair.ap.results?.station_done).toBe(true);
  });

  it("the station's agent follows its scans through nl80211 events and answers them with the AP's beacons", () => {
    const log = share("station", "agent.log");
    expect(log).toMatch(/medium hwsim0: .*scans-seen=[1-9]/);
    expect(log).toMatch(/medium hwsim0: .*beacons-replayed=[1-9]/);
  });

  it("a unicast frame to the remote AP is acknowledged (the agent's ACK proxy); one to nobody is not", () => {
    expectHonestAcks((file) => share("station", file));
  });

  it("echoes of injected frames are suppressed, then kept in the kernel by the capture filter, never sent back", () => {
    for (const vm of ["ap", "station"] as const) {
      const log = share(vm, "agent.log");
      expect(log).toMatch(/echo-suppressed=[1-9]/);
      expect(log).toMatch(/capture-filter-updates=[1-9]/);
      expect(log).not.toMatch(/own-frame=[1-9]/);
    }
  });

  it("`wifi-tunnel status --json` and /metrics in each VM say what crossed: peers up, radios, ACK proxies, transmitters", () => {
    const status = (vm: "ap" | "station") => JSON.parse(share(vm, "status.json")) as AgentStatus;
    const ap = status("ap");
    const station = status("station");
    const apMac = ap.media[0]?.localRadios.find((radio) => radio.ifname === "wlan0")?.address ?? "none";
    const stationMac = share("station", "wlan0-address.txt").trim();
    for (const [own, other] of [
      [ap, station],
      [station, ap],
    ] as const) {
      expect(own.node.mode).toBe("hwsim hwsim0");
      expect(own.node.keyFingerprint).toBeNull();
      const [peer] = own.peers;
      expect(peer?.name).toBe(other.node.name);
      // The AP asks last: by then the station's `doctor` (run after its agent stopped) may have said
      // HELLO with a node id of its own, so only the station's view names the other run exactly.
      if (own === station) expect(peer?.nodeId).toBe(other.node.id);
      expect(peer?.lastHelloAgeSeconds).not.toBeNull();
      expect(peer?.framesReceived).toBeGreaterThan(0);
      expect(peer?.datagramsReceived).toBeGreaterThan(peer?.framesReceived ?? 0);
      expect(peer?.bytesSent).toBeGreaterThan(0);
      expect(own.send.sent).toBeGreaterThan(0);
      expect(own.drops.receive["own-frame"]).toBe(0);
      expect(own.media[0]?.injectingRadios.map((radio) => radio.freqMhz)).toContain(2437);
    }
    // The AP's wlan0 serves 2437 MHz and its agent acknowledges for the station; the station's the same for the AP.
    expect(ap.media[0]?.localRadios).toContainEqual(
      expect.objectContaining({ ifname: "wlan0", type: "AP", up: true, freqMhz: 2437 }),
    );
    expect(ap.media[0]?.injectingRadios.find((radio) => radio.freqMhz === 2437)?.ackProxies).toContain(
      stationMac,
    );
    expect(station.media[0]?.injectingRadios.find((radio) => radio.freqMhz === 2437)?.ackProxies).toContain(
      apMac,
    );
    expect(station.remoteTransmitters).toContainEqual(
      expect.objectContaining({ address: apMac, freqMhz: 2437 }),
    );
    expect(ap.remoteTransmitters).toContainEqual(
      expect.objectContaining({ address: stationMac, freqMhz: 2437 }),
    );
    // The station asks while associated; the AP after the station is done (its agent may be stopping).
    expect(station.peers[0]?.state).toBe("up");
    expect(share("station", "status.txt")).toMatch(/^peer: 10\.0\.0\.1:8211 \(.*\)\n {2}state: up/m);
    // /metrics, fetched after status: the same counters, never behind it.
    for (const vm of ["ap", "station"] as const) {
      const own = status(vm);
      const metrics = share(vm, "metrics.txt");
      const value = (name: string): number =>
        Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1] ?? Number.NaN);
      const peerLabels = `{peer="${own.peers[0]?.endpoint}",name="${own.peers[0]?.name}"}`;
      expect(vm === "station" ? [1] : [0, 1]).toContain(value(`wifi_tunnel_peer_up${peerLabels}`));
      expect(value(`wifi_tunnel_peer_frames_received_total${peerLabels}`)).toBeGreaterThanOrEqual(
        own.peers[0]?.framesReceived ?? 1,
      );
      expect(value("wifi_tunnel_send_frames_sent_total")).toBeGreaterThanOrEqual(own.send.sent ?? 1);
      expect(value('wifi_tunnel_medium_captured_total{medium="hwsim0"}')).toBeGreaterThanOrEqual(
        own.media[0]?.counters.captured ?? 1,
      );
      expect(value('wifi_tunnel_receive_dropped_total{reason="own-frame"}')).toBe(0);
      expect(value("process_resident_memory_bytes")).toBeGreaterThan(10e6);
      expect(value("wifi_tunnel_event_loop_delay_max_seconds")).toBeGreaterThanOrEqual(0);
    }
  });
});

describe.skipIf(unavailable !== undefined)(
  "WPA3-SAE with the agents as hwsim's medium (--medium netlink), the station's address from --unique-macs",
  () => {
    let pair: TunnelPair;

    beforeAll(async () => {
      pair = await runTunnelPair({
        timeoutMs: 600_000,
        env: {
          SECURITY: "sae",
          STA_UNIQUE_MACS: "1",
          IPERF3_SECONDS: "3",
          AGENT_ARGS: "--medium netlink",
          // Every agent's link to its peer: the signal its local radios report for the peer's frames.
          AGENT_PEER_KEYS: "Signal = -61",
          // Bundles are off by default (src/agent/agent.ts says why): this lab turns them on.
          WIFI_TUNNEL_BUNDLE_BYTES: "8192",
        },
      });
      const station = pair.station.results;
      console.log(
        `tunnel (SAE, --medium netlink): associated in ${station?.assoc_seconds ?? "-"} s, ping ${station?.ping_received}/${station?.ping_transmitted}, ` +
          `iperf3 ${station?.bits_per_second ? (station.bits_per_second / 1e6).toFixed(2) : "-"} Mbit/s`,
      );
    }, 700_000);

    const share = (vm: "ap" | "station", file: string) =>
      readFileSync(join(pair[vm].vm.shareDir, file), "utf8");

    it("SAE authentication, PMF and the 4-way handshake complete; ping 20 of 20; TCP crosses", () => {
      expect(pair.station.results?.associated).toBe(true);
      expect(pair.station.results?.handshake_completed).toBe(true);
      const status = share("station", "wpa-status.txt");
      expect(status).toMatch(/^key_mgmt=SAE$/m);
      expect(status).toMatch(/^pmf=2$/m);
      expect(pair.station.results?.ping_received).toBe(20);
      expect(pair.station.results?.bits_per_second ?? 0).toBeGreaterThan(0);
    });

    it("each agent registered as hwsim's medium and made no radio of its own", () => {
      for (const vm of ["ap", "station"] as const) {
        const log = share(vm, "agent.log");
        expect(log).toMatch(/ready in \d+\.\d\d s: hwsim \(registered medium\), UDP/);
        // Local transmissions came over netlink, their fates went back, remote frames went in.
        expect(log).toMatch(/medium hwsim: captured=[1-9]\d* .*acked=[1-9]/);
        expect(log).toMatch(/medium hwsim: .*delivered=[1-9]/);
        expect(log).not.toMatch(/own-frame=[1-9]/);
        expect(share(vm, "radios-after.txt")).not.toMatch(/wtphy/);
        expect(pair[vm].results?.agent_exit_code).toBe(0);
      }
      // The station's wlan0 has the address --unique-macs gave it; the AP's radios are as before.
      expect(share("ap", "radios-after.txt")).toBe(share("ap", "radios-before.txt"));
    });

    // A full socket buffer drops datagrams (frames hwsim already acknowledged): with Debian's caps
    // (212992) the AP's guest dropped 10 of 3206 in a 20 s iperf3 and TCP fell to 0.4x.
    it("each agent raised the guest's socket buffer caps, and no guest dropped a datagram at a full buffer", () => {
      for (const vm of ["ap", "station"] as const) {
        expect(share(vm, "agent.log")).toMatch(/raised net\.core\.rmem_max from 212992 to 4194304/);
        const [names, values] = share(vm, "udp-counters.txt")
          .trim()
          .split("\n")
          .map((l) => l.split(/\s+/));
        const rcvbufErrors = Number(values?.[names?.indexOf("RcvbufErrors") ?? -1]);
        console.log(`${vm}: UDP RcvbufErrors ${rcvbufErrors}`);
        expect(rcvbufErrors).toBe(0);
      }
    });

    // With WIFI_TUNNEL_BUNDLE_BYTES set, iperf3 queues the station's data frames faster than one
    // datagram each leaves: a turn's frames for the AP go as one BUNDLE (bundling-transport.ts),
    // unpacked by the AP's agent datagram by datagram, none refused.
    it("the station's agent bundled frames under iperf3 and the AP's agent took every bundle", () => {
      const send = exitCounters(share("station", "agent.log"), "send");
      const receive = exitCounters(share("ap", "agent.log"), "receive");
      console.log(
        `station: bundles-sent ${send["bundles-sent"]}, datagrams-bundled ${send["datagrams-bundled"]}, sent ${send.sent}; AP: bundles-in ${receive["bundles-in"]}`,
      );
      expect(send["bundles-sent"] ?? 0).toBeGreaterThan(0);
      expect(send["datagrams-bundled"] ?? 0).toBeGreaterThanOrEqual(2 * (send["bundles-sent"] ?? 0));
      // The AP's agent may stop first (the VMs end separately): at most what was sent, never none.
      expect(receive["bundles-in"] ?? 0).toBeGreaterThan(0);
      expect(receive["bundles-in"]).toBeLessThanOrEqual(send["bundles-sent"] ?? 0);
      expect(receive["dropped-malformed"]).toBe(0);
    });

    // Started together, the station's first scan runs before the agents are up; a later one passes
    // channel 6 (the AP's) early, and the agent ends it there (early-scan-end.ts) through the real
    // kernel's NL80211_CMD_ABORT_SCAN, with the station's --unique-macs address read at its start.
    it("the station's agent ended a scan once no channel left in it held an AP, and the kernel took it", () => {
      const counters = exitCounters(share("station", "agent.log"), "medium hwsim");
      expect(counters["scans-ended-early"] ?? 0).toBeGreaterThan(0);
      expect(counters["scan-end-refused"] ?? 0).toBe(0);
      // The AP's hostapd scans nothing to end, and its agent ends nothing of it.
      const ap = exitCounters(share("ap", "agent.log"), "medium hwsim");
      expect(ap["scans-ended-early"] ?? 0).toBe(0);
      expect(ap["unfollowed-scans-ended"] ?? 0).toBe(0);
      // The station's wlan0 had no channel when the agent began following scans, so it was asked
      // once, at the first remote beacon, to end a scan begun before: absent here, where
      // wpa_supplicant starts only once --unique-macs set the address; ended in a lab started
      // together (bench/scan-ends.ts measures what that buys).
      const unfollowed =
        (counters["unfollowed-scans-ended"] ?? 0) + (counters["unfollowed-scan-absent"] ?? 0);
      console.log(
        `station: unfollowed scans ended ${counters["unfollowed-scans-ended"] ?? 0}, absent ${counters["unfollowed-scan-absent"] ?? 0}`,
      );
      expect(unfollowed).toBe(1);
    });

    it("the station reports the link's signal for its AP (-61 dBm), not hwsim's own", () => {
      expect(share("station", "link.txt")).toMatch(/^\s*signal: -61 dBm$/m);
    });

    it("a unicast frame to the remote AP is acknowledged, one to nobody is not (the agent decides each fate)", () => {
      expectHonestAcks((file) => share("station", file));
    });

    it("--unique-macs gave the station's radio a locally administered unicast address of its own", () => {
      const address = share("station", "wlan0-address.txt").trim();
      expect(address).not.toBe("02:00:00:00:00:00");
      // Second-least significant bit of the first octet set (local), least significant clear (unicast).
      expect(Number.parseInt(address.slice(0, 2), 16) & 0x03).toBe(0x02);
      expect(share("station", "agent.log")).toContain(`--unique-macs: wlan0 now uses ${address}`);
    });
  },
);
