// The agent's logger during start-up: every line is held back until the agent is ready, so the
// first line of the log (the journal's too) is the one that says version, mode, peers and how long
// start-up took; then the held lines follow in order. A start that fails or takes longer than
// HOLD_LIMIT_MS releases them at once, so nothing is ever hidden for long.

import { createLogger, type Logger, type LogLevel } from "../log.js";

/** Start-up measured at 1-2 s in a TCG guest; past this something is wrong and the lines matter more. */
const HOLD_LIMIT_MS = 10_000;

export interface StartupLog {
  readonly log: Logger;
  /** Writes `firstLine` (at info), then everything held back; later lines go straight out. */
  ready(firstLine: string): void;
  /** Writes everything held back (e.g. before the error line of a failed start). */
  release(): void;
}

export function createStartupLog(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  /** journald's line format (src/log.ts): under systemd, see src/os/systemd/journal.ts. */
  journal = false,
): StartupLog {
  let held: string[] | null = [];
  const release = (): void => {
    if (held === null) return;
    const lines = held;
    held = null;
    clearTimeout(limit);
    for (const line of lines) write(line);
  };
  const limit = setTimeout(release, HOLD_LIMIT_MS);
  limit.unref();
  const log = createLogger({
    level,
    journal,
    write: (line) => {
      if (held === null) write(line);
      else held.push(line);
    },
  });
  const direct = createLogger({ level, write, journal });
  return {
    log,
    ready(firstLine) {
      direct.info(firstLine);
      release();
    },
    release,
  };
}
