// How long the event loop kept frames waiting. Everything the agent does runs on one thread: a
// netlink dump parsed in JavaScript, a radio created, a timer's batch of injections all hold back
// every frame in flight, and a stall of seconds ages echoes past their window and makes peers look
// silent (both seen with three VMs). perf_hooks samples the loop's lateness in C, at no cost to the
// frame path; the report gives its p99 and worst since start.

import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";

/** Sampling period: finer than the 20 ms budget the agent holds itself to. */
const RESOLUTION_MS = 10;

export const LOOP_DELAY_COUNTERS = ["loop-delay-p99-ms", "loop-delay-max-ms"] as const;
export type LoopDelayCounter = (typeof LOOP_DELAY_COUNTERS)[number];

export class LoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  start(): void {
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  /** Milliseconds the loop ran late (beyond the sampling period): p99 and maximum. */
  counters(): Record<LoopDelayCounter, number> {
    const lateness = (ns: number): number => Math.max(0, Math.round(ns / 1e6 - RESOLUTION_MS));
    const samples = this.histogram.count > 0;
    return {
      "loop-delay-p99-ms": samples ? lateness(this.histogram.percentile(99)) : 0,
      "loop-delay-max-ms": samples ? lateness(this.histogram.max) : 0,
    };
  }
}
