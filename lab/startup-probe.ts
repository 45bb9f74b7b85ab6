// Measures exec-to-ready of commands inside a lab VM (run by lab/guest/startup.sh, reported by
// bench/startup.ts). Ready is what systemd sees: the command's READY=1 on $NOTIFY_SOCKET, which
// this probe binds like systemd does; a command that never notifies (node -e 0) is ready when it
// exits. The clock starts just before spawn, so fork and exec count, as they do under systemd.
//
//   node dist/lab/startup-probe.js RUNS OUT.json NAME=COMMAND...
//
// The probe waits on the socket and the child's exit (no polling), so it takes no CPU from the
// measured start in a 1-vCPU guest. Each agent gets SIGTERM once ready and is waited for.

import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createSocket } from "unix-dgram";

interface Run {
  /** Exec to READY=1; null if the command never sent it. */
  readonly readyMs: number | null;
  /** Exec to the "listening on UDP" log line (the lab's marker before sd_notify existed). */
  readonly listeningMs: number | null;
  /** Exec to a clean exit, for commands that end by themselves (node -e 0). */
  readonly exitMs: number | null;
  readonly exitCode: number | null;
  readonly firstLine: string;
}

/** After "listening on UDP", how long to wait for a READY=1 before taking the command as one that never sends it. */
const READY_GRACE_MS = 5000;
const [runsText, outPath, ...variants] = process.argv.slice(2);
const runs = Number(runsText);
if (!Number.isInteger(runs) || runs < 1 || outPath === undefined || variants.length === 0) {
  console.error("usage: startup-probe RUNS OUT.json NAME=COMMAND...");
  process.exit(2);
}

const notifyPath = "/run/startup-probe.notify";
rmSync(notifyPath, { force: true });
const socket = createSocket("unix_dgram");
let onReady: (() => void) | null = null;
socket.on("message", (message: Buffer) => {
  if (/^READY=1$/m.test(message.toString())) onReady?.();
});
socket.bind(notifyPath);

function measure(command: string): Promise<Run> {
  return new Promise((resolve) => {
    let stderr = "";
    let readyMs: number | null = null;
    let listeningMs: number | null = null;
    let stopping = false;
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn("/bin/sh", ["-c", `exec ${command}`], {
      env: { ...process.env, NOTIFY_SOCKET: notifyPath },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      child.kill("SIGTERM");
    };
    let grace: NodeJS.Timeout | undefined;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (listeningMs === null && stderr.includes("listening on UDP")) {
        listeningMs = elapsed();
        if (readyMs !== null) stop();
        else grace = setTimeout(stop, READY_GRACE_MS);
      }
    });
    onReady = () => {
      if (readyMs !== null) return;
      readyMs = elapsed();
      // The new builds print "listening on UDP" with the held start-up lines, just before READY=1.
      if (listeningMs !== null) stop();
    };
    child.once("exit", (code) => {
      const exitMs = stopping ? null : elapsed();
      clearTimeout(grace);
      resolve({
        readyMs,
        listeningMs,
        exitMs: code === 0 ? exitMs : null,
        exitCode: code,
        firstLine: stderr.split("\n")[0] ?? "",
      });
    });
  });
}

const results: Record<string, Run[]> = {};
// Round-robin over the variants, so a slow spell of the host hits every variant alike.
for (let run = 0; run < runs; run++) {
  for (const variant of variants) {
    const equals = variant.indexOf("=");
    const name = variant.slice(0, equals);
    const result = await measure(variant.slice(equals + 1));
    results[name] = [...(results[name] ?? []), result];
    const ms = (value: number | null): string => (value === null ? "-" : value.toFixed(0));
    console.error(
      `startup-probe: ${name} run ${run + 1}: ready ${ms(result.readyMs)} ms, listening ${ms(result.listeningMs)} ms, exit ${ms(result.exitMs)} ms`,
    );
  }
}
socket.close();
writeFileSync(outPath, `${JSON.stringify(results, null, 2)}\n`);
