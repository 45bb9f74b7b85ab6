// The lab VM's initramfs: a static busybox, the few kernel modules that reach the host's root over
// virtio-9p, and lab/guest/init.sh as /init. It is rebuilt only when its content changes: the
// gzipped cpio is cached under .vm-work/ by the hash of everything that goes into it.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { guestDir, workDir as labWorkDir } from "./paths.js";

const BUSYBOX = "/bin/busybox";

// What /init needs before switch_root: the virtio PCI transport, 9p over virtio, overlayfs, and the
// Ethernet card. Their dependencies (netfs, fscache, failover, ...) are resolved from modules.dep.
const EARLY_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay", "virtio_net"];

export interface Kernel {
  readonly version: string;
  readonly image: string;
  readonly modulesDir: string;
}

/** The newest /boot/vmlinuz-* whose modules are installed, or undefined if there is none. */
export function findKernel(): Kernel | undefined {
  const versions = readdirSync("/boot")
    .filter((name) => name.startsWith("vmlinuz-"))
    .map((name) => name.slice("vmlinuz-".length))
    .filter((version) => existsSync(join("/lib/modules", version, "modules.dep")))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const version = versions.at(-1);
  if (version === undefined) return undefined;
  return { version, image: `/boot/vmlinuz-${version}`, modulesDir: join("/lib/modules", version) };
}

/**
 * Module files (paths relative to the modules dir) in an order insmod accepts: every module after
 * the modules it depends on. `modulesDep` is the text of modules.dep ("path: dep dep ...").
 */
export function moduleLoadOrder(modulesDep: string, wanted: readonly string[]): string[] {
  const depsByPath = new Map<string, string[]>();
  const pathByName = new Map<string, string>();
  for (const line of modulesDep.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const path = line.slice(0, colon);
    depsByPath.set(
      path,
      line
        .slice(colon + 1)
        .split(" ")
        .filter(Boolean),
    );
    pathByName.set(moduleName(path), path);
  }
  const order: string[] = [];
  const visit = (path: string): void => {
    if (order.includes(path)) return;
    for (const dep of depsByPath.get(path) ?? []) visit(dep);
    order.push(path);
  };
  for (const name of wanted) {
    const path = pathByName.get(name);
    if (path === undefined) throw new Error(`module ${name} is not in modules.dep`);
    visit(path);
  }
  return order;
}

/** "kernel/fs/9p/9p.ko.xz" -> "9p" */
function moduleName(path: string): string {
  const file = path.slice(path.lastIndexOf("/") + 1);
  return file.replace(/\.ko(\.xz|\.zst|\.gz)?$/, "");
}

export interface CpioEntry {
  readonly name: string;
  /** File type and permission bits, as in st_mode. */
  readonly mode: number;
  readonly data?: Buffer;
  /** Device number, for character devices. */
  readonly rdev?: { readonly major: number; readonly minor: number };
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFCHR = 0o020000;

/** The "newc" cpio archive the kernel unpacks into its initial rootfs. */
export function encodeNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const pad4 = (length: number): Buffer => Buffer.alloc((4 - (length % 4)) % 4);
  const all = [...entries, { name: "TRAILER!!!", mode: 0 }];
  all.forEach((entry, index) => {
    const data = entry.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${entry.name}\0`);
    const fields = [
      index + 1, // inode: unique per entry, so nothing is taken for a hard link
      entry.mode,
      0, // uid
      0, // gid
      1, // nlink
      0, // mtime
      data.length,
      0, // devmajor
      0, // devminor
      entry.rdev?.major ?? 0,
      entry.rdev?.minor ?? 0,
      name.length,
      0, // checksum: unused by the "070701" format
    ];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`);
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  });
  return Buffer.concat(parts);
}

function initramfsEntries(kernel: Kernel): CpioEntry[] {
  const modulesDep = readFileSync(join(kernel.modulesDir, "modules.dep"), "utf8");
  const modules = moduleLoadOrder(modulesDep, EARLY_MODULES);
  for (const path of modules) {
    if (!path.endsWith(".ko"))
      throw new Error(`${path}: compressed modules are not supported by busybox insmod`);
  }
  const dirs = ["bin", "dev", "proc", "sys", "modules"];
  return [
    ...dirs.map((name) => ({ name, mode: S_IFDIR | 0o755 })),
    // The kernel opens /dev/console for PID 1 before anything could mount devtmpfs.
    { name: "dev/console", mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
    { name: "bin/busybox", mode: S_IFREG | 0o755, data: readFileSync(BUSYBOX) },
    { name: "init", mode: S_IFREG | 0o755, data: readFileSync(join(guestDir, "init.sh")) },
    {
      name: "after-switch-root.sh",
      mode: S_IFREG | 0o755,
      data: readFileSync(join(guestDir, "after-switch-root.sh")),
    },
    ...modules.map((path) => ({
      name: `modules/${moduleName(path)}.ko`,
      mode: S_IFREG | 0o644,
      data: readFileSync(join(kernel.modulesDir, path)),
    })),
    {
      name: "modules/load-order",
      mode: S_IFREG | 0o644,
      data: Buffer.from(`${modules.map(moduleName).join("\n")}\n`),
    },
  ];
}

/** Path of the gzipped initramfs for `kernel`, building it if its content changed since last time. */
export function buildInitramfs(kernel: Kernel, workDir = labWorkDir): string {
  const archive = encodeNewc(initramfsEntries(kernel));
  const hash = createHash("sha256").update(archive).digest("hex").slice(0, 16);
  const path = join(workDir, `initramfs-${kernel.version}-${hash}.cpio.gz`);
  if (!existsSync(path)) {
    mkdirSync(workDir, { recursive: true });
    // Write then rename: two VMs booting at once may build the same file concurrently.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, gzipSync(archive));
    renameSync(partial, path);
  }
  return path;
}
