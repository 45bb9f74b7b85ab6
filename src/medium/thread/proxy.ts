// The agent's side of a medium that runs on a thread of its own (protocol.ts): a LocalMedium like
// any other to the agent. Why a thread: as hwsim's medium the agent reports every local frame's
// fate, and mac80211 gives up on an AP whose null frame is not acknowledged in time; with the
// medium on the agent's event loop every fate waited as long as that loop did (3.4-6.9 s at worst
// in a loaded three-VM lab, docs/benchmarks.md). On its own thread a fate waits only for that
// thread, which does nothing else: no tunnel, no sealing, no control socket, no metrics. Since
// session 8 only with WIFI_TUNNEL_MEDIUM_THREAD=1: on one vCPU the crossings cost more TCP than the
// thread saved (src/cli/registered-path.ts has the figures).
//
// What the agent asks synchronously comes from the medium's last state message (at most
// STATE_INTERVAL_MS old): counters, status, the local radios' addresses, and whether a frame can
// be delivered. A delivery is decided here from that copy (own-frame, not-ready) and decided again,
// authoritatively, by the medium on its thread, which counts it.

import type { Worker } from "node:worker_threads";
import { readAddress2 } from "../../ieee80211/frame.js";
import type { MacAddress } from "../../ieee80211/mac.js";
import type { Logger } from "../../log.js";
import { airBatch } from "../air-batch.js";
import type { AirFrame, DeliverOutcome, LocalMedium, MediumStatus } from "../medium.js";
import type { FromMedium, MediumState, ThreadPort, ToMedium } from "./protocol.js";
import { TurnBatch } from "./turn-batch.js";

/** How long close() waits for the medium's thread to close its medium before ending the thread. */
const CLOSE_TIMEOUT_MS = 5000;

type Waiter = { resolve(): void; reject(error: Error): void };

export class ThreadedMedium implements LocalMedium {
  /** The medium's own name and abilities, as its thread announced them once open. */
  name = "medium thread";
  appliesSignal = false;
  private state: MediumState = { counters: {}, status: null, guestMacs: [], ready: false };
  private ownMacs: ReadonlySet<MacAddress> = new Set();
  private onTransmit: ((air: AirFrame) => void) | null = null;
  /** This turn's frames for the medium's thread. */
  private readonly outbox = new TurnBatch((batch) => {
    if (this.failure === null) this.port.postMessage({ kind: "deliver", batch }, [batch]);
  });
  /** Waits for "opened", then for "started". */
  private waiter: Waiter | null = null;
  private onClosed: () => void = () => {};
  private closing: Promise<void> | null = null;
  private failure: Error | null = null;

  private constructor(
    private readonly port: ThreadPort<ToMedium, FromMedium>,
    private readonly log: Logger,
    private readonly stop: () => Promise<void>,
  ) {
    port.on("message", (message) => this.received(message));
  }

  private opened(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve: () => resolve(this), reject };
    });
  }

  /**
   * Over `worker`, a thread started on the medium's entry (serve.ts); waits until its medium is
   * open and rejects with the worker's own sentence when it cannot open one.
   */
  static inWorker(worker: Worker, log: Logger): Promise<ThreadedMedium> {
    const medium = new ThreadedMedium(worker, log, async () => {
      await worker.terminate();
    });
    const opened = medium.opened();
    worker.on("error", (error) => medium.fail(new Error(`the medium's thread failed: ${error.message}`)));
    worker.on("exit", (code) => medium.fail(new Error(`the medium's thread exited with ${code}`)));
    return opened;
  }

  /** Over a port someone else serves (tests: serveMedium on a MessageChannel). */
  static over(port: ThreadPort<ToMedium, FromMedium>, log: Logger): Promise<ThreadedMedium> {
    const medium = new ThreadedMedium(port, log, async () => port.close?.());
    return medium.opened();
  }

  private received(message: FromMedium): void {
    switch (message.kind) {
      case "transmitted": {
        const frames = airBatch.decode(Buffer.from(message.batch));
        if (typeof frames === "string") {
          this.log.limited(
            "error",
            "medium-batch",
            `a frame batch from ${this.name} was damaged (a bug: please report it): ${frames}`,
          );
          return;
        }
        const onTransmit = this.onTransmit;
        if (onTransmit !== null) for (const air of frames) onTransmit(air);
        return;
      }
      case "opened":
        this.name = message.name;
        this.appliesSignal = message.appliesSignal;
        this.adopt(message.state);
        this.settle(null);
        return;
      case "open-failed":
        // The thread ends next: that is no failure of a running medium.
        this.failure = new Error(message.message);
        this.settle(this.failure);
        return;
      case "state":
        this.adopt(message.state);
        return;
      case "log":
        if (message.key !== null) this.log.limited(message.level, message.key, message.message);
        else this.log[message.level](message.message);
        return;
      case "started":
        this.settle(null);
        return;
      case "start-failed":
        this.settle(new Error(message.message));
        return;
      case "closed":
        this.adopt(message.state);
        this.onClosed();
        return;
      default:
        return;
    }
  }

  private settle(error: Error | null): void {
    const waiter = this.waiter;
    this.waiter = null;
    if (error === null) waiter?.resolve();
    else waiter?.reject(error);
  }

  private adopt(state: MediumState): void {
    this.state = state;
    this.ownMacs = new Set(state.guestMacs);
  }

  /** The thread ended without being asked: nothing reaches the local radios any more. Said once. */
  private fail(error: Error): void {
    if (this.failure !== null || this.closing !== null) return;
    this.failure = error;
    const starting = this.waiter !== null;
    this.settle(error);
    this.onClosed();
    if (starting) return;
    this.log.error(
      `${this.name}: ${error.message}; local radios no longer reach the tunnel (a bug: please report it, and restart the agent)`,
    );
  }

  start(onTransmit: (air: AirFrame) => void): Promise<void> {
    this.onTransmit = onTransmit;
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.port.postMessage({ kind: "start" });
    });
  }

  deliver(air: AirFrame): DeliverOutcome {
    if (this.failure !== null) return { delivered: false, drop: "not-ready" };
    this.outbox.push(air);
    const transmitter = readAddress2(air.frame);
    if (transmitter !== null && this.ownMacs.has(transmitter)) return { delivered: false, drop: "own-frame" };
    if (!this.state.ready) return { delivered: false, drop: "not-ready" };
    return { delivered: true };
  }

  useLinkLosses(losses: ReadonlyMap<MacAddress, number>): void {
    if (this.failure === null) this.port.postMessage({ kind: "link-losses", losses: [...losses] });
  }

  counters(): Record<string, number> {
    return this.state.counters;
  }

  status(): MediumStatus {
    return this.state.status ?? {};
  }

  guestMacs(): MacAddress[] {
    return [...this.state.guestMacs];
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      if (this.failure === null) {
        this.outbox.flush();
        const done = new Promise<void>((resolve) => {
          this.onClosed = resolve;
        });
        this.port.postMessage({ kind: "close" });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          done,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
      }
      await this.stop();
    })();
    return this.closing;
  }
}
