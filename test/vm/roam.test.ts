// Roaming between two APs in different VMs (issue 14, item 3), in one boot of three VMs joined only
// by the agents (lab/guest/roam.sh): AP 1 of one network in VM 10.0.0.1 on channel 1, AP 2 in VM
// 10.0.0.2 on channel 11 (same SSID and passphrase, BSSIDs 02:00:00:77:00:01 and :02, both bridged
// onto the lab's Ethernet, the distribution system), a station in VM 10.0.0.3. Agents, hostapd
// and wpa_supplicant start at the same moment in every VM. The station roams with `wpa_cli roam`
// there and back, then by itself (bgscan) when the link model fades AP 1, then with 802.11r FT
// over the air, pinging the gateway (AP 1's bridge) every 0.1 s through each roam. The agents are
// their VMs' hwsim medium (--medium netlink): the station's radio hears each AP with the signal of
// its peer's link, which is what makes the bgscan case possible.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCounters } from "../../lab/agent-log.js";
import {
  consoleTail,
  type RoamLab,
  type RoamResult,
  runRoamLab,
  type ScenarioVm,
} from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the roaming test: ${unavailable}`);
// In the default suite since session 8. Before held fates (ebe3720) the roam to AP 2 failed in
// every run at load 7-12: the station's kernel resends an authentication or association request
// 100 ms after it was acknowledged, and hostapd restarted the 4-way handshake on each repeat
// (README, "Roaming between APs in different VMs"). The FT case counted a handshake for every FT
// roam until roam.sh looked for a 4-way handshake's message 1 instead of "Key negotiation
// completed", which wpa_supplicant logs after FT too.

const AP1 = "02:00:00:77:00:01";
const AP2 = "02:00:00:77:00:02";
/** Pings 0.1 s apart from 2 s before each roam to 5 s after it that must be answered. */
const ANSWERED_DURING = 0.9;

describe.skipIf(unavailable !== undefined)("roaming between APs in three VMs (--medium netlink)", () => {
  let lab: RoamLab;
  const vms = (): ScenarioVm<unknown>[] => [...lab.aps, lab.station];
  const share = (vm: ScenarioVm<unknown>, file: string) => readFileSync(join(vm.vm.shareDir, file), "utf8");
  const roam = (name: string): RoamResult => {
    const found = lab.station.results?.roams.find((r) => r.name === name);
    if (found === undefined) throw new Error(`no roam ${name}\n${consoleTail(lab.station.vm)}`);
    return found;
  };
  // What a user sees of a roam: the new BSSID, and the pings going on through it and after it.
  const expectRoamed = (r: RoamResult, to: string) => {
    expect(r.roam_seconds, r.name).not.toBeNull();
    expect(r.bssid_after, r.name).toBe(to);
    expect(r.pings_during, r.name).toBeGreaterThan(0);
    expect(r.pings_during - r.lost_during, r.name).toBeGreaterThanOrEqual(ANSWERED_DURING * r.pings_during);
    expect(r.ping_received, r.name).toBe(20);
  };

  beforeAll(async () => {
    lab = await runRoamLab({
      timeoutMs: 840_000,
      env: { AGENT_ARGS: "--medium netlink --stats-interval 60" },
    });
    const r = lab.station.results;
    console.log(
      `roaming: first connected to ${r?.first_bssid ?? "-"} after ${r?.assoc_seconds ?? "-"} s (both APs heard: ${r?.both_seen_at_first ?? "-"})`,
    );
    for (const roam of r?.roams ?? [])
      console.log(
        `roam ${roam.name}: ${roam.from_bssid} -> ${roam.bssid_after || "nowhere"} (${roam.key_mgmt}) in ${roam.roam_seconds ?? "never"} s ` +
          `(try ${roam.tries}, authentication after ${roam.auth_after_seconds ?? "-"} s), 4-way handshakes ${roam.handshakes}, rejects ${roam.rejects}, ` +
          `lost ${roam.lost_during}/${roam.pings_during} pings (longest gap ${roam.longest_gap_pings} x 0.1 s), after ${roam.ping_received}/${roam.ping_transmitted}`,
      );
  }, 900_000);

  // Started together, the first useful scan may hold one AP only (the other VM not beaconing yet);
  // the choice tells of the link model (-50 against -60 dBm) only when both were in the table.
  it("the station connects across the tunnel, to AP 1 (the stronger link) when it heard both", () => {
    const results = lab.station.results;
    expect(results, consoleTail(lab.station.vm)).toBeDefined();
    expect([AP1, AP2]).toContain(results?.first_bssid);
    if (results?.both_seen_at_first) expect(results.first_bssid).toBe(AP1);
  });

  it("wpa_cli roam: to AP 2 on channel 11 and back to AP 1, a 4-way handshake each, pings go on", () => {
    expectRoamed(roam("cmd-to-2"), AP2);
    expectRoamed(roam("cmd-to-1"), AP1);
    for (const name of ["cmd-to-2", "cmd-to-1"]) {
      expect(roam(name).key_mgmt).toBe("WPA2-PSK");
      expect(roam(name).handshakes).toBeGreaterThanOrEqual(1);
    }
    // AP 2 ran the station's handshake: it really was AP 2's BSS the station joined.
    expect(lab.aps[1].results?.handshakes ?? 0).toBeGreaterThanOrEqual(1);
  });

  it("bgscan: AP 1 fades to -85 dBm and AP 2 grows to -40 (wifi-tunnel set peer): the station moves to AP 2 by itself", () => {
    expectRoamed(roam("bgscan-to-2"), AP2);
    expect(share(lab.station, "set-peer.txt")).toMatch(/signal -85 dBm/);
  });

  it("802.11r: FT-PSK roams over the air to the other AP and back, without a 4-way handshake", () => {
    const ft = (lab.station.results?.roams ?? []).filter((r) => r.name.startsWith("ft-"));
    expect(ft.length).toBe(2);
    for (const r of ft) {
      expectRoamed(r, r.to_bssid);
      expect(r.key_mgmt).toBe("FT-PSK");
      expect(r.handshakes, r.name).toBe(0);
    }
  });

  it("no frame returns to the air it left from: dropped-own-frame stays 0 in every agent", () => {
    for (const vm of vms()) {
      const receive = exitCounters(share(vm, "agent.log"), "receive");
      expect(receive["dropped-own-frame"] ?? 0, vm.vm.name).toBe(0);
      expect(receive["frames-in"], vm.vm.name).toBeGreaterThan(0);
    }
  });

  it("every agent exits 0 on SIGTERM and leaves the radios as they were", () => {
    for (const vm of [...lab.aps, lab.station]) {
      expect(vm.results?.agent_started, vm.vm.name).toBe(true);
      expect(vm.results?.agent_exit_code, vm.vm.name).toBe(0);
      expect(share(vm, "radios-after.txt")).toBe(share(vm, "radios-before.txt"));
    }
    for (const ap of lab.aps) expect(ap.results?.stations_done).toBe(1);
  });
});
