// npm ci refuses a lock file that lacks any optional dependency of a locked package, even one for
// another platform (npm 11 wrote such a lock once: biome's android/darwin/win32 binaries were
// missing, and setup printed a screen of `npm error` before falling back to npm install). This
// checks the lock as npm ci reads it (measured with npm 11.19: deleting the lock's entry for
// @biomejs/cli-android-arm64 makes npm ci fail with "Missing: @biomejs/cli-android-arm64@2.6.8
// from lock file"); CI's `npm ci` on a clean clone (scripts/setup.sh) is the
// real proof.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkoutDir } from "../../lab/paths.js";

interface LockedPackage {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(join(checkoutDir, "package-lock.json"), "utf8")) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};
const manifest = JSON.parse(readFileSync(join(checkoutDir, "package.json"), "utf8")) as LockedPackage;

/** Where node's resolution would find `name` from the package at `from` (nested first). */
function resolved(from: string, name: string): LockedPackage | undefined {
  let dir = from;
  for (;;) {
    const found = lock.packages[`${dir === "" ? "" : `${dir}/`}node_modules/${name}`];
    if (found) return found;
    if (dir === "") return undefined;
    const at = dir.lastIndexOf("/node_modules/");
    dir = at === -1 ? "" : dir.slice(0, at);
  }
}

describe("package-lock.json", () => {
  it("is a lockfile npm 7+ reads (version 3)", () => {
    expect(lock.lockfileVersion).toBe(3);
  });

  it("locks every optional dependency of every locked package, for every platform", () => {
    const missing: string[] = [];
    for (const [path, locked] of Object.entries(lock.packages)) {
      for (const name of Object.keys(locked.optionalDependencies ?? {}))
        if (resolved(path, name) === undefined) missing.push(`${path || "(root)"} → ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it("locks exactly the versions package.json pins", () => {
    const root = lock.packages[""];
    expect(root?.dependencies).toEqual(manifest.dependencies);
    expect(root?.devDependencies).toEqual(manifest.devDependencies);
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }))
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
  });
});
