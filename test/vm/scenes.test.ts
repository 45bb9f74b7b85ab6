// The Wi-Fi labs test beyond one WPA2 network on channel 6, across two VMs joined only by the
// agents, in one boot (lab/guest/scenes.sh): 5 GHz with a regulatory domain, a channel switch
// announced while the station pings, an open network on 2.4 GHz, WPA2-Enterprise (PEAP against
// hostapd's EAP server), and iwd as the station with WPA2 and WPA3. The agents are their VMs'
// hwsim medium (--medium netlink): hwsim delivers by channel itself, so 5 GHz and the switch need
// no radios of the agent's (the monitor path is proven by tunnel.test, many.test, soak, restart).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  consoleTail,
  runWifiScenes,
  type SceneResult,
  type WifiScene,
  type WifiScenes,
} from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the Wi-Fi scenes test: ${unavailable}`);

/**
 * Pings of 20 that must be answered in every scene. A quiet host answers all; on a host at load
 * 11-15 (four workers' TCG guests on two cores) the agents' event loops ran up to 5.5 s late,
 * they dropped data frames that had waited too long (late-data-dropped) and 15-18 of 20 came back
 * in each scene (measured twice). The link works, or none would.
 */
const PINGS_ANSWERED = 15;

describe.skipIf(unavailable !== undefined)("Wi-Fi scenes across two VMs (--medium netlink)", () => {
  let lab: WifiScenes;
  const share = (vm: "ap" | "station", file: string) => readFileSync(join(lab[vm].vm.shareDir, file), "utf8");
  const scene = (name: WifiScene): SceneResult => {
    const found = lab.station.results?.scenes.find((s) => s.scene === name);
    if (found === undefined) throw new Error(`no results for scene ${name}\n${consoleTail(lab.station.vm)}`);
    return found;
  };

  beforeAll(async () => {
    lab = await runWifiScenes({ timeoutMs: 1_000_000, env: { AGENT_ARGS: "--medium netlink" } });
    for (const s of lab.station.results?.scenes ?? []) {
      const figures =
        s.scene === "chanswitch"
          ? `lost ${s.lost_during}/${s.pings_during} pings during the switch (longest gap ${s.longest_gap_pings} x 0.1 s), disconnects ${s.disconnects}`
          : `connected in ${s.assoc_seconds ?? "-"} s, iperf3 ${s.bits_per_second ? (s.bits_per_second / 1e6).toFixed(2) : "-"} Mbit/s`;
      console.log(
        `scene ${s.scene}: ${s.freq_mhz ?? "-"} MHz, ${figures}, ping ${s.ping_received}/${s.ping_transmitted}, beacon loss ${s.beacon_loss ?? "-"}`,
      );
    }
  }, 1_100_000);

  it("5 GHz (channel 36, country US): WPA2 association, pings answered, iperf3", () => {
    expect(lab.station.results, consoleTail(lab.station.vm)).toBeDefined();
    const s = scene("5ghz");
    expect(s.freq_mhz).toBe(5180);
    expect(s.assoc_seconds).not.toBeNull();
    expect(s.ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    expect(s.bits_per_second ?? 0).toBeGreaterThan(0);
    // Every agent is its VM's medium: it reports fates (the AP's frames acknowledged) and delivers.
    for (const vm of ["ap", "station"] as const) {
      const log = share(vm, "agent.log");
      expect(log).toMatch(/ready in \d+\.\d\d s: hwsim \(registered medium\)/);
      expect(log).toMatch(/medium hwsim: .*acked=[1-9]/);
    }
  });

  // On a loaded host the station sometimes loses the AP during the announcement (beacon loss before
  // its own switch; 4 of 9 runs) and associates again, on 149: `disconnects` counts that.
  it("channel switch to 149: the station hears the announcement and ends up on 149, pings go on", () => {
    const s = scene("chanswitch");
    expect(s.freq_mhz).toBe(5745);
    expect(s.lost_during ?? Number.NaN).toBeLessThan(s.pings_during ?? 0);
    expect(s.ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    expect(share("station", "wpa_supplicant-5ghz.log")).toMatch(
      /CTRL-EVENT-STARTED-CHANNEL-SWITCH freq=5745/,
    );
  });

  it("open network on 2.4 GHz channel 1: association, pings answered, iperf3", () => {
    const s = scene("open");
    expect(s.freq_mhz).toBe(2412);
    expect(s.ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    expect(s.bits_per_second ?? 0).toBeGreaterThan(0);
  });

  it("WPA2-Enterprise: EAP-PEAP/MSCHAPv2 with hostapd's EAP server, the server certificate checked; pings answered", () => {
    const s = scene("eap");
    expect(s.freq_mhz).toBe(5180);
    expect(s.ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    const log = share("station", "wpa_supplicant-eap.log");
    expect(log).toMatch(/CTRL-EVENT-EAP-METHOD EAP vendor 0 method 25 \(PEAP\) selected/);
    expect(log).toMatch(/CTRL-EVENT-EAP-PEER-CERT depth=0 subject='\/CN=radius\.lab'/);
    expect(log).toMatch(/CTRL-EVENT-EAP-SUCCESS/);
  });

  it("iwd as the station: WPA2-PSK on 149 and WPA3-SAE on 36, pings answered in each", () => {
    expect(scene("iwd-wpa2").freq_mhz).toBe(5745);
    expect(scene("iwd-wpa2").ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    expect(scene("iwd-wpa3").freq_mhz).toBe(5180);
    expect(scene("iwd-wpa3").ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
  });

  it("both agents served every scene and stopped cleanly, leaving no radio or interface of theirs", () => {
    expect(lab.ap.results?.scenes_served).toBe(6);
    for (const vm of ["ap", "station"] as const) {
      expect(lab[vm].results?.agent_exit_code).toBe(0);
      expect(share(vm, "agent.log")).not.toMatch(/own-frame=[1-9]/);
    }
    expect(share("ap", "radios-after.txt")).toBe(share("ap", "radios-before.txt"));
    // The station's VM may keep what iwd left (a P2P device of an iwd that quit and was restarted),
    // but no radio (wtphy<MHz>) or interface (wt<MHz>...) of an agent's: as hwsim's medium it makes none.
    expect(share("station", "radios-after.txt")).not.toMatch(/\bwt/);
    expect(share("station", "radios-before.txt")).toMatch(/Interface wlan0/);
  });
});
