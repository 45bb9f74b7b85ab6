// The VM lab itself: throwaway QEMU guests boot, mac80211_hwsim works inside them, two guests
// reach each other over their Ethernet link, and real hostapd/wpa_supplicant associate over hwsim
// (the baseline any tunnel is measured against). Needs root, qemu-system-x86 and a Debian kernel.

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { consoleTail, readGuestFile, runEthernetSmoke, runLocalBaseline } from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
const title = unavailable === undefined ? "VM lab" : `VM lab (skipped: ${unavailable})`;

/** QEMU processes still running: a finished scenario must leave none behind. */
function qemuProcesses(): string[] {
  try {
    return execFileSync(
      "pgrep",
      ["-a", "-f", "^qemu-system-x86_64 .*\\.vm-work/runs/[^ ]*-" + process.pid + "-"],
      {
        encoding: "utf8",
      },
    )
      .split("\n")
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe.skipIf(unavailable !== undefined)(title, () => {
  it("boots two VMs that load mac80211_hwsim and ping each other over eth0", async () => {
    const [first, second] = await runEthernetSmoke();
    for (const { vm, results } of [first, second]) {
      expect(vm.exitStatus, consoleTail(vm)).toBe(0);
      const interfaces = readGuestFile(vm, "interfaces.txt").split("\n");
      expect(interfaces).toEqual(expect.arrayContaining(["eth0", "wlan0", "hwsim0"]));
      expect(interfaces).not.toContain("wlan1"); // radios=1
      expect(results).toEqual({ ping_transmitted: 5, ping_received: 5 });
      console.log(`${vm.name}: boot to script ${vm.bootToScriptMs} ms, total ${vm.totalMs} ms`);
    }
    expect(qemuProcesses()).toEqual([]);
  });

  it("associates WPA2 between two local radios, pings and carries TCP (the baseline)", async () => {
    const { vm, results } = await runLocalBaseline();
    expect(vm.exitStatus, consoleTail(vm)).toBe(0);
    if (results === undefined) throw new Error(`no results.json\n${consoleTail(vm)}`);
    expect(results.assoc_seconds).toBeGreaterThan(0);
    expect(results.assoc_seconds).toBeLessThan(60);
    expect(readGuestFile(vm, "wpa_supplicant.log")).toContain("WPA: Key negotiation completed");
    expect(results.ping_transmitted).toBe(20);
    expect(results.ping_received).toBe(20);
    // The script's figure must be what iperf3 itself reported.
    const iperf3 = JSON.parse(readGuestFile(vm, "iperf3.json")) as {
      end: { sum_received: { bits_per_second: number } };
    };
    expect(results.bits_per_second).toBeCloseTo(iperf3.end.sum_received.bits_per_second, 0);
    expect(results.bits_per_second).toBeGreaterThan(0);
    console.log(
      `baseline: boot to script ${vm.bootToScriptMs} ms; association ${results.assoc_seconds} s; ` +
        `ping ${results.ping_received}/${results.ping_transmitted}; ` +
        `iperf3 ${(results.bits_per_second / 1e6).toFixed(1)} Mbit/s`,
    );
    expect(qemuProcesses()).toEqual([]);
  });
});
