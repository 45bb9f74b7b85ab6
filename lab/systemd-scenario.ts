// The systemd scenario: two VMs booted with systemd as init (VmSpec.init "systemd"). Before boot,
// each runs lab/guest/systemd-image.sh chrooted in its root, which installs the agent with the
// commands of README.md's "Running it as a service" and enables hostapd (VM "ap") or
// wpa_supplicant@wlan0 (VM "sta"); then systemd starts everything, and lab-check.service
// (lab/guest/systemd-check.sh) records what happened and powers the VM off.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkoutDir, guestDir } from "./paths.js";
import type { ScenarioOptions, ScenarioVm } from "./scenarios.js";
import { ethernetPair, runVms, type VmResult } from "./vm.js";

export interface SystemdVmResults {
  readonly agent_active: boolean;
  /** The unit's Type= as systemd loaded it. */
  readonly agent_type: string;
  /** The agent's first line in the journal. */
  readonly first_line: string;
  readonly ready_seconds: number | null;
  /** STATUS= as `systemctl status` shows it. */
  readonly status_text: string;
  readonly daemon_active: boolean;
  /** hostapd / wpa_supplicant@wlan0 left "inactive" only after the agent's READY=1. */
  readonly daemon_started_after_agent_ready: boolean;
  readonly unique_mac_set: boolean;
  /** net.core.rmem_max / wmem_max once the unit ran (its ExecStartPre raises them). */
  readonly rmem_max: number;
  readonly wmem_max: number;
  /** The agent warned that its tunnel socket got smaller buffers than it asked for. */
  readonly buffers_short_logged: boolean;
  readonly associated: boolean;
  readonly handshake_completed: boolean;
  readonly ping_transmitted: number;
  readonly ping_received: number;
  readonly peer_done: boolean;
  readonly reload_logged: boolean;
  readonly reload_added_peer: boolean;
  readonly ping_received_after_reload: number;
  readonly counters_logged: boolean;
  readonly journal_priorities: boolean;
  readonly template_active: boolean;
  readonly template_first_line: string;
  readonly template_reloaded: boolean;
  readonly template_stop_exit_status: number | null;
  readonly stop_result: string;
  readonly stop_exit_status: number | null;
  readonly radios_same_after_stop: boolean;
  readonly uptime_seconds: number;
}

export interface SystemdPair {
  readonly ap: ScenarioVm<SystemdVmResults>;
  readonly station: ScenarioVm<SystemdVmResults>;
}

/** The first ```sh block of README.md's "Running it as a service": the install steps, verbatim. */
export function readmeInstallSteps(readme = readFileSync(join(checkoutDir, "README.md"), "utf8")): string {
  const section = readme.split(/^## /m).find((part) => part.startsWith("Running it as a service"));
  const block = section === undefined ? null : /```sh\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error("README.md has no ```sh block under '## Running it as a service'");
  return block[1];
}

function readResults(vm: VmResult): ScenarioVm<SystemdVmResults> {
  try {
    return { vm, results: JSON.parse(readFileSync(join(vm.shareDir, "results.json"), "utf8")) };
  } catch {
    return { vm, results: undefined };
  }
}

export async function runSystemdPair(options: ScenarioOptions = {}): Promise<SystemdPair> {
  const [apEthernet, stationEthernet] = await ethernetPair();
  const env = { ...options.env, README_INSTALL: readmeInstallSteps() };
  const script = join(guestDir, "systemd-image.sh");
  const [ap, station] = await runVms(
    [
      {
        name: "sd-ap",
        script,
        radios: 1,
        init: "systemd",
        ethernet: apEthernet,
        env: { ...env, SYSTEMD_ROLE: "ap" },
      },
      {
        name: "sd-sta",
        script,
        radios: 1,
        init: "systemd",
        ethernet: stationEthernet,
        env: { ...env, SYSTEMD_ROLE: "sta" },
      },
    ],
    { ...options, timeoutMs: options.timeoutMs ?? 420_000 },
  );
  return { ap: readResults(ap), station: readResults(station) };
}
