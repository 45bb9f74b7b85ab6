// The messages between the agent's thread and the netlink worker (thread.ts, thread-worker.ts): a
// call per WirelessOps method, answered by id. Buffers cross as Uint8Array (structured clone) and
// are made Buffers again on arrival, by revive*() here so both sides agree on which fields they are.

import type { MonitorRequest, WirelessInterface } from "./nl80211.js";
import type { WirelessOps, WirelessOpsOptions } from "./wireless-ops.js";

export type OpName = Exclude<keyof WirelessOps, "close">;

export type Call = {
  [K in OpName]: { readonly id: number; readonly op: K; readonly args: Parameters<WirelessOps[K]> };
}[OpName];

export type Reply =
  | { readonly kind: "ready" }
  | { readonly kind: "open-failed"; readonly message: string }
  | { readonly kind: "result"; readonly id: number; readonly value: unknown }
  | { readonly kind: "failed"; readonly id: number; readonly message: string }
  | { readonly kind: "closed" };

export type Request = Call | { readonly op: "close" };

export type WorkerData = WirelessOpsOptions;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A call as the worker received it, with its Buffers restored. */
export function reviveCall(call: Call): Call {
  switch (call.op) {
    case "newRadio":
      return { ...call, args: [call.args[0], asBuffer(call.args[1])] };
    case "addMonitor": {
      const request: MonitorRequest = call.args[0];
      const mac = request.mac === undefined ? {} : { mac: asBuffer(request.mac) };
      return { ...call, args: [{ ...request, ...mac }] };
    }
    default:
      return call;
  }
}

/** A result as the agent's thread received it, with its Buffers restored. */
export function reviveResult(op: OpName, value: unknown): unknown {
  if (op !== "interfaces") return value;
  return (value as WirelessInterface[]).map((iface) => ({ ...iface, mac: asBuffer(iface.mac) }));
}
