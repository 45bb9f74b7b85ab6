// Three VMs on one air, everything started at once as a booting VM starts its services: an AP in
// one, a station in each of the others, agents in a full mesh of --peer, nobody waiting for anybody.
// Before the fixes of this file's commit the stations authenticated ~20 times each and frames came
// back to the air they left from.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCounters } from "../../lab/agent-log.js";
import { consoleTail, runTunnelLab, type TunnelLab } from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
/** AGENT_ARGS picks the agents' hwsim data path: hwsim's medium by default, or --medium monitor. */
const netlinkMedium = !/--medium[= ]monitor/.test(process.env.AGENT_ARGS ?? "");
if (unavailable !== undefined) console.warn(`skipping the three-VM test: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(
  "three VMs share one air (AP + two stations, started together)",
  () => {
    let lab: TunnelLab;
    const vms = () => [lab.ap, ...lab.stations];
    const share = (vm: { vm: { shareDir: string } }, file: string) =>
      readFileSync(join(vm.vm.shareDir, file), "utf8");

    beforeAll(async () => {
      // AGENT_ARGS in this process's environment reaches every agent (e.g. another --medium).
      const env: Record<string, string> = { IPERF3_SECONDS: "3", IDLE_SECONDS: "30" };
      if (process.env.AGENT_ARGS) env.AGENT_ARGS = process.env.AGENT_ARGS;
      lab = await runTunnelLab({
        stations: 2,
        env,
        timeoutMs: 840_000,
      });
      for (const [index, station] of lab.stations.entries()) {
        const r = station.results;
        console.log(
          `three VMs, station ${index + 1}: associated in ${r?.assoc_seconds ?? "-"} s (agent ready after ${r?.agent_ready_seconds ?? "-"} s), ` +
            `ping AP ${r?.ping_received}/${r?.ping_transmitted}, station ${r?.station_pings_received}/${r?.station_pings_sent}, ` +
            `beacon loss ${r?.beacon_loss}, iperf3 ${r?.bits_per_second ? (r.bits_per_second / 1e6).toFixed(2) : "-"} Mbit/s`,
        );
      }
    }, 900_000);

    it("both stations associate and complete the 4-way handshake", () => {
      for (const station of lab.stations) {
        expect(station.results, consoleTail(station.vm)).toBeDefined();
        expect(station.results?.associated).toBe(true);
        expect(station.results?.handshake_completed).toBe(true);
      }
    });

    it("each station pings the AP 20/20 and the other station 10/10 through the AP", () => {
      for (const station of lab.stations) {
        expect(station.results?.ping_received).toBe(20);
        expect(station.results?.station_pings_sent).toBe(10);
        expect(station.results?.station_pings_received).toBe(10);
      }
    });

    // Beacon losses are printed above and kept by bench/many-vms.ts, not asserted: on these 2-core
    // machines three TCG guests get about two thirds of a core each, and a guest descheduled for
    // 0.7 s (seven beacon intervals) logs one whatever the agents do (measured: 0-3 per run). The
    // one that came ~1.1 s after every association was wpa_supplicant's first key holding the
    // station's beacons while the kernel made ccm(aes); the agent now makes it once it is ready
    // (src/os/system/kernel-ciphers.ts, test/vm/kernel-ciphers.test.ts).
    it("the stations stay associated through pings, iperf3 and 30 s idle", () => {
      for (const station of lab.stations) expect(station.results?.still_associated).toBe(true);
    });

    it("no frame returns to the air it left from: dropped-own-frame stays 0 in every agent", () => {
      for (const vm of vms()) {
        const receive = exitCounters(share(vm, "agent.log"), "receive");
        expect(receive["dropped-own-frame"]).toBe(0);
        expect(receive["frames-in"]).toBeGreaterThan(0);
      }
    });

    it("a station's agent makes a radio only on the AP's channel, and acknowledges only for the AP", () => {
      for (const station of lab.stations) {
        if (netlinkMedium) {
          // As hwsim's medium an agent makes no radio and no ACK proxy: it reports fates itself.
          const log = share(station, "agent.log");
          expect(log).not.toMatch(/injecting radio ready|acknowledging for remote/);
          expect(log).toMatch(/medium hwsim is up/);
          continue;
        }
        const log = share(station, "agent.log");
        expect([...log.matchAll(/injecting radio ready on (\d+) MHz/g)].map((m) => m[1])).toEqual(["2437"]);
        expect([...log.matchAll(/acknowledging for remote ([0-9a-f:]+)/g)].map((m) => m[1])).toEqual([
          "02:00:00:00:00:00",
        ]);
      }
    });

    it("every agent exits 0 on SIGTERM and leaves the radios as they were", () => {
      for (const vm of vms()) {
        expect(vm.results?.agent_exit_code).toBe(0);
        expect(share(vm, "radios-after.txt")).toBe(share(vm, "radios-before.txt"));
      }
      expect(lab.ap.results?.stations_done).toBe(2);
    });
  },
);
