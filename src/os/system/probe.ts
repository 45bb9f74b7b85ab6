// What `wifi-tunnel doctor` asks the running system: kernel modules (loaded in /sys/module, or
// shipped in /lib/modules/RELEASE), interfaces in /sys/class/net, the process's effective uid and
// capabilities (/proc/self/status), the kernel's caps on socket buffers (/proc/sys/net/core), the
// route to a peer (`ip route get`) and the regulatory domain (`iw reg get`). Read-only, and the
// only place the doctor touches the system; the double beside it (src/os/doubles/fake-system.ts)
// stands in for it in unit tests.

import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { readSocketBufferLimits, type SocketBufferLimits } from "./socket-buffers.js";

export interface RadioInterfaceInfo {
  readonly ifname: string;
  /** "02:00:00:00:00:00" */
  readonly mac: string;
  readonly monitor: boolean;
  readonly up: boolean;
}

export interface SystemProbe {
  kernelRelease(): string;
  /** /sys/module/NAME exists: loaded (or built in). */
  moduleLoaded(name: string): boolean;
  /** The running kernel ships NAME, as a module or built in (modules.dep, modules.builtin). */
  moduleAvailable(name: string): boolean;
  interfaceExists(ifname: string): boolean;
  interfaceMtu(ifname: string): number | null;
  /** Interfaces of 802.11 radios (they have a phy80211 link in sysfs). */
  radioInterfaces(): RadioInterfaceInfo[];
  effectiveUid(): number;
  /** CapEff of this process, or null if /proc cannot tell. */
  effectiveCapabilities(): bigint | null;
  /** net.core.rmem_max and wmem_max, or null if /proc/sys cannot tell. */
  socketBufferLimits(): SocketBufferLimits | null;
  /** The interface the kernel would send to this address through, or null. */
  routeDevice(address: string): Promise<string | null>;
  /** "00" (world), "DE", ...; null if iw is missing or fails. */
  regulatoryCountry(): Promise<string | null>;
}

const NET = "/sys/class/net";

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

function run(command: string, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 5000 }, (error, stdout) => resolve(error ? null : stdout));
  });
}

/** modules.dep / modules.builtin name files like kernel/net/wireless/cfg80211.ko(.xz|.zst|.gz). */
export function listsModule(text: string, name: string): boolean {
  const file = new RegExp(`(^|/)${name.replace(/[-_]/g, "[-_]")}\\.ko(\\.[a-z]+)?:?(\\s|$)`, "m");
  return file.test(text);
}

/** `iw reg get`'s first "country XX:" line (the global domain comes first). */
export function parseRegulatoryCountry(text: string): string | null {
  return /^country ([0-9A-Z]{2}):/m.exec(text)?.[1] ?? null;
}

export const liveSystem: SystemProbe = {
  kernelRelease: () => release(),
  moduleLoaded: (name) => existsSync(join("/sys/module", name)),
  moduleAvailable(name) {
    const dir = join("/lib/modules", release());
    return ["modules.dep", "modules.builtin"].some((file) => {
      const text = readText(join(dir, file));
      return text !== null && listsModule(text, name);
    });
  },
  interfaceExists: (ifname) => existsSync(join(NET, ifname)),
  interfaceMtu(ifname) {
    const text = readText(join(NET, ifname, "mtu"));
    return text === null ? null : Number(text);
  },
  radioInterfaces() {
    let names: string[];
    try {
      names = readdirSync(NET);
    } catch {
      return [];
    }
    const found: RadioInterfaceInfo[] = [];
    for (const ifname of names) {
      const dir = join(NET, ifname);
      const mac = readText(join(dir, "address"));
      if (mac === null || !existsSync(join(dir, "phy80211"))) continue;
      // ARPHRD_IEEE80211_RADIOTAP (803): a monitor interface, which never transmits as itself.
      const monitor = readText(join(dir, "type")) === "803";
      const flags = Number.parseInt(readText(join(dir, "flags")) ?? "0", 16);
      found.push({ ifname, mac, monitor, up: (flags & 1) === 1 });
    }
    return found;
  },
  effectiveUid: () => process.geteuid?.() ?? -1,
  effectiveCapabilities() {
    const status = readText("/proc/self/status");
    const hex = status === null ? undefined : /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    return hex === undefined ? null : BigInt(`0x${hex}`);
  },
  socketBufferLimits: () => readSocketBufferLimits(),
  async routeDevice(address) {
    const out = await run("ip", ["-o", "route", "get", address]);
    return out === null ? null : (/\bdev (\S+)/.exec(out)?.[1] ?? null);
  },
  async regulatoryCountry() {
    const out = await run("iw", ["reg", "get"]);
    return out === null ? null : parseRegulatoryCountry(out);
  },
};
