// What the medium processes of a finished lab run cost, read from what they left in each VM's
// share: the wifi-tunnel agent's exit report, or the CPU seconds the vwifi guest scripts read
// from /proc before stopping vwifi-server and vwifi-client.

import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * From the agent's exit report: "agent: cpu-ms=N loop-delay-p99-ms=N loop-delay-max-ms=N ...
 * loop-stall-cpu-max-ms=N" (NaN if none): CPU, the worst loop delay and the most CPU the agent
 * itself used in one stall (src/agent/loop-delay.ts).
 */
export function agentFigures(shareDir: string): { cpuS: number; loopMaxMs: number; stallCpuMaxMs: number } {
  let log = "";
  try {
    log = readFileSync(join(shareDir, "agent.log"), "utf8");
  } catch {
    return { cpuS: Number.NaN, loopMaxMs: Number.NaN, stallCpuMaxMs: Number.NaN };
  }
  const line =
    log
      .split("\n")
      .filter((l) => l.includes("  agent: "))
      .at(-1) ?? "";
  const value = (name: string) => Number(line.match(new RegExp(`${name}=(\\d+)`))?.[1] ?? Number.NaN);
  return {
    cpuS: value("cpu-ms") / 1000,
    loopMaxMs: value("loop-delay-max-ms"),
    stallCpuMaxMs: value("loop-stall-cpu-max-ms"),
  };
}

/** The vwifi processes of one VM: vwifi-client, plus vwifi-server in the AP's VM (NaN if unknown). */
export function vwifiCpuSeconds(
  results: { vwifi_cpu_seconds: number | null; server_cpu_seconds?: number | null } | undefined,
): number {
  if (results?.vwifi_cpu_seconds == null) return Number.NaN;
  return results.vwifi_cpu_seconds + (results.server_cpu_seconds ?? 0);
}
