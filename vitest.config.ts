import { defineConfig } from "vitest/config";

// Two projects: "unit" runs anywhere in seconds without root; "vm" boots QEMU guests with
// mac80211_hwsim and needs root, qemu-system-x86 and the Debian kernel (scripts/setup.sh installs them).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/vm/**", "node_modules/**", "dist/**"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "vm",
          include: ["test/vm/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
