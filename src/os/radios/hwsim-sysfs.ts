// Which hwsim radios this kernel has, from sysfs: /sys/class/ieee80211/phyN is a link into the
// radio's device, which for hwsim lives under /sys/devices/virtual/mac80211_hwsim/hwsimN, and
// phyN/macaddress is the radio's permanent address. Read by the registered medium (--medium netlink)
// to know where to deliver; a read costs ~1 ms per radio in a TCG guest.

import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { MacAddress } from "../../ieee80211/mac.js";
import { parseMac } from "../../ieee80211/mac.js";

export const SYSFS_IEEE80211 = "/sys/class/ieee80211";

export interface HwsimRadioEntry {
  /** wiphy name, e.g. "phy0". */
  readonly phy: string;
  /** Its permanent address (hwsim's `addresses[0]`). */
  readonly permAddr: MacAddress;
}

/** The hwsim radios under `root` (other drivers' radios are left out); [] when there is none. */
export function listHwsimRadios(root: string = SYSFS_IEEE80211): HwsimRadioEntry[] {
  let phys: string[];
  try {
    phys = readdirSync(root);
  } catch {
    return [];
  }
  const radios: HwsimRadioEntry[] = [];
  for (const phy of phys) {
    try {
      if (!realpathSync(join(root, phy)).includes("/mac80211_hwsim/")) continue;
      const mac = parseMac(readFileSync(join(root, phy, "macaddress"), "latin1").trim());
      if (mac.ok) radios.push({ phy, permAddr: mac.value });
    } catch {
      // A radio removed while we read: it is not there.
    }
  }
  return radios.sort((a, b) => a.phy.localeCompare(b.phy, "en", { numeric: true }));
}
