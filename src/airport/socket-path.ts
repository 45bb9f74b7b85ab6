// The hub's socket path before listening. The reference server unlinks it unconditionally, which
// orphans a live server; here a path nobody accepts on (a crashed run) is removed, a live one is
// left alone, and anything but a socket is an error.

import { lstat, rm } from "node:fs/promises";
import { createConnection } from "node:net";

/** Frees `socketPath` for listening, or throws a sentence saying what is in the way. Returns whether it removed a stale socket. */
export async function reclaimStaleSocket(socketPath: string): Promise<boolean> {
  const existing = await lstat(socketPath).catch(() => undefined);
  if (!existing) return false;
  if (!existing.isSocket()) {
    throw new Error(`${socketPath} exists and is not a socket: remove it or pass another socket path`);
  }
  const probe = await new Promise<"live" | "stale" | Error>((resolve) => {
    const socket = createConnection(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve("live");
    });
    socket.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ECONNREFUSED" ? "stale" : error),
    );
  });
  if (probe === "live") {
    throw new Error(
      `another wifi-medium server is already listening on ${socketPath}: stop it or serve a different hub id`,
    );
  }
  if (probe instanceof Error) {
    throw new Error(`cannot tell whether ${socketPath} is in use (${probe.message}): check its permissions`);
  }
  await rm(socketPath, { force: true });
  return true;
}
