// The radio directory the registered medium reads, on a sysfs-shaped tree of links and files.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listHwsimRadios } from "../../src/os/radios/hwsim-sysfs.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** /sys/devices/... with one phy per [driver dir, phy, mac], and /sys/class/ieee80211 linking to them. */
function sysfs(phys: [string, string, string][]): string {
  const root = mkdtempSync(join(process.cwd(), ".sysfs-"));
  roots.push(root);
  const klass = join(root, "class", "ieee80211");
  mkdirSync(klass, { recursive: true });
  for (const [device, phy, mac] of phys) {
    const dir = join(root, "devices", device, "ieee80211", phy);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "macaddress"), `${mac}\n`);
    symlinkSync(dir, join(klass, phy));
  }
  return klass;
}

describe("the hwsim radio directory", () => {
  it("lists hwsim's radios with their permanent addresses, in phy order, and leaves other drivers out", () => {
    const root = sysfs([
      ["virtual/mac80211_hwsim/hwsim1", "phy10", "02:00:00:00:01:00"],
      ["virtual/mac80211_hwsim/hwsim0", "phy2", "02:00:00:00:00:00"],
      ["pci0000:00/0000:00:05.0/virtio3", "phy0", "52:54:00:12:34:56"],
    ]);
    expect(listHwsimRadios(root)).toEqual([
      { phy: "phy2", permAddr: 0x02_00_00_00_00_00 },
      { phy: "phy10", permAddr: 0x02_00_00_00_01_00 },
    ]);
  });

  it("is empty without a Wi-Fi stack", () => {
    expect(listHwsimRadios(join(process.cwd(), "no-such-sysfs"))).toEqual([]);
  });
});
