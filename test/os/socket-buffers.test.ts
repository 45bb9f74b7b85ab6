// raiseSocketBufferLimits over a directory standing in for /proc/sys/net/core: raises what is
// lower, leaves what is higher, and reports what it cannot read or write instead of throwing.

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  buffersShort,
  raiseSocketBufferLimits,
  readSocketBufferLimits,
} from "../../src/os/system/socket-buffers.js";

const MIB4 = 4 * 1024 * 1024;
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function core(rmem: string | null, wmem: string | null): string {
  dir = mkdtempSync(join(tmpdir(), "wt-core-"));
  if (rmem !== null) writeFileSync(join(dir, "rmem_max"), rmem);
  if (wmem !== null) writeFileSync(join(dir, "wmem_max"), wmem);
  return dir;
}

describe("raiseSocketBufferLimits", () => {
  it("raises both caps from Debian's default", () => {
    const at = core("212992\n", "212992\n");
    expect(raiseSocketBufferLimits(MIB4, at)).toEqual({
      raised: [
        { name: "net.core.rmem_max", from: 212992, to: MIB4 },
        { name: "net.core.wmem_max", from: 212992, to: MIB4 },
      ],
      failed: null,
    });
    expect(readFileSync(join(at, "rmem_max"), "utf8")).toBe(`${MIB4}\n`);
    expect(readFileSync(join(at, "wmem_max"), "utf8")).toBe(`${MIB4}\n`);
  });

  it("never lowers a cap an administrator set higher", () => {
    const at = core("16777216\n", "212992\n");
    const result = raiseSocketBufferLimits(MIB4, at);
    expect(result.raised.map((r) => r.name)).toEqual(["net.core.wmem_max"]);
    expect(readFileSync(join(at, "rmem_max"), "utf8")).toBe("16777216\n");
  });

  it("reports a missing or unwritable cap and still raises the other", () => {
    const at = core(null, "212992\n");
    const result = raiseSocketBufferLimits(MIB4, at);
    expect(result.failed).toMatch(/^cannot raise net\.core\.rmem_max to 4194304: .*ENOENT/);
    expect(result.raised).toEqual([{ name: "net.core.wmem_max", from: 212992, to: MIB4 }]);
  });

  it("reports a file that holds no number", () => {
    const at = core("many\n", "212992\n");
    expect(raiseSocketBufferLimits(MIB4, at).failed).toMatch(/does not hold a number/);
  });

  it.skipIf(process.getuid?.() === 0)("reports a cap it may not write (not root)", () => {
    const at = core("212992\n", "212992\n");
    chmodSync(join(at, "rmem_max"), 0o444);
    expect(raiseSocketBufferLimits(MIB4, at).failed).toMatch(/EACCES/);
  });
});

describe("readSocketBufferLimits", () => {
  it("reads both caps", () => {
    expect(readSocketBufferLimits(core("212992\n", "4194304\n"))).toEqual({
      rmemMax: 212992,
      wmemMax: 4194304,
    });
  });

  it("is null when a cap is missing or holds no number", () => {
    expect(readSocketBufferLimits(core(null, "212992\n"))).toBeNull();
    rmSync(dir, { recursive: true, force: true });
    expect(readSocketBufferLimits(core("many\n", "212992\n"))).toBeNull();
  });
});

describe("buffersShort", () => {
  it.each([
    ["granted in full (Linux reports twice the 4 MiB)", { receive: 2 * MIB4, send: 2 * MIB4 }, null],
    ["no socket to judge", null, null],
  ])("says nothing when %s", (_, buffers, expected) => {
    expect(buffersShort(buffers, MIB4)).toBe(expected);
  });

  it("names both sizes and the sysctl to run when Debian's 212992 capped one", () => {
    expect(buffersShort({ receive: 425984, send: 2 * MIB4 }, MIB4)).toBe(
      "the tunnel socket got 425984/8388608 bytes of receive/send buffer, less than the 4194304 asked: " +
        "a full buffer drops datagrams under load; raise the caps as root (sysctl -w net.core.rmem_max=4194304 net.core.wmem_max=4194304)",
    );
  });
});
