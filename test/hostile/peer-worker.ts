// The genuine peer agent on a thread of its own, for bench/hostile.ts's delivery runs: with both
// agents and the pacer on one thread, the sender starved the receiver (6.5k of 16k frames/s offered
// got through at load 8). Runs from dist/ only (a worker cannot load TypeScript).

import { parentPort, workerData } from "node:worker_threads";
import { Agent } from "../../src/agent/agent.js";
import { createLogger } from "../../src/log.js";
import type { UdpEndpoint } from "../../src/os/udp/tunnel-socket.js";
import { airOf, InjectorMedium, markedFrame, paced } from "./harness.js";

interface PeerWorkerData {
  readonly psk: Uint8Array | null;
  readonly listen: UdpEndpoint;
  readonly target: UdpEndpoint;
  readonly nodeId: number;
}

type Command =
  | { readonly type: "connected?" }
  | {
      readonly type: "send";
      readonly count: number;
      readonly perSecond: number;
      readonly first: number;
      readonly length: number;
    }
  | { readonly type: "stop" };

const data = workerData as PeerWorkerData;
const port = parentPort;
if (port === null) throw new Error("peer-worker.ts runs as a worker thread");
const injector = new InjectorMedium();
const agent = new Agent({
  nodeId: data.nodeId,
  nodeName: "genuine-peer",
  psk: data.psk === null ? null : Buffer.from(data.psk),
  listen: data.listen,
  peers: [data.target],
  media: [injector],
  localRadioMacs: () => [],
  log: createLogger({ level: "error", write: () => {} }),
});
await agent.start();
port.on("message", async (command: Command) => {
  switch (command.type) {
    case "connected?":
      port.postMessage({ type: "connected", value: agent.peers.all()[0].identity !== null });
      break;
    case "send":
      await paced(command.count, command.perSecond, (i) =>
        injector.transmit(airOf(markedFrame(command.first + i, command.length))),
      );
      port.postMessage({ type: "sent" });
      break;
    case "stop":
      await agent.stop();
      port.postMessage({ type: "stopped" });
      break;
  }
});
port.postMessage({ type: "started" });
