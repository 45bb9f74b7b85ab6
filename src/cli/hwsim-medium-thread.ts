// The thread hwsim's registered medium runs on (registered-path.ts starts it): the medium socket
// and every fate are here, so no frame waits for the agent's event loop. Its log lines and state
// go to the agent's thread (src/medium/thread/).

import { parentPort, workerData } from "node:worker_threads";
import { HwsimNetlinkMedium } from "../agent/hwsim-netlink-medium.js";
import type { Logger, LogLevel } from "../log.js";
import { serveMedium } from "../medium/thread/serve.js";
import { HwsimMediumSocket } from "../os/netlink/hwsim/medium-socket.js";
import { listHwsimRadios } from "../os/radios/hwsim-sysfs.js";

export interface HwsimMediumThreadData {
  readonly logLevel: LogLevel;
}

/** The medium itself, on whichever thread calls this. */
export async function openHwsimNetlinkMedium(log: Logger): Promise<HwsimNetlinkMedium> {
  const port = await HwsimMediumSocket.open();
  return new HwsimNetlinkMedium({ port, listRadios: () => listHwsimRadios(), log });
}

if (parentPort !== null) {
  const data = workerData as HwsimMediumThreadData;
  serveMedium(parentPort, openHwsimNetlinkMedium, data.logLevel);
}
