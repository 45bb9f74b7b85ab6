// The agent's log: one line per event on stderr, levelled, and rate-limited per message key so a
// flood of bad datagrams says "suppressed N similar" instead of drowning the journal. Under
// systemd (stderr is the journal) a line carries no timestamp of its own (the journal stamps it)
// but a syslog priority prefix, "<4>warn: ...", which journald turns into the entry's PRIORITY.

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** Log at most `perMinute` lines per key; the next line after a quiet spell reports how many were held back. */
  limited(level: LogLevel, key: string, message: string): void;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly write?: (line: string) => void;
  readonly now?: () => number;
  readonly perMinute?: number;
  readonly timestamps?: boolean;
  /** Lines for journald: "<N>" priority prefix, no timestamp (overrides `timestamps`). */
  readonly journal?: boolean;
}

/** syslog(3) priorities, as sd-daemon(3) prefixes read by journald: err, warning, info, debug. */
export const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = { error: 3, warn: 4, info: 6, debug: 7 };

interface RateWindow {
  start: number;
  printed: number;
  held: number;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const perMinute = options.perMinute ?? 6;
  const threshold = LOG_LEVELS.indexOf(options.level);
  const windows = new Map<string, RateWindow>();

  const emit = (level: LogLevel, message: string): void => {
    if (LOG_LEVELS.indexOf(level) > threshold) return;
    const prefix = options.journal
      ? `<${SYSLOG_PRIORITY[level]}>`
      : options.timestamps === false
        ? ""
        : `${new Date(now()).toISOString()} `;
    write(`${prefix}${level}: ${message}`);
  };

  return {
    error: (message) => emit("error", message),
    warn: (message) => emit("warn", message),
    info: (message) => emit("info", message),
    debug: (message) => emit("debug", message),
    limited(level, key, message) {
      const at = now();
      let window = windows.get(key);
      if (!window || at - window.start >= 60_000) {
        const held = window?.held ?? 0;
        window = { start: at, printed: 0, held: 0 };
        windows.set(key, window);
        if (held > 0) message = `${message} (${held} similar suppressed in the last minute)`;
      }
      if (window.printed < perMinute) {
        window.printed++;
        emit(level, message);
      } else {
        window.held++;
      }
    },
  };
}
