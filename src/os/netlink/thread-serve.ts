// The worker's side of thread-protocol.ts, apart from its entry so that a test can serve test
// doubles over a MessageChannel: open the ops, then answer every call; "close" closes them.

import type { MessagePort } from "node:worker_threads";
import { type Call, type Reply, type Request, reviveCall } from "./thread-protocol.js";
import type { WirelessOps } from "./wireless-ops.js";

type Port = Pick<MessagePort, "on" | "postMessage" | "close">;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function serveWirelessOps(port: Port, open: () => Promise<WirelessOps>): void {
  const post = (reply: Reply): void => port.postMessage(reply);
  const opened = open();
  opened.then(
    () => post({ kind: "ready" }),
    (error: unknown) => {
      post({ kind: "open-failed", message: messageOf(error) });
      port.close();
    },
  );
  port.on("message", (request: Request) => {
    opened.then(
      async (ops) => {
        if (request.op === "close") {
          await ops.close().catch(() => {});
          post({ kind: "closed" });
          port.close();
          return;
        }
        const call: Call = reviveCall(request);
        try {
          const method = ops[call.op] as (...args: unknown[]) => Promise<unknown>;
          post({ kind: "result", id: call.id, value: await method.apply(ops, call.args) });
        } catch (error) {
          post({ kind: "failed", id: call.id, message: messageOf(error) });
        }
      },
      () => {},
    );
  });
}
