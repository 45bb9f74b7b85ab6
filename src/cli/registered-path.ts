// The agent's hwsim path with --medium netlink: --unique-macs, then the agent registers as hwsim's
// medium, on a thread of its own (hwsim-medium-thread.ts; src/medium/thread/proxy.ts says why).
// No hwsim0, no libpcap, no radios of its own: the kernel hands the medium every local
// transmission and takes frames for each local radio. Loaded by run.ts with import() for that
// medium only, so the monitor path's native addon and nl80211 code are not read at start-up.

import type { MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import type { LocalMedium } from "../medium/medium.js";
import { ThreadedMedium } from "../medium/thread/proxy.js";
import { liveSystem } from "../os/system/probe.js";
import { startWorker, workerEntry } from "../os/worker-entry.js";
import type { AgentConfig } from "./config.js";
import type { HwsimMediumThreadData } from "./hwsim-medium-thread.js";
import { hwsimProblem } from "./hwsim-prerequisite.js";
import { makeMacsUnique, openLinks } from "./links-setup.js";
import { PrerequisiteError } from "./prerequisite.js";

/**
 * WIFI_TUNNEL_MEDIUM_THREAD=0 keeps the medium on the agent's event loop: for bench/ to measure
 * what the thread buys, not for use.
 */
async function openMedium(
  config: AgentConfig,
  log: Logger,
): Promise<LocalMedium & { guestMacs(): MacAddress[] }> {
  if (process.env.WIFI_TUNNEL_MEDIUM_THREAD === "0") {
    const { openHwsimNetlinkMedium } = await import("./hwsim-medium-thread.js");
    return openHwsimNetlinkMedium(log);
  }
  const data: HwsimMediumThreadData = { logLevel: config.logLevel };
  return ThreadedMedium.inWorker(
    startWorker(
      workerEntry("hwsim-medium-thread.cjs", () => new URL("./hwsim-medium-thread.js", import.meta.url)),
      data,
    ),
    log,
  );
}

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
  let medium: LocalMedium & { guestMacs(): MacAddress[] };
  try {
    medium = await openMedium(config, log);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PrerequisiteError(hwsimProblem(liveSystem, "hwsim0") ?? message);
  }
  step("registered as hwsim's medium");
  return { medium, radioMacs: () => medium.guestMacs() };
}
