/** Bundles src/cli.ts into `outfile` (relative to the checkout, or absolute). */
export function bundleCli(outfile?: string): Promise<void>;
