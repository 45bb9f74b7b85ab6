// When the agent falls behind (a TCG guest busy with iperf3 traffic), frames queue in the capture
// buffer and everything behind them waits, beacons included: with a backlog of 0.9 s both stations
// of a 3-VM lab logged a beacon loss at the same moment (measured). So data frames are dropped while
// the queue stays long, the way CoDel manages a router's queue: only when every frame for a whole
// interval waited longer than the target. A single stall (the guest's vCPU descheduled for 300 ms)
// leaves a burst of late frames that is worked off in milliseconds and must not be dropped: a plain
// age limit of 200 ms did, and lost 12 of 20 pings (measured). Management frames always go.

/** A data frame that waited longer than this counts as late. */
export const TARGET_WAIT_MS = 200;
/** Late frames are dropped only once frames have been late for this long without a break. */
export const LATE_INTERVAL_MS = 1000;

export class CaptureQueue {
  /** When the current run of late frames began (our clock), or null when the last frame was on time. */
  private lateSinceMs: number | null = null;

  constructor(
    private readonly targetMs = TARGET_WAIT_MS,
    private readonly intervalMs = LATE_INTERVAL_MS,
  ) {}

  /** Whether to drop a data frame captured at `capturedMs`, read at `nowMs`. */
  dropData(capturedMs: number, nowMs: number): boolean {
    if (nowMs - capturedMs <= this.targetMs) {
      this.lateSinceMs = null;
      return false;
    }
    if (this.lateSinceMs === null) this.lateSinceMs = nowMs;
    return nowMs - this.lateSinceMs >= this.intervalMs;
  }
}
