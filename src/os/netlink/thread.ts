// WirelessOps on a worker thread: the same calls as InThreadWirelessOps, posted to a worker that
// makes them, so the kernel's work inside sendmsg() holds that thread, not the one that moves
// frames. The agent's thread keeps the nl80211 event socket (its messages are small) and sysfs.

import type { MessagePort } from "node:worker_threads";
import { startWorker, workerEntry } from "../worker-entry.js";
import type { MonitorRequest, WirelessInterface } from "./nl80211.js";
import {
  type Call,
  type OpName,
  type Reply,
  type Request,
  reviveResult,
  type WorkerData,
} from "./thread-protocol.js";
import type { WirelessOps, WirelessOpsOptions } from "./wireless-ops.js";

/** The worker itself failed (could not start, crashed), as opposed to a netlink request. */
export class NetlinkWorkerError extends Error {}

type Pending = { readonly op: OpName; resolve(value: unknown): void; reject(error: Error): void };

/** What the thread talks through: a worker's own port, or a MessageChannel port in tests. */
export interface ThreadPort {
  postMessage(request: Request): void;
  on(event: "message", listener: (reply: Reply) => void): void;
}

export class ThreadWirelessOps implements WirelessOps {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed: Promise<void> | null = null;
  private failure: Error | null = null;
  private onClosed: () => void = () => {};

  private constructor(
    private readonly port: ThreadPort,
    private readonly stop: () => Promise<void>,
    /** Told when calls start and stop being outstanding: an idle worker keeps no process alive. */
    private readonly busy: (outstanding: boolean) => void = () => {},
  ) {
    port.on("message", (reply) => this.receive(reply));
  }

  /** Start the worker and wait until its sockets are open; rejects with the worker's reason. */
  static async open(options: WirelessOpsOptions): Promise<ThreadWirelessOps> {
    const data: WorkerData = options;
    const worker = startWorker(
      workerEntry("netlink-thread.cjs", () => new URL("./thread-worker.js", import.meta.url)),
      data,
    );
    const ops = new ThreadWirelessOps(
      worker,
      async () => {
        await worker.terminate();
      },
      (outstanding) => (outstanding ? worker.ref() : worker.unref()),
    );
    worker.on("error", (error) =>
      ops.fail(new NetlinkWorkerError(`the netlink worker failed: ${error.message}`)),
    );
    worker.on("exit", (code) => ops.fail(new NetlinkWorkerError(`the netlink worker exited with ${code}`)));
    await ops.ready();
    // The agent's shutdown closes us; an idle worker must not keep a process alive on its own.
    worker.unref();
    return ops;
  }

  /** Over a port someone else serves (tests: serveWirelessOps on a MessageChannel). */
  static async over(port: MessagePort): Promise<ThreadWirelessOps> {
    const ops = new ThreadWirelessOps(port, async () => port.close());
    await ops.ready();
    return ops;
  }

  private readyWaiter: { resolve(): void; reject(error: Error): void } | null = null;

  private ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
    });
  }

  private receive(reply: Reply): void {
    switch (reply.kind) {
      case "ready":
        this.readyWaiter?.resolve();
        this.readyWaiter = null;
        return;
      case "open-failed":
        this.fail(new Error(reply.message));
        return;
      case "closed":
        this.onClosed();
        return;
      case "result":
      case "failed": {
        const pending = this.pending.get(reply.id);
        if (pending === undefined) return;
        this.pending.delete(reply.id);
        if (this.pending.size === 0) this.busy(false);
        if (reply.kind === "result") pending.resolve(reviveResult(pending.op, reply.value));
        else pending.reject(new Error(reply.message));
        return;
      }
    }
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.readyWaiter?.reject(error);
    this.readyWaiter = null;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.onClosed();
  }

  private call<K extends OpName>(op: K, ...args: Parameters<WirelessOps[K]>): Promise<unknown> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.busy(true);
      this.pending.set(id, { op, resolve, reject });
      this.port.postMessage({ id, op, args } as Call);
    });
  }

  newRadio(name: string, permAddr: Buffer): Promise<number> {
    return this.call("newRadio", name, permAddr) as Promise<number>;
  }

  wiphyByName(name: string): Promise<number | null> {
    return this.call("wiphyByName", name) as Promise<number | null>;
  }

  addMonitor(request: MonitorRequest): Promise<number> {
    return this.call("addMonitor", request) as Promise<number>;
  }

  deleteInterface(ifindex: number): Promise<void> {
    return this.call("deleteInterface", ifindex) as Promise<void>;
  }

  setFrequency(ifindex: number, freqMhz: number): Promise<void> {
    return this.call("setFrequency", ifindex, freqMhz) as Promise<void>;
  }

  setLinkUp(ifindex: number, options: { mtu?: number } = {}): Promise<void> {
    return this.call("setLinkUp", ifindex, options) as Promise<void>;
  }

  interfaces(): Promise<WirelessInterface[]> {
    return this.call("interfaces") as Promise<WirelessInterface[]>;
  }

  linkIsUp(ifindex: number, ifname?: string): Promise<boolean> {
    return this.call("linkIsUp", ifindex, ifname) as Promise<boolean>;
  }

  /** The worker closes its sockets (the kernel destroys our radios with them), then stops. */
  close(): Promise<void> {
    if (this.closed !== null) return this.closed;
    this.closed = (async () => {
      if (this.failure === null) {
        const done = new Promise<void>((resolve) => {
          this.onClosed = resolve;
        });
        this.busy(true);
        this.port.postMessage({ op: "close" });
        await done;
      }
      await this.stop();
    })();
    return this.closed;
  }
}
