// The netlink worker's entry (thread.ts starts it): opens the wireless ops on this thread, where
// the kernel's work inside sendmsg() stalls nobody, and answers calls in order of arrival.

import { parentPort, workerData } from "node:worker_threads";
import type { WorkerData } from "./thread-protocol.js";
import { serveWirelessOps } from "./thread-serve.js";
import { InThreadWirelessOps } from "./wireless-ops.js";

if (parentPort !== null) {
  const port = parentPort;
  serveWirelessOps(port, () => InThreadWirelessOps.open(workerData as WorkerData));
}
