// A peer restarts: in a two-VM lab with the station associated, one agent is SIGKILLed (as a crash
// or an OOM kill would) and started again at once (as systemd's Restart= would), first the
// station's, then, in a second run, the AP's. Nothing else is touched: the other agent must take the
// new session, the restarted agent is hwsim's medium again (while none runs, hwsim's own medium
// keeps the VM's air to itself), and the station is associated and pings its AP again. The time that takes is printed and kept in docs/benchmarks.md.

import { beforeAll, describe, expect, it } from "vitest";
import { readGuestFile, runTunnelPair, type TunnelPair } from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the peer-restart test: ${unavailable}`);

for (const who of ["station", "ap"] as const) {
  describe.skipIf(unavailable !== undefined)(`the ${who}'s agent is killed and started again`, () => {
    let pair: TunnelPair;

    beforeAll(async () => {
      pair = await runTunnelPair({ env: { RESTART_AGENT: who, IPERF3_SECONDS: "1" }, timeoutMs: 600_000 });
      console.log(
        `restart of the ${who}'s agent: associated and pinging again after ${pair.station.results?.restart_seconds ?? "-"} s`,
      );
    }, 700_000);

    it("the station associated before the kill", () => {
      expect(pair.station.results?.associated).toBe(true);
      expect(pair.station.results?.ping_received).toBe(20);
    });

    it("the station is associated and pings its AP again, with no other agent touched", () => {
      expect(pair.station.results?.restart_seconds).not.toBeNull();
      const killedVm = who === "station" ? pair.station.vm : pair.ap.vm;
      const otherVm = who === "station" ? pair.ap.vm : pair.station.vm;
      // The relaunched agent logged its own start; the other one saw the peer restart.
      expect(readGuestFile(killedVm, "agent-killed.log")).toMatch(/listening on UDP/);
      expect(readGuestFile(killedVm, "agent.log")).toMatch(/listening on UDP/);
      expect(readGuestFile(otherVm, "agent.log")).toMatch(/is restarted: node/);
    });

    it("the relaunched agent exits 0 on SIGTERM and the radios are as before", () => {
      expect(pair.station.results?.agent_exit_code).toBe(0);
      expect(pair.ap.results?.agent_exit_code).toBe(0);
      for (const vm of [pair.ap.vm, pair.station.vm])
        expect(readGuestFile(vm, "radios-after.txt")).toBe(readGuestFile(vm, "radios-before.txt"));
    });
  });
}
