// How long the event loop kept frames waiting. Everything the agent does runs on one thread: a
// netlink dump parsed in JavaScript, a radio created, a timer's batch of injections all hold back
// every frame in flight, and a stall of seconds ages echoes past their window and makes peers look
// silent (both seen with three VMs). perf_hooks samples the loop's lateness in C, at no cost to the
// frame path; the report gives its p99 and worst since start.
//
// A late loop is not always the agent's doing: on a guest of one vCPU, hostapd, wpa_supplicant and
// the kernel's scan work take the CPU from it too. So a stall (the loop STALL_MS late) is reported
// with the CPU this process used during it: close to the stall's length, the agent held the loop
// itself (its JavaScript, its system calls, its garbage collection); far below, it was waiting for
// the CPU. The largest of those CPU figures is the agent's own worst hold.

import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";

/** Sampling period: finer than the 20 ms budget the agent holds itself to. */
const RESOLUTION_MS = 10;
/** How often the stall check runs: a timer of its own, cheap at 10 wakeups a second. */
const STALL_CHECK_MS = 100;
/** Lateness that counts as a stall and is reported. */
export const STALL_MS = 100;

export const LOOP_DELAY_COUNTERS = [
  "loop-delay-p99-ms",
  "loop-delay-max-ms",
  "loop-stalls",
  "loop-stall-cpu-max-ms",
] as const;
export type LoopDelayCounter = (typeof LOOP_DELAY_COUNTERS)[number];

/** One stall: how late the loop ran and how much CPU this process used in that time. */
export interface LoopStall {
  readonly lateMs: number;
  readonly cpuMs: number;
}

export class LoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: NodeJS.Timeout | null = null;
  private stalls = 0;
  private stallCpuMaxMs = 0;

  /** `stalled` hears of every stall as the loop comes back from it. */
  start(stalled: (stall: LoopStall) => void = () => {}): void {
    this.histogram.enable();
    let lastTick = performance.now();
    let lastCpu = cpuMicros();
    this.timer = setInterval(() => {
      const now = performance.now();
      const cpu = cpuMicros();
      const lateMs = now - lastTick - STALL_CHECK_MS;
      const cpuMs = (cpu - lastCpu) / 1000;
      lastTick = now;
      lastCpu = cpu;
      if (lateMs < STALL_MS) return;
      this.stalls++;
      // The tick's CPU, at most the lateness: the period's own ordinary work is in it too.
      const held = Math.max(0, Math.round(Math.min(cpuMs, lateMs)));
      this.stallCpuMaxMs = Math.max(this.stallCpuMaxMs, held);
      stalled({ lateMs: Math.round(lateMs), cpuMs: held });
    }, STALL_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    this.histogram.disable();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Milliseconds the loop ran late (beyond the sampling period): p99 and maximum; stalls (late by
   * STALL_MS or more) and the most CPU this process used in one of them.
   */
  counters(): Record<LoopDelayCounter, number> {
    const lateness = (ns: number): number => Math.max(0, Math.round(ns / 1e6 - RESOLUTION_MS));
    const samples = this.histogram.count > 0;
    return {
      "loop-delay-p99-ms": samples ? lateness(this.histogram.percentile(99)) : 0,
      "loop-delay-max-ms": samples ? lateness(this.histogram.max) : 0,
      "loop-stalls": this.stalls,
      "loop-stall-cpu-max-ms": this.stallCpuMaxMs,
    };
  }
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}
