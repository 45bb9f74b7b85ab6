// The links the agent prepares before its capture starts: hwsim0 up, and for --unique-macs the
// local radios' interfaces (sysfs names them: /sys/class/net/*/phy80211) re-addressed while down.
// Reads come from sysfs and writes go through rtnetlink only. Why not WirelessControl: opening it
// resolves the nl80211 family (a dump of every generic netlink family, parsed in JavaScript),
// which cost 0.3-0.5 s of a TCG guest's start-up, and the radio backend resolves it again anyway.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRtNetlink, type RtNetlinkSocket } from "netlink";

/** ARPHRD_IEEE80211_RADIOTAP: the link type of monitor interfaces. */
const ARPHRD_IEEE80211_RADIOTAP = 803;
const IFF_UP = 0x1;

export interface RadioInterface {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Buffer;
  readonly monitor: boolean;
  readonly up: boolean;
}

export class LinkControl {
  private constructor(
    private readonly rt: RtNetlinkSocket,
    private readonly sysfs: string,
  ) {}

  /** `sysfs` is /sys/class/net but for tests. */
  static open(sysfs = "/sys/class/net"): LinkControl {
    return new LinkControl(createRtNetlink(), sysfs);
  }

  /** The interface's index, or null if there is no such interface. */
  ifindex(ifname: string): number | null {
    return readNumber(join(this.sysfs, ifname, "ifindex"));
  }

  /** Interfaces of 802.11 radios (they have a phy80211 link in sysfs), monitors included. */
  radioInterfaces(): RadioInterface[] {
    const found: RadioInterface[] = [];
    for (const ifname of readdirSync(this.sysfs)) {
      const dir = join(this.sysfs, ifname);
      const ifindex = readNumber(join(dir, "ifindex"));
      const address = readText(join(dir, "address"));
      if (ifindex === null || address === null || readText(join(dir, "phy80211", "name")) === null) continue;
      found.push({
        ifname,
        ifindex,
        mac: Buffer.from(address.replace(/:/g, ""), "hex"),
        monitor: readNumber(join(dir, "type")) === ARPHRD_IEEE80211_RADIOTAP,
        up: ((readNumber(join(dir, "flags")) ?? 0) & IFF_UP) !== 0,
      });
    }
    return found;
  }

  async setUp(ifindex: number): Promise<void> {
    await this.rt.setLink({ index: ifindex, flags: { up: true }, change: { up: true } });
  }

  async setAddress(ifindex: number, mac: Buffer): Promise<void> {
    await this.rt.setLink({ index: ifindex }, { address: mac });
  }

  close(): void {
    this.rt.socket.close();
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** A number sysfs prints (decimal, or hex with 0x); null when the file is not there. */
function readNumber(path: string): number | null {
  const text = readText(path);
  if (text === null || text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
