// LinkControl reads the interfaces --unique-macs and hwsim0 need from sysfs; here from a sysfs
// tree laid out like the kernel's (/sys/class/net/<ifname>/{ifindex,address,type,flags,phy80211}).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LinkControl } from "../../src/os/netlink/links.js";

const sysfs = mkdtempSync(join(tmpdir(), "wt-sysfs-"));
afterAll(() => rmSync(sysfs, { recursive: true, force: true }));

function link(
  ifname: string,
  fields: { ifindex: number; address: string; type: number; flags: string; phy?: string },
) {
  const dir = join(sysfs, ifname);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ifindex"), `${fields.ifindex}\n`);
  writeFileSync(join(dir, "address"), `${fields.address}\n`);
  writeFileSync(join(dir, "type"), `${fields.type}\n`);
  writeFileSync(join(dir, "flags"), `${fields.flags}\n`);
  if (fields.phy !== undefined) {
    mkdirSync(join(dir, "phy80211"));
    writeFileSync(join(dir, "phy80211", "name"), `${fields.phy}\n`);
  }
}

link("lo", { ifindex: 1, address: "00:00:00:00:00:00", type: 772, flags: "0x9" });
link("wlan0", { ifindex: 3, address: "02:00:00:00:00:00", type: 1, flags: "0x1002", phy: "phy0" });
link("hwsim0", { ifindex: 4, address: "12:00:00:00:00:00", type: 803, flags: "0x1003" });
link("wt2437", { ifindex: 5, address: "42:00:00:00:00:00", type: 803, flags: "0x1003", phy: "wtphy2437" });

describe("LinkControl (sysfs side)", () => {
  it("finds interface indexes by name, and null for a missing interface", () => {
    const links = LinkControl.open(sysfs);
    try {
      expect(links.ifindex("hwsim0")).toBe(4);
      expect(links.ifindex("nothere0")).toBeNull();
    } finally {
      links.close();
    }
  });

  it("lists radio interfaces only, with address, monitor type and up flag", () => {
    const links = LinkControl.open(sysfs);
    try {
      const found = links.radioInterfaces().sort((a, b) => a.ifindex - b.ifindex);
      expect(found.map(({ ifname, ifindex, monitor, up }) => ({ ifname, ifindex, monitor, up }))).toEqual([
        { ifname: "wlan0", ifindex: 3, monitor: false, up: false },
        { ifname: "wt2437", ifindex: 5, monitor: true, up: true },
      ]);
      expect(found[0].mac).toEqual(Buffer.from([2, 0, 0, 0, 0, 0]));
    } finally {
      links.close();
    }
  });
});
