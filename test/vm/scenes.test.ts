// The Wi-Fi labs test beyond one WPA2 network on channel 6, across two VMs joined only by the
// agents, in one boot (lab/guest/scenes.sh): 5 GHz with a regulatory domain, a channel switch
// announced while the station pings, an open network on 2.4 GHz, a lossy link set at run time
// (wifi-tunnel set peer), WPA2-Enterprise (PEAP against hostapd's EAP server), an 80 MHz VHT
// channel, and iwd as the station with WPA2 and WPA3. The agents are their VMs'
// hwsim medium (--medium netlink): hwsim delivers by channel itself, so 5 GHz and the switch need
// no radios of the agent's (the monitor path is proven by tunnel.test, many.test, soak, restart).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  consoleTail,
  runWifiScenes,
  type SceneResult,
  WIFI_SCENES,
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
/**
 * Of the lossy scene's 50 pings: the same 75% floor. Honest loss costs retries, not pings (a frame
 * is lost only when all of its tries are, 0.3^k); a loss dropped after the sender's ACK would
 * answer about 35 of 50 on a quiet host, and fewer on a loaded one.
 */
const LOSSY_PINGS_ANSWERED = 38;

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
          : s.scene === "lossy"
            ? `at ${s.loss_percent}% loss: tx ${s.tx_packets} retries ${s.tx_retries} failed ${s.tx_failed} (clean: ${s.clean_ping_received}/${s.clean_ping_transmitted} pings, tx ${s.clean_tx_packets} retries ${s.clean_tx_retries}), agent: ${s.link_tries_lost} tries lost, ${s.link_lost} frames lost on every try, ${s.link_dropped} dropped on receipt; attempt ${s.attempts}, disconnects ${s.disconnects}`
            : `connected in ${s.assoc_seconds ?? "-"} s, ${s.width_mhz ?? "-"} MHz wide, tx ${(s.tx_bitrates ?? []).join(" / ") || "-"}, iperf3 ${s.bits_per_second ? (s.bits_per_second / 1e6).toFixed(2) : "-"} Mbit/s`;
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

  // The station's agent loses 30% of its tries toward the AP's VM (set peer ... loss 30%): as
  // hwsim's medium it reports each lost try to the station's kernel, which sends again. The pings
  // get through at the cost of retries; a loss dropped after the sender had its ACK would lose
  // about 30% of them instead (the first run: the AP's replies were lost so, 11 of 38). The AP's
  // beacons are still lost on receipt (link_dropped). The pings go as voice, so that each frame's
  // tries reach the station's counters (scenes.sh, SCENE_VOICE).
  it("a lossy link (set peer AP loss 30%): the lost tries come back as tx retries, the pings get through", () => {
    const s = scene("lossy");
    expect(s.freq_mhz).toBe(2412);
    expect(s.loss_percent).toBe(30);
    expect(s.loss_percent_after).toBe(0);
    expect(s.ping_transmitted).toBe(50);
    expect(s.ping_received).toBeGreaterThanOrEqual(LOSSY_PINGS_ANSWERED);
    // About 0.43 retries per frame at 30% per try (0.3 / 0.7); the clean link needs almost none.
    // Over ~51 frames that is 22 lost tries (negative binomial, standard deviation 5.6); one run saw
    // 9 (session 14). A floor of 0.2 per frame fails a correct agent about once in 90 runs, 0.1 per
    // frame once in 7000, still far from a link that loses no try or loses after the ACK (0 retries).
    const packets = s.tx_packets ?? 0;
    expect(packets).toBeGreaterThanOrEqual(50);
    expect(s.tx_retries ?? 0).toBeGreaterThanOrEqual(0.1 * packets);
    expect(s.link_tries_lost ?? 0).toBeGreaterThanOrEqual(0.1 * packets);
    expect(s.clean_tx_retries ?? Number.NaN).toBeLessThan(0.1 * (s.clean_tx_packets ?? 0) + 2);
    // A frame is lost only when all its tries are (0.3^k): a few at most.
    expect(s.tx_failed ?? Number.NaN).toBeLessThanOrEqual(3);
    expect(s.link_lost ?? Number.NaN).toBeLessThanOrEqual(3);
    expect(s.link_dropped ?? 0).toBeGreaterThan(0);
    expect(share("station", "agent.log")).toMatch(/link \(set peer\): signal .*, loss 30%/);
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

  // hwsim's 5 GHz band offers VHT up to 160 MHz; hostapd runs 36-48 as one 80 MHz channel and the
  // station's kernel uses all of it: its channel is 80 MHz wide, and rate control sends at VHT
  // rates of that width.
  it("VHT80 on 36 (centre 5210 MHz): hostapd up at 80 MHz, the station associated 80 MHz wide and sending VHT, pings, iperf3", () => {
    expect(share("station", "phy-vht80.txt")).toMatch(/VHT Capabilities/);
    const ap = share("ap", "ap-status-vht80.txt");
    expect(ap).toMatch(/^vht_oper_chwidth=1$/m);
    expect(ap).toMatch(/^vht_oper_centr_freq_seg0_idx=42$/m);
    expect(ap).toMatch(/width: 80 MHz, center1: 5210 MHz/);
    const s = scene("vht80");
    expect(s.freq_mhz).toBe(5180);
    expect(s.width_mhz).toBe(80);
    // Rate control mixes widths (20, 40 and 80 MHz rates); each sample is a VHT rate, some 80 MHz.
    const rates = s.tx_bitrates ?? [];
    expect(rates).toHaveLength(8);
    for (const rate of rates) expect(rate).toMatch(/VHT-MCS \d+/);
    expect(
      rates.some((rate) => / 80MHz /.test(rate)),
      rates.join("; "),
    ).toBe(true);
    expect(share("station", "link-vht80-after.txt")).toMatch(/width: 80 MHz, center1: 5210 MHz/);
    expect(s.ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    expect(s.bits_per_second ?? 0).toBeGreaterThan(0);
  });

  it("iwd as the station: WPA2-PSK on 149 and WPA3-SAE on 36, pings answered in each", () => {
    expect(scene("iwd-wpa2").freq_mhz).toBe(5745);
    expect(scene("iwd-wpa2").ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
    expect(scene("iwd-wpa3").freq_mhz).toBe(5180);
    expect(scene("iwd-wpa3").ping_received).toBeGreaterThanOrEqual(PINGS_ANSWERED);
  });

  it("both agents served every scene and stopped cleanly, leaving no radio or interface of theirs", () => {
    expect(lab.ap.results?.scenes_served).toBe(WIFI_SCENES.length);
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
