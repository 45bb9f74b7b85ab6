// hwsim's registered medium, opened on whichever thread calls this: the agent's own loop (the
// default, registered-path.ts) or the medium's thread (hwsim-medium-thread.ts).

import { HwsimNetlinkMedium } from "../agent/hwsim-netlink-medium.js";
import type { Logger } from "../log.js";
import { HwsimMediumSocket } from "../os/netlink/hwsim/medium-socket.js";
import type { OpenLocalScans } from "../os/netlink/local-scans.js";
import { listHwsimRadios } from "../os/radios/hwsim-sysfs.js";

/** Loaded when the medium opens the guest's scans, after start: it brings nl80211 and the netlink library. */
const openLocalScans: OpenLocalScans = async (onEvent) =>
  (await import("../os/netlink/local-scans.js")).openLocalScans(onEvent);

export async function openHwsimNetlinkMedium(log: Logger): Promise<HwsimNetlinkMedium> {
  const port = await HwsimMediumSocket.open();
  // WIFI_TUNNEL_FOLLOW_SCANS=0 leaves the guest's scans alone (no early end, no replay ticks), as
  // before; =started ends early only the scans the agent saw start (none begun before it followed
  // them): for bench/ to compare, not for users.
  const follow = process.env.WIFI_TUNNEL_FOLLOW_SCANS;
  const open: OpenLocalScans =
    follow === "started"
      ? async (onEvent) => {
          const scans = await openLocalScans(onEvent);
          return {
            idleStations: [],
            endScan: (ifindex) => scans.endScan(ifindex),
            endScanIfIdleStation: (ifindex) => scans.endScanIfIdleStation(ifindex),
            close: () => scans.close(),
          };
        }
      : openLocalScans;
  return new HwsimNetlinkMedium({
    port,
    listRadios: () => listHwsimRadios(),
    log,
    ...(follow !== "0" ? { openLocalScans: open } : {}),
  });
}
