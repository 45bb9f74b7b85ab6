// Interface set-up both hwsim paths share: rtnetlink, and --unique-macs.

import { uniqueMacFor } from "../agent/unique-macs.js";
import { formatMac, readMac } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { LinkControl } from "../os/netlink/links.js";
import { PrerequisiteError } from "./prerequisite.js";

export function openLinks(): LinkControl {
  try {
    return LinkControl.open();
  } catch (error) {
    throw new PrerequisiteError(
      `cannot open rtnetlink (${error instanceof Error ? error.message : String(error)}): the agent needs CAP_NET_ADMIN (run it as root)`,
    );
  }
}

/** --unique-macs: give each local radio interface an address derived from the machine identity. */
export async function makeMacsUnique(links: LinkControl, log: Logger): Promise<void> {
  for (const iface of links.radioInterfaces()) {
    if (iface.monitor) continue;
    const wanted = uniqueMacFor(iface.ifname);
    if (iface.mac.equals(wanted)) continue;
    if (iface.up) {
      log.warn(
        `--unique-macs: ${iface.ifname} is up, its address stays ${formatMac(readMac(iface.mac, 0))}; start the agent before hostapd/wpa_supplicant bring it up`,
      );
      continue;
    }
    await links.setAddress(iface.ifindex, wanted);
    log.info(`--unique-macs: ${iface.ifname} now uses ${formatMac(readMac(wanted, 0))}`);
  }
}
