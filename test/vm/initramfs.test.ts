// The lab initramfs builder's pure parts: module dependency order and the newc cpio encoder
// (checked against GNU cpio, which must be able to list and extract what we wrote).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeNewc, findKernel, moduleLoadOrder, S_IFDIR, S_IFREG } from "../../lab/initramfs.js";

const MODULES_DEP = [
  "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko",
  "kernel/net/9p/9pnet.ko:",
  "kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko",
  "kernel/fs/netfs/netfs.ko:",
  "kernel/fs/overlayfs/overlay.ko:",
  "",
].join("\n");

describe("moduleLoadOrder", () => {
  it("puts every module after the modules it depends on, each once", () => {
    const order = moduleLoadOrder(MODULES_DEP, ["9p", "overlay", "9pnet"]);
    expect(order).toEqual([
      "kernel/net/9p/9pnet.ko",
      "kernel/fs/netfs/netfs.ko",
      "kernel/fs/fscache/fscache.ko",
      "kernel/fs/9p/9p.ko",
      "kernel/fs/overlayfs/overlay.ko",
    ]);
  });

  it("refuses a module modules.dep does not know", () => {
    expect(() => moduleLoadOrder(MODULES_DEP, ["mac80211_hwsim"])).toThrow(/mac80211_hwsim/);
  });

  const kernel = findKernel();
  it.skipIf(kernel === undefined)(
    "orders this machine's virtio/9p/overlay modules as the field notes say",
    () => {
      const dep = readFileSync(join(kernel!.modulesDir, "modules.dep"), "utf8");
      const names = moduleLoadOrder(dep, ["virtio_pci", "9pnet_virtio", "9p", "overlay"]).map((path) =>
        path.replace(/^.*\//, "").replace(/\.ko.*$/, ""),
      );
      expect([...names].sort()).toEqual(
        [
          "virtio_ring",
          "virtio",
          "virtio_pci_modern_dev",
          "virtio_pci_legacy_dev",
          "virtio_pci",
          "netfs",
          "fscache",
          "9pnet",
          "9pnet_virtio",
          "9p",
          "overlay",
        ].sort(),
      );
      const loadedBefore = (first: string, then: string): boolean =>
        names.indexOf(first) < names.indexOf(then);
      expect(loadedBefore("virtio_ring", "virtio")).toBe(true);
      expect(loadedBefore("virtio", "virtio_pci")).toBe(true);
      expect(loadedBefore("virtio", "9pnet_virtio")).toBe(true);
      expect(loadedBefore("9pnet", "9pnet_virtio")).toBe(true);
      expect(loadedBefore("netfs", "fscache")).toBe(true);
      expect(loadedBefore("fscache", "9p")).toBe(true);
    },
  );
});

describe("encodeNewc", () => {
  it("aligns headers and data to 4 bytes and ends with the trailer", () => {
    const archive = encodeNewc([{ name: "a", mode: S_IFREG | 0o644, data: Buffer.from("xyz") }]);
    expect(archive.subarray(0, 6).toString()).toBe("070701");
    // 110-byte header + "a\0" = 112 (aligned), 3 data bytes padded to 4, then the trailer entry.
    expect(archive.subarray(112, 115).toString()).toBe("xyz");
    expect(archive.subarray(116, 122).toString()).toBe("070701");
    expect(archive.subarray(116 + 110, 116 + 110 + 10).toString()).toBe("TRAILER!!!");
    expect(archive.length % 4).toBe(0);
  });

  it.skipIf(!existsSync("/usr/bin/cpio"))("writes archives GNU cpio extracts byte for byte", () => {
    const dir = mkdtempSync(join(tmpdir(), "newc-"));
    try {
      const files = { "bin/tool": Buffer.from("#!/bin/sh\necho hi\n"), "odd-length": Buffer.from("12345") };
      const archive = encodeNewc([
        { name: "bin", mode: S_IFDIR | 0o755 },
        { name: "bin/tool", mode: S_IFREG | 0o755, data: files["bin/tool"] },
        { name: "odd-length", mode: S_IFREG | 0o600, data: files["odd-length"] },
      ]);
      writeFileSync(join(dir, "archive.cpio"), archive);
      const out = join(dir, "out");
      execFileSync("sh", ["-c", `mkdir ${out} && cd ${out} && cpio -i --quiet < ../archive.cpio`]);
      for (const [name, data] of Object.entries(files)) expect(readFileSync(join(out, name))).toEqual(data);
      expect(statSync(join(out, "bin/tool")).mode & 0o777).toBe(0o755);
      expect(statSync(join(out, "odd-length")).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
