// LoopDelay's stall report tells the agent's own work from waiting: a loop held by a busy JavaScript
// loop is reported with about its length in CPU, one held by a sleep (the process descheduled, as
// when the guest's other processes run) with next to none.
import { afterEach, describe, expect, it } from "vitest";
import { LoopDelay, type LoopStall } from "../../src/agent/loop-delay.js";

const monitors: LoopDelay[] = [];
afterEach(() => {
  for (const monitor of monitors.splice(0)) monitor.stop();
});

function watch(): { monitor: LoopDelay; stalls: LoopStall[] } {
  const stalls: LoopStall[] = [];
  const monitor = new LoopDelay();
  monitors.push(monitor);
  monitor.start((stall) => stalls.push(stall));
  return { monitor, stalls };
}

function longest(stalls: readonly LoopStall[]): LoopStall {
  expect(stalls.length).toBeGreaterThan(0);
  return stalls.reduce((a, b) => (b.lateMs > a.lateMs ? b : a));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("LoopDelay", () => {
  it("reports a loop the process held itself, with its CPU", async () => {
    const { monitor, stalls } = watch();
    await pause(150);
    const until = performance.now() + 400;
    while (performance.now() < until) {
      // spin: the agent's own work
    }
    await pause(250);
    // The longest stall is the spin (a loaded machine may add shorter ones).
    const held = longest(stalls);
    expect(held.lateMs).toBeGreaterThanOrEqual(250);
    expect(held.cpuMs).toBeGreaterThanOrEqual(200);
    const counters = monitor.counters();
    expect(counters["loop-stalls"]).toBe(stalls.length);
    expect(counters["loop-stall-cpu-max-ms"]).toBe(Math.max(...stalls.map(({ cpuMs }) => cpuMs)));
    expect(counters["loop-delay-max-ms"]).toBeGreaterThanOrEqual(250);
  });

  it("reports a loop held while the process slept with little CPU", async () => {
    const { monitor, stalls } = watch();
    await pause(150);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
    await pause(250);
    const slept = longest(stalls);
    expect(slept.lateMs).toBeGreaterThanOrEqual(250);
    expect(slept.cpuMs).toBeLessThan(slept.lateMs / 2);
    expect(monitor.counters()["loop-stalls"]).toBe(stalls.length);
  });
});
