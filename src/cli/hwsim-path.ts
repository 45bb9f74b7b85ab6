// The agent's hwsim path with --medium monitor: hwsim0 up, --unique-macs, the kernel radio backend
// and the medium (--medium netlink is registered-path.ts, which loads neither libpcap nor nl80211).
// Loaded by run.ts with import() only when the agent captures an interface, so `--iface none`
// (host-side airport agents) never loads netlink or libpcap.

import { HWSIM_CAPTURE_FILTER, HwsimMedium } from "../agent/hwsim-medium.js";
import type { MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import type { LocalMedium } from "../medium/medium.js";
import { LiveCapture, routeLibpcapWarnings } from "../os/pcap/live.js";
import { KernelRadios, type NetlinkThread } from "../os/radios/kernel.js";
import { liveSystem } from "../os/system/probe.js";
import type { AgentConfig } from "./config.js";
import { hwsimProblem } from "./hwsim-prerequisite.js";
import { makeMacsUnique, openLinks } from "./links-setup.js";
import { PrerequisiteError } from "./prerequisite.js";

export async function hwsimMedium(
  config: AgentConfig,
  iface: string,
  log: Logger,
  step: (what: string) => void = () => {},
): Promise<{ medium: LocalMedium; radioMacs: () => MacAddress[] }> {
  routeLibpcapWarnings((text) => log.debug(`libpcap: ${text}`));
  const links = openLinks();
  try {
    const ifindex = links.ifindex(iface);
    if (ifindex === null) {
      throw new PrerequisiteError(
        hwsimProblem(liveSystem, iface) ??
          `there is no interface ${iface}: load the driver with 'modprobe mac80211_hwsim radios=1' (it creates hwsim0), or pass --iface`,
      );
    }
    // hwsim0 starts down and libpcap refuses a down interface.
    await links.setUp(ifindex);
    if (config.uniqueMacs) await makeMacsUnique(links, log);
  } finally {
    links.close();
  }
  step(`${iface} up${config.uniqueMacs ? ", --unique-macs done" : ""}`);
  let backend: KernelRadios;
  try {
    backend = await KernelRadios.open(config.injectPhy, netlinkThread(), (reason) =>
      log.warn(`netlink runs on the agent's thread: ${reason}`),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // No hwsim or nl80211 family: the kernel sentence says what to do (src/cli/hwsim-prerequisite.ts).
    throw new PrerequisiteError(hwsimProblem(liveSystem, iface) ?? message);
  }
  step("radio backend open");
  const medium = new HwsimMedium({
    captureIface: iface,
    source: new LiveCapture({ iface, filter: HWSIM_CAPTURE_FILTER }),
    backend,
    log,
    boundCaptureQueue: true,
  });
  return { medium, radioMacs: () => medium.guestMacs() };
}

/**
 * WIFI_TUNNEL_NETLINK_THREAD=worker moves netlink requests to a worker thread. Not the default: in
 * a 1-vCPU TCG guest the kernel's work inside the worker's sendmsg() still holds the only CPU
 * (voluntary preemption), and the measured holds of the agent's loop shrank only in the quieter
 * runs (bench/netlink-thread.ts, docs/benchmarks.md) while the worker's start cost 20-360 ms.
 */
function netlinkThread(): NetlinkThread {
  return process.env.WIFI_TUNNEL_NETLINK_THREAD === "worker" ? "worker" : "agent";
}
