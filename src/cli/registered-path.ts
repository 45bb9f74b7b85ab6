// The agent's hwsim path with --medium netlink: --unique-macs, then the agent registers as hwsim's
// medium. No hwsim0, no libpcap, no radios of its own: the kernel hands it every local transmission
// and takes frames for each local radio. Loaded by run.ts with import() for that medium only, so
// the monitor path's native addon and nl80211 code are not read at start-up.

import { HwsimNetlinkMedium } from "../agent/hwsim-netlink-medium.js";
import type { MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import type { LocalMedium } from "../medium/medium.js";
import { HwsimMediumSocket } from "../os/netlink/hwsim-medium-socket.js";
import { listHwsimRadios } from "../os/radios/hwsim-sysfs.js";
import { liveSystem } from "../os/system/probe.js";
import type { AgentConfig } from "./config.js";
import { hwsimProblem } from "./hwsim-prerequisite.js";
import { makeMacsUnique, openLinks } from "./links-setup.js";
import { PrerequisiteError } from "./prerequisite.js";

export async function registeredMedium(
  config: AgentConfig,
  log: Logger,
  step: (what: string) => void = () => {},
): Promise<{ medium: LocalMedium; radioMacs: () => MacAddress[] }> {
  if (config.uniqueMacs) {
    const links = openLinks();
    try {
      await makeMacsUnique(links, log);
    } finally {
      links.close();
    }
  }
  let port: HwsimMediumSocket;
  try {
    port = await HwsimMediumSocket.open();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PrerequisiteError(hwsimProblem(liveSystem, "hwsim0") ?? message);
  }
  step("registered as hwsim's medium");
  const medium = new HwsimNetlinkMedium({ port, listRadios: () => listHwsimRadios(), log });
  return { medium, radioMacs: () => medium.guestMacs() };
}
