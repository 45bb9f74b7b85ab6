// The sd_notify protocol (systemd's Type=notify): newline-separated VAR=VALUE lines in one datagram
// to the AF_UNIX socket named by $NOTIFY_SOCKET. node:dgram has no AF_UNIX datagram sockets, so the
// send goes through unix-dgram (a small native addon by a Node core maintainer). Spawning
// systemd-notify instead races: systemd 252 drops a message whose short-lived sender has already
// exited when PID 1 reads it, so READY=1 could be lost. This is the only module that touches it.

import { getSystemErrorName } from "node:util";
import type { UnixDgramSocket } from "unix-dgram";

/** What the agent tells its service manager; a no-op when it was not started by one. */
export interface ServiceNotifier {
  /** Sends the fields as one sd_notify message, e.g. { READY: "1", STATUS: "..." }. */
  notify(fields: Readonly<Record<string, string>>): void;
  close(): void;
}

/** The notifier for runs without $NOTIFY_SOCKET (a terminal, a lab script). */
export const noNotifier: ServiceNotifier = { notify() {}, close() {} };

/** One sd_notify message: "READY=1\nSTATUS=...". Values cannot hold newlines: they become spaces. */
export function encodeNotifyMessage(fields: Readonly<Record<string, string>>): Buffer {
  const lines = Object.entries(fields).map(([key, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`sd_notify: '${key}' is not a variable name`);
    return `${key}=${value.replace(/\n/g, " ")}`;
  });
  return Buffer.from(lines.join("\n"), "utf8");
}

/**
 * The notifier for $NOTIFY_SOCKET, or noNotifier when it is unset. The addon is loaded only here,
 * after the agent is up, so runs outside systemd never pay for it. Abstract socket names ("@...")
 * are not supported by the addon; systemd's own socket is a path (/run/systemd/notify).
 */
export async function openServiceNotifier(
  env: NodeJS.ProcessEnv = process.env,
  onError: (message: string) => void = () => {},
): Promise<ServiceNotifier> {
  const path = env.NOTIFY_SOCKET;
  if (path === undefined || path === "") return noNotifier;
  if (!path.startsWith("/")) {
    onError(`NOTIFY_SOCKET=${path} is not a socket path (abstract sockets are unsupported); not notifying`);
    return noNotifier;
  }
  const { createSocket } = await import("unix-dgram");
  const socket: UnixDgramSocket = createSocket("unix_dgram");
  let failed = false;
  socket.on("error", (error) => {
    // One warning is enough: a socket that refused once (systemd gone, wrong path) keeps refusing.
    if (failed) return;
    failed = true;
    const code = typeof error.errno === "number" ? getSystemErrorName(error.errno) : error.message;
    onError(`sd_notify to ${path} failed (${code}); systemd will not see the agent's state`);
  });
  return {
    notify(fields) {
      const message = encodeNotifyMessage(fields);
      socket.send(message, 0, message.length, path);
    },
    close() {
      socket.close();
    },
  };
}
