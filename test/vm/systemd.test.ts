// wifi-tunnel as the systemd unit it ships as: two VMs boot with systemd as init, after an image
// step that ran README.md's "Running it as a service" commands and enabled hostapd in one VM and
// wpa_supplicant@wlan0 in the other. Nothing is run by hand after boot: systemd starts the agent
// (Type=notify) before the daemons, the station associates through the tunnel, and the lab's
// check unit then adds a peer to the agent's config file and reloads it, checks the journal's
// priorities, stops the agent, and (in the AP's VM) runs the template unit from its own file.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { consoleTail } from "../../lab/scenarios.js";
import { readmeInstallSteps, runSystemdPair, type SystemdPair } from "../../lab/systemd-scenario.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the systemd VM test: ${unavailable}`);

describe.skipIf(unavailable !== undefined)("wifi-tunnel under systemd in two VMs", () => {
  let pair: SystemdPair;
  const vms = ["ap", "station"] as const;

  beforeAll(async () => {
    pair = await runSystemdPair();
    for (const vm of vms) {
      if (pair[vm].results === undefined) console.error(consoleTail(pair[vm].vm, 60));
    }
    const station = pair.station.results;
    console.log(
      `systemd: agents ready in ${pair.ap.results?.ready_seconds ?? "-"} s / ${station?.ready_seconds ?? "-"} s, ` +
        `ping ${station?.ping_received}/${station?.ping_transmitted}, VMs done at ${pair.ap.results?.uptime_seconds} / ${station?.uptime_seconds} s uptime`,
    );
  }, 400_000);

  const share = (vm: "ap" | "station", file: string) =>
    readFileSync(join(pair[vm].vm.shareDir, file), "utf8");

  it("the image step ran the README's install commands, unchanged but for the peer", () => {
    expect(share("ap", "readme-install.sh").trim()).toBe(readmeInstallSteps().trim());
    expect(share("station", "readme-install.sh")).toContain("Endpoint = 10.0.0.1");
    expect(share("station", "readme-install.sh")).toContain("--config /etc/wifi-tunnel/wifi-tunnel.conf");
  });

  it("systemd started the agent as a Type=notify unit, and the Wi-Fi daemon only after READY=1", () => {
    for (const vm of vms) {
      const results = pair[vm].results;
      expect(results?.agent_type).toBe("notify");
      expect(results?.agent_active).toBe(true);
      expect(results?.daemon_active).toBe(true);
      expect(results?.daemon_started_after_agent_ready).toBe(true);
      expect(results?.unique_mac_set).toBe(true);
      // READY=1's STATUS=, or its 10-second refresh.
      expect(results?.status_text).toMatch(
        /^(ready in \d+\.\d\d s; )?hwsim in \d+, out \d+; peers heard [01]\/1$/,
      );
    }
  });

  it("the agent's first journal line says version, mode, peers and time to ready; priorities, no own timestamps", () => {
    for (const vm of vms) expect(pair[vm].results?.journal_priorities).toBe(true);
    expect(pair.ap.results?.first_line).toMatch(
      /^info: wifi-tunnel \d+\.\d+\.\d+ ready in \d+\.\d\d s: hwsim \(registered medium\), UDP 0\.0\.0\.0:8211, peers 10\.0\.0\.2:8211$/,
    );
    expect(pair.station.results?.first_line).toMatch(
      /ready in \d+\.\d\d s: hwsim \(registered medium\), .*peers 10\.0\.0\.1:8211$/,
    );
  });

  it("the unit raised the socket buffer caps the sandboxed agent cannot, and the agent's socket got its 4 MiB", () => {
    for (const vm of vms) {
      const results = pair[vm].results;
      expect(results?.rmem_max).toBeGreaterThanOrEqual(4 * 1024 * 1024);
      expect(results?.wmem_max).toBeGreaterThanOrEqual(4 * 1024 * 1024);
      expect(results?.buffers_short_logged).toBe(false);
    }
  });

  it("the station associates, completes the 4-way handshake and pings the AP across the tunnel", () => {
    const station = pair.station.results;
    expect(station?.associated).toBe(true);
    expect(station?.handshake_completed).toBe(true);
    expect(station?.ping_transmitted).toBe(10);
    expect(station?.ping_received).toBe(10);
    expect(pair.ap.results?.peer_done).toBe(true);
  });

  it("systemctl reload adds a [Peer] from the config file and the station stays associated", () => {
    const station = pair.station.results;
    expect(station?.reload_added_peer).toBe(true);
    expect(station?.ping_received_after_reload).toBe(5);
    expect(pair.ap.results?.reload_logged).toBe(true);
  });

  it("the template unit runs an agent from /etc/wifi-tunnel/NAME.conf and reloads it", () => {
    const ap = pair.ap.results;
    expect(ap?.template_active).toBe(true);
    expect(ap?.template_first_line).toMatch(
      /^info: wifi-tunnel \d+\.\d+\.\d+ ready in \d+\.\d\d s: airport listen 30, UDP 127\.0\.0\.1:18300, peers 127\.0\.0\.1:18301$/,
    );
    expect(ap?.template_reloaded).toBe(true);
    expect(ap?.template_stop_exit_status).toBe(0);
  });

  it("SIGUSR1 logs the counters; systemctl stop ends the agent cleanly, leaving iw's radios and interfaces as before", () => {
    for (const vm of vms) {
      const results = pair[vm].results;
      expect(results?.counters_logged).toBe(true);
      expect(results?.stop_result).toBe("success");
      expect(results?.stop_exit_status).toBe(0);
      expect(results?.radios_same_after_stop).toBe(true);
      expect(share(vm, "radios-after.txt")).toBe(share(vm, "radios-before.txt"));
      expect(share(vm, "journal.txt")).toMatch(/SIGTERM: stopping/);
    }
  });
});
