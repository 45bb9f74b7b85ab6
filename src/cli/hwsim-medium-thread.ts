// The thread hwsim's registered medium runs on with WIFI_TUNNEL_MEDIUM_THREAD=1 (registered-path.ts
// starts it): the medium socket and every fate are here, so no fate waits for the agent's event
// loop. Its log lines and state go to the agent's thread (src/medium/thread/).

import { parentPort, workerData } from "node:worker_threads";
import type { LogLevel } from "../log.js";
import { serveMedium } from "../medium/thread/serve.js";
import { openHwsimNetlinkMedium } from "./registered-medium.js";

export interface HwsimMediumThreadData {
  readonly logLevel: LogLevel;
}

if (parentPort !== null) {
  const data = workerData as HwsimMediumThreadData;
  serveMedium(parentPort, openHwsimNetlinkMedium, data.logLevel);
}
