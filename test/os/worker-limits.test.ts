// The agent's worker threads start with a capped young generation (src/os/worker-entry.ts): a worker
// that allocates garbage steadily, as the medium thread does under load, keeps a new space within
// the cap, where an uncapped one grows to V8's default maximum (32 MiB on x86-64).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { startWorker, WORKER_YOUNG_GENERATION_MB } from "../../src/os/worker-entry.js";

const dir = mkdtempSync(join(tmpdir(), "wt-worker-"));
const entry = join(dir, "churn.cjs");
writeFileSync(
  entry,
  `const { parentPort, resourceLimits } = require("node:worker_threads");
const v8 = require("node:v8");
let keep = [];
for (let i = 0; i < 1e6; i++) { keep.push(Buffer.alloc(64)); if (keep.length > 2000) keep = []; }
const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
parentPort.postMessage({ limit: resourceLimits.maxYoungGenerationSizeMb, newSpaceBytes: newSpace.space_size });`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(worker: Worker): Promise<{ limit: number; newSpaceBytes: number }> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

describe("startWorker", () => {
  it("caps the young generation of a worker that allocates steadily", async () => {
    const worker = startWorker(entry, null);
    const capped = await report(worker);
    await worker.terminate();
    expect(capped.limit).toBe(WORKER_YOUNG_GENERATION_MB);
    expect(capped.newSpaceBytes).toBeLessThanOrEqual(WORKER_YOUNG_GENERATION_MB * 1024 * 1024);

    // The same worker without the cap, in the same process: what the cap prevents.
    const plain = new Worker(entry);
    const uncapped = await report(plain);
    await plain.terminate();
    expect(uncapped.newSpaceBytes).toBeGreaterThan(capped.newSpaceBytes);
  }, 30_000);
});
