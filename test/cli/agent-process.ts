// The shipped CLI as a child process for tests: a bundle built into a scratch directory of the
// checkout (so its require() of the native addons finds node_modules), its stderr kept line by
// line, and waits for a line to appear (with a wide timeout: the machine is shared).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { checkoutDir } from "../../lab/paths.js";
import { bundleCli } from "../../scripts/bundle.mjs";

export async function buildScratchBundle(name: string): Promise<{ bundle: string; remove: () => void }> {
  const scratch = join(checkoutDir, "dist", `${name}-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  await bundleCli({ outdir: scratch });
  return {
    bundle: join(scratch, "wifi-tunnel.cjs"),
    remove: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

export class AgentProcess {
  readonly lines: string[] = [];
  /** Everything written to stdout (doctor's lines). */
  stdout = "";
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];
  private partial = "";

  private constructor(readonly child: ChildProcess) {
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = this.partial + chunk.toString();
      const parts = text.split("\n");
      this.partial = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    // "close", not "exit": both pipes are drained by then.
    this.exited = new Promise((resolve) => child.once("close", (code) => resolve(code)));
  }

  static start(bundle: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentProcess {
    return new AgentProcess(
      spawn(process.execPath, [bundle, ...args], { env, stdio: ["ignore", "pipe", "pipe"] }),
    );
  }

  /** The first line at or after `from` matching `pattern`. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 15_000): Promise<{ line: string; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line, at) => at >= from && pattern.test(line));
      if (index !== -1) return { line: this.lines[index] ?? "", index };
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null)
        throw new Error(`no log line matching ${pattern}; the log:\n${this.lines.join("\n")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * The counter report SIGUSR1 asks for, as lines. A second SIGUSR1 marks its end: both reports
   * are written in one go each, so everything between the two headers is the whole first one.
   */
  async report(): Promise<string[]> {
    const from = this.lines.length;
    this.child.kill("SIGUSR1");
    const first = await this.waitFor(/counters \(SIGUSR1\):/, from);
    this.child.kill("SIGUSR1");
    const second = await this.waitFor(/counters \(SIGUSR1\):/, first.index + 1);
    return this.lines.slice(first.index + 1, second.index);
  }

  /** The counters of one component of a report ("peer b (127.0.0.1:9)", "receive"), or null if absent. */
  static countersOf(report: readonly string[], component: string): Record<string, number> | null {
    const line = report.find((candidate) => candidate.includes(`  ${component}: `));
    if (line === undefined) return null;
    const counters: Record<string, number> = {};
    for (const [, name, value] of line
      .slice(line.indexOf(`  ${component}: `))
      .matchAll(/([a-z0-9-]+)=(\d+)/g))
      counters[name ?? ""] = Number(value);
    return counters;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}
