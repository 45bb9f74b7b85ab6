// Whether the agent's stderr is systemd's journal. systemd.exec(5): a service whose stderr is
// connected to the journal gets JOURNAL_STREAM=DEVICE:INODE of that stream, and a program should
// compare it with its own fd 2, so that a child whose stderr was redirected elsewhere (a script a
// unit runs, `wifi-tunnel ... 2>file`) keeps plain, timestamped lines.

import { fstatSync } from "node:fs";

interface StreamIdentity {
  readonly dev: number | bigint;
  readonly ino: number | bigint;
}

export function stderrIsJournal(
  env: NodeJS.ProcessEnv = process.env,
  stat: () => StreamIdentity = () => fstatSync(2, { bigint: true }),
): boolean {
  const stream = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? "");
  if (stream === null) return false;
  let own: StreamIdentity;
  try {
    own = stat();
  } catch {
    return false;
  }
  return String(own.dev) === stream[1] && String(own.ino) === stream[2];
}
