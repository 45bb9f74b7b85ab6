/**
 * Bundles src/cli.ts into `outdir` (relative to the checkout, or absolute): cli.cjs, the
 * wifi-tunnel.cjs loader and, unless `codeCache` is false, cli.cjs.cache. `addonJs: "external"`
 * leaves netlink's and pcap's JavaScript in node_modules (the form bench/startup.ts compares with).
 */
export function bundleCli(options?: {
  outdir?: string;
  codeCache?: boolean;
  addonJs?: "bundled" | "external";
}): Promise<void>;

/** A Node start-up snapshot of the bundle in `bundleDir`, written to `outdir`; returns the blob's path. */
export function buildSnapshot(bundleDir: string, outdir: string): Promise<string>;
