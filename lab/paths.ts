// Where the lab finds the checkout, whether it runs from lab/*.ts (vitest) or dist/lab/*.js (node).

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findCheckout(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "lab", "guest"))) return dir;
  }
  throw new Error(`no wifi-tunnel checkout above ${start}`);
}

/** The checkout's root; VMs see it at the same path, since they mount the host's root. */
export const checkoutDir = findCheckout(dirname(fileURLToPath(import.meta.url)));
/** The guest-side shell scripts. */
export const guestDir = join(checkoutDir, "lab", "guest");
/** Scratch space: cached initramfs images and one directory per VM run (gitignored). */
export const workDir = join(checkoutDir, ".vm-work");
