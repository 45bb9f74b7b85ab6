// Where a worker thread's code is: in the bundle, a file of its own beside cli.cjs (scripts/bundle.mjs
// builds each worker's entry so); run from tsc's output, the compiled module itself.

import { join } from "node:path";

/** Set by scripts/bundle.mjs. */
declare const WIFI_TUNNEL_BUNDLED: boolean | undefined;

/** `compiled` is called only outside the bundle, where import.meta.url means something. */
export function workerEntry(bundledFile: string, compiled: () => URL): string | URL {
  if (typeof WIFI_TUNNEL_BUNDLED !== "undefined") return join(__dirname, bundledFile);
  return compiled();
}
