// The agent's airport path (virtio-mac80211 guests through a wifi-medium hub socket). Loaded by
// run.ts with import() only when --airport-listen or --airport-connect is given.

import { hubIdFromTermid } from "../airport/constants.js";
import { AirportHubPort } from "../airport/hub-client.js";
import { AirportHubServer } from "../airport/hub-server.js";
import type { Logger } from "../log.js";
import type { LocalMedium } from "../medium/medium.js";
import type { AirportConfig } from "./config.js";

export function airportMedium(config: AirportConfig, log: Logger): LocalMedium {
  const options = {
    hubId: hubIdFromTermid(config.hub),
    socketPath: config.socketPath,
    radio: { freqMhz: config.freqMhz, signalDbm: config.signalDbm, rate500kbps: config.rate500kbps },
    log,
  };
  return config.mode === "listen" ? new AirportHubServer(options) : new AirportHubPort(options);
}
