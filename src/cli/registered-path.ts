// The agent's hwsim path with --medium netlink: --unique-macs, then the agent registers as hwsim's
// medium, on its own event loop. No hwsim0, no libpcap, no radios of its own: the kernel hands the
// medium every local transmission and takes frames for each local radio. Loaded by run.ts with
// import() for that medium only, so the monitor path's native addon and nl80211 code are not read
// at start-up.

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
import { openHwsimNetlinkMedium } from "./registered-medium.js";

/**
 * The medium runs on the agent's event loop. WIFI_TUNNEL_MEDIUM_THREAD=1 puts it on a worker thread
 * of its own (src/medium/thread/proxy.ts), so that a fate never waits for the agent's loop: for
 * bench/ to compare, not the default. Measured side by side (two TCG VMs, iperf3 TCP 20 s, two
 * rounds, 2026-12-03): on the loop 6.14 and 6.79 Mbit/s, on the thread 2.43 and 4.13, with less CPU
 * on the loop (20-25 s per agent against 24-30 s) and no worse a loop delay (max 0.23-1.4 s either
 * way). On a guest of one vCPU the two threads share the CPU, and every frame crosses between them
 * twice; the loop stalls the thread was made for (3.4-6.9 s, before the start-up work of sessions
 * 5-7) no longer happen.
 */
async function openMedium(
  config: AgentConfig,
  log: Logger,
): Promise<LocalMedium & { guestMacs(): MacAddress[] }> {
  if (process.env.WIFI_TUNNEL_MEDIUM_THREAD !== "1") {
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
