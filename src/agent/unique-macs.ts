// Every VM's hwsim radios start as 02:00:00:00:00:00, 02:00:00:00:01:00, ... so two VMs on one
// tunnel collide. --unique-macs derives an address per interface from /etc/machine-id, stable
// across reboots of the same VM and distinct between VMs.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { makeLocalUnicast } from "../ieee80211/mac.js";

export function machineIdentity(): string {
  for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id", "/proc/sys/kernel/random/boot_id"]) {
    try {
      const text = readFileSync(path, "utf8").trim();
      if (text) return text;
    } catch {
      // try the next source
    }
  }
  return "";
}

/** A locally administered unicast address from (machine identity, interface name). */
export function uniqueMacFor(ifname: string, identity: string = machineIdentity()): Buffer {
  const mac = createHash("sha256").update(`wifi-tunnel mac\0${identity}\0${ifname}`).digest().subarray(0, 6);
  return makeLocalUnicast(Buffer.from(mac));
}
