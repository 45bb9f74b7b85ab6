// The control socket, via node:net: the only module that touches it. The agent listens on a Unix
// stream socket (root only: the socket is 0600, a directory it creates 0700); clients send one
// request per line and read what the agent writes back (docs/control.md). A socket file left by an
// agent that died is replaced; one a live agent answers on is refused with one sentence.

import { chmodSync, lstatSync, mkdirSync, type Stats, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";

/** A request line longer than this is not a request: the connection is closed. */
export const MAX_CONTROL_LINE_BYTES = 4096;

/** Another agent answers on the path: the one error the agent must not work around. */
export class ControlSocketInUseError extends Error {}

/** One client as the agent sees it. */
export interface ControlConnection {
  /**
   * Queues bytes for the client. Returns false, queueing nothing, when `limitBytes` are already
   * waiting (a reader that does not keep up must never hold the agent's memory or loop).
   */
  write(data: string | Buffer, limitBytes?: number): boolean;
  /** Bytes queued and not yet taken by the kernel. */
  readonly queuedBytes: number;
  /** Closes after what is queued has gone. */
  end(): void;
  /** Called once when the client goes away (or end() completes). */
  onClose(listener: () => void): void;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export type ControlLineHandler = (line: string, connection: ControlConnection) => void;

class SocketConnection implements ControlConnection {
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly socket: Socket) {
    socket.once("close", () => {
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  write(data: string | Buffer, limitBytes = Number.POSITIVE_INFINITY): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    if (this.socket.writableLength >= limitBytes) return false;
    this.socket.write(data);
    return true;
  }

  end(): void {
    this.socket.end();
  }

  onClose(listener: () => void): void {
    if (this.socket.destroyed) listener();
    else this.closeListeners.push(listener);
  }
}

/** Whether a live process accepts connections on `path` (false: nothing there, or a stale file). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/** Listens on `path`; every complete request line goes to `onLine`. */
export async function listenControl(path: string, onLine: ControlLineHandler): Promise<ControlServer> {
  const existing = lstatOrNull(path);
  if (existing !== null) {
    if (!existing.isSocket())
      throw new Error(
        `--control ${path} exists and is not a socket: remove it or give another --control PATH`,
      );
    if (await answers(path))
      throw new ControlSocketInUseError(
        `the control socket ${path} belongs to a running agent: stop it, or give this one another --control PATH (or --control none)`,
      );
    unlinkSync(path); // left by an agent that did not stop cleanly
  }
  const directory = dirname(path);
  if (lstatOrNull(directory) === null) {
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new Error(
        `cannot create ${directory} for the control socket (${(error as NodeJS.ErrnoException).code}): run as root, or give --control PATH (or --control none)`,
      );
    }
  }
  const server = createServer((socket) => serve(socket, onLine));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on the control socket ${path} (${error.code ?? error.message}): run as root, or give --control PATH (or --control none)`,
        ),
      ),
    );
    // The socket is born 0600: no moment where another user could connect.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  chmodSync(path, 0o600);
  server.on("error", () => {}); // a failed accept concerns one client only
  return { path, close: () => closeServer(server, path) };
}

function serve(socket: Socket, onLine: ControlLineHandler): void {
  const connection = new SocketConnection(socket);
  let pending = "";
  socket.setEncoding("utf8");
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      const line = pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      onLine(line, connection);
      newline = pending.indexOf("\n");
    }
    if (pending.length > MAX_CONTROL_LINE_BYTES) socket.destroy();
  });
}

async function closeServer(server: Server, path: string): Promise<void> {
  // Not awaiting close(): clients still attached (a capture) would hold it open; the agent ends them.
  server.close();
  server.unref();
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** The client's side: one connection to an agent's control socket. */
export interface ControlClient {
  /** Sends one request line. */
  request(line: string): void;
  /** Everything the agent writes, as it arrives; resolves when the agent closes. */
  onData(listener: (chunk: Buffer) => void): void;
  readonly closed: Promise<void>;
  /** Stop and restart reading (a slow consumer: the agent then drops for this client, not us). */
  pause(): void;
  resume(): void;
  close(): void;
}

/** Connects to an agent; rejects with one sentence when no agent answers on `path`. */
export function connectControl(path: string): Promise<ControlClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "ENOENT" || error.code === "ECONNREFUSED"
          ? `no agent is running with the control socket ${path}: start one, or name its socket with --control PATH`
          : error.code === "EACCES"
            ? `cannot open the control socket ${path}: permission denied (it is root's only)`
            : `cannot open the control socket ${path}: ${error.message}`;
      reject(new Error(why));
    });
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      socket.on("error", () => socket.destroy());
      const closed = new Promise<void>((done) => socket.once("close", () => done()));
      resolve({
        request: (line) => {
          socket.write(`${line}\n`);
        },
        onData: (listener) => {
          socket.on("data", listener);
        },
        closed,
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        close: () => socket.destroy(),
      });
    });
  });
}
