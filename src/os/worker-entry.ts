// How the agent's worker threads start: where a worker's code is (in the bundle, a file of its own
// beside cli.cjs, built so by scripts/bundle.mjs; run from tsc's output, the compiled module itself)
// and the heap limits every worker gets.

import { join } from "node:path";
import { Worker } from "node:worker_threads";

/**
 * A worker's young generation, capped: under a sustained frame rate V8 grows each isolate's
 * semi-spaces to their default maximum, and the ten-minute soak's RSS grew 24-27% after the first
 * minute; with 1 MiB semi-spaces (a 3 MiB young generation) it grew 2.5-8.7%, at the same iperf3
 * throughput (docs/benchmarks.md). The main isolate takes the same cap from the command's
 * `--max-semi-space-size=1` (scripts/bundle.mjs); this one holds however the agent was started.
 */
export const WORKER_YOUNG_GENERATION_MB = 3;

/** Starts `entry` as a worker thread with `workerData` and the agent's heap limits. */
export function startWorker(entry: string | URL, workerData: unknown): Worker {
  return new Worker(entry, {
    workerData,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
}

/** Set by scripts/bundle.mjs. */
declare const WIFI_TUNNEL_BUNDLED: boolean | undefined;

/** `compiled` is called only outside the bundle, where import.meta.url means something. */
export function workerEntry(bundledFile: string, compiled: () => URL): string | URL {
  if (typeof WIFI_TUNNEL_BUNDLED !== "undefined") return join(__dirname, bundledFile);
  return compiled();
}
