// The airport path end to end: an access point whose frames enter through an airport hub port on the
// host (played byte for byte as QEMU's airport netdev would, lab/airport-ap.ts), a host-side agent
// serving that hub with no hwsim at all, and a scanning hwsim station in a TCG VM whose agent is the
// only way it can hear anything.

import { beforeAll, describe, expect, it } from "vitest";
import { type AirportScan, radioSnapshots, readGuestFile, runAirportScan } from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the VM airport test: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(
  "a hwsim station in a VM hears an AP behind an airport hub",
  () => {
    let scan: AirportScan;

    beforeAll(async () => {
      // The monitor path (captured on hwsim0, injected through a radio of its own): the default,
      // hwsim's medium, is proven by the other VM tests.
      scan = await runAirportScan({ timeoutMs: 300_000, env: { AGENT_ARGS: "--medium monitor" } });
      const station = scan.station.results;
      console.log(
        `airport: ${scan.host.ssid} seen=${station?.ssid_seen} after ${station?.seen_after_seconds ?? "-"} s ` +
          `(${station?.scans} scans); host sent ${scan.host.beaconsSent} beacons, ${scan.host.probeResponsesSent} probe responses`,
      );
    }, 400_000);

    it("the station's scan lists the airport AP's SSID and BSSID", () => {
      expect(scan.station.results?.agent_started).toBe(true);
      expect(scan.station.results?.ssid_seen).toBe(true);
      const found = readGuestFile(scan.station.vm, "scan.txt");
      expect(found).toContain(`BSS ${scan.host.bssid}`);
      expect(found).toMatch(new RegExp(`SSID: ${scan.host.ssid}$`, "m"));
      expect(found).toMatch(/DS Parameter set: channel 6/);
    });

    it("the station's probe requests reach the hub, and the AP answers them", () => {
      const station = readGuestFile(scan.station.vm, "wlan0-address.txt").trim();
      expect(scan.host.probeRequestsFrom).toContain(station);
      expect(scan.host.probeResponsesSent).toBeGreaterThan(0);
    });

    it("the VM agent injects on channel 6; the host agent bridges the hub both ways", () => {
      const vmLog = readGuestFile(scan.station.vm, "agent.log");
      expect(vmLog).toMatch(/receive: .*delivered=[1-9]/);
      // iw scan's trigger arrived as an nl80211 event; its probe was answered with the cached beacon.
      expect(vmLog).toMatch(/medium hwsim0: .*scans-seen=[1-9]/);
      expect(scan.host.agentLog).toMatch(/medium airport:20: .*frames-from-ports=[1-9]/);
      expect(scan.host.agentLog).toMatch(/medium airport:20: .*frames-from-tunnel=[1-9]/);
    });

    it("both agents stop with exit 0 on SIGTERM, and the VM's radios are as before", () => {
      expect(scan.station.results?.agent_exit_code).toBe(0);
      expect(scan.host.agentExitCode).toBe(0);
      const radios = radioSnapshots(scan.station.vm);
      expect(radios.after).toBe(radios.before);
    });
  },
);
