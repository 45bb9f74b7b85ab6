// A control client in memory (test double of the Unix socket's connection): what the agent writes
// is kept, and the test decides how much the "kernel" has taken, to play a reader that stalls.

import type { ControlConnection } from "../control/unix-socket.js";

export class MemoryControlConnection implements ControlConnection {
  readonly written: Buffer[] = [];
  /** Bytes written and not yet "read" by the client: grows until drain() is called. */
  queuedBytes = 0;
  ended = false;
  private readonly closeListeners: (() => void)[] = [];

  write(data: string | Buffer, limitBytes = Number.POSITIVE_INFINITY): boolean {
    if (this.ended || this.queuedBytes >= limitBytes) return false;
    const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    this.written.push(bytes);
    this.queuedBytes += bytes.length;
    return true;
  }

  /** The client read everything queued so far. */
  drain(): void {
    this.queuedBytes = 0;
  }

  end(): void {
    this.ended = true;
    this.hangUp();
  }

  /** The client went away. */
  hangUp(): void {
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Everything written, as text. */
  text(): string {
    return Buffer.concat(this.written).toString("utf8");
  }

  /** The JSON lines written so far. */
  lines(): unknown[] {
    return this.text()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as unknown);
  }
}
