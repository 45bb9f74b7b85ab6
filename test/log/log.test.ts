// The log line formats: a terminal's or file's (ISO timestamp, level) and journald's (syslog
// priority prefix, no timestamp), and stderrIsJournal's comparison of JOURNAL_STREAM with fd 2.

import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "../../src/log.js";
import { stderrIsJournal } from "../../src/os/systemd/journal.js";

const AT = Date.UTC(2026, 11, 1, 23, 40, 5, 123);

function lineOf(level: LogLevel, options: { journal?: boolean; timestamps?: boolean }): string {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(line), now: () => AT, ...options });
  log[level]("peer b (10.0.0.2:8211) is up");
  expect(lines).toHaveLength(1);
  return lines[0] ?? "";
}

describe("log line formats", () => {
  it.each([
    ["error", "<3>error: peer b (10.0.0.2:8211) is up"],
    ["warn", "<4>warn: peer b (10.0.0.2:8211) is up"],
    ["info", "<6>info: peer b (10.0.0.2:8211) is up"],
    ["debug", "<7>debug: peer b (10.0.0.2:8211) is up"],
  ] as const)("journal, %s: %s", (level, expected) => {
    expect(lineOf(level, { journal: true })).toBe(expected);
    // The journal stamps entries itself: no timestamp even if asked for one.
    expect(lineOf(level, { journal: true, timestamps: true })).toBe(expected);
  });

  it.each([
    [{}, "2026-12-01T23:40:05.123Z warn: peer b (10.0.0.2:8211) is up"],
    [{ journal: false }, "2026-12-01T23:40:05.123Z warn: peer b (10.0.0.2:8211) is up"],
    [{ timestamps: false }, "warn: peer b (10.0.0.2:8211) is up"],
  ])("elsewhere %o: %s", (options, expected) => {
    expect(lineOf("warn", options)).toBe(expected);
  });

  it("rate-limited lines get the same prefix", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      write: (line) => lines.push(line),
      journal: true,
      perMinute: 1,
    });
    log.limited("warn", "k", "bad datagram");
    log.limited("warn", "k", "bad datagram");
    expect(lines).toEqual(["<4>warn: bad datagram"]);
  });
});

describe("stderrIsJournal", () => {
  const stderr = { dev: 25n, ino: 123456n };
  it.each([
    [{ JOURNAL_STREAM: "25:123456" }, true],
    // Set by systemd for a stream this process's stderr is no longer (redirected by a script).
    [{ JOURNAL_STREAM: "25:999" }, false],
    [{ JOURNAL_STREAM: "8:123456" }, false],
    [{ JOURNAL_STREAM: "" }, false],
    [{ JOURNAL_STREAM: "garbage" }, false],
    [{}, false],
  ])("%o → %s", (env, expected) => {
    expect(stderrIsJournal(env, () => stderr)).toBe(expected);
  });

  it("is false when fd 2 cannot be examined", () => {
    expect(
      stderrIsJournal({ JOURNAL_STREAM: "25:123456" }, () => {
        throw new Error("EBADF");
      }),
    ).toBe(false);
  });
});
