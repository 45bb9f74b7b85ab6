// The capture file on disk, via node:fs: the only module that writes it. Blocks are appended through
// a write stream (the event loop never waits for the disk); past `maxBytes` the file is closed and
// renamed FILE.1.pcapng (FILE.1 → FILE.2, ..., the oldest beyond `keep` deleted) and a new FILE
// starts with the header again, so every file opens on its own in Wireshark. A disk slower than the
// air loses blocks, counted by the caller, rather than growing the agent's memory.

import { closeSync, createWriteStream, openSync, renameSync, rmSync, type WriteStream } from "node:fs";
import { extname } from "node:path";

/** Bytes a file may have waiting for the disk before blocks are refused. */
const QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;

export interface RotatingFileOptions {
  readonly maxBytes: number;
  /** Files kept besides the current one. */
  readonly keep: number;
  /** What each file starts with. */
  readonly header: () => Buffer;
}

/** FILE.pcapng's n-th older file: FILE.n.pcapng. */
export function rotatedName(path: string, n: number): string {
  const extension = extname(path);
  return `${path.slice(0, path.length - extension.length)}.${n}${extension}`;
}

export class RotatingFile {
  private stream: WriteStream;
  private bytes = 0;
  /** Files renamed away and still being written out: close() waits for them too. */
  private readonly finishing = new Set<Promise<void>>();
  rotations = 0;

  private constructor(
    private readonly path: string,
    private readonly options: RotatingFileOptions,
  ) {
    this.stream = this.open();
  }

  /** Creates (truncates) the file now, so a path that cannot be written is one sentence at start. */
  static open(path: string, options: RotatingFileOptions): RotatingFile {
    try {
      closeSync(openSync(path, "w", 0o600));
    } catch (error) {
      throw new Error(
        `cannot write the capture file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): give --capture a writable path`,
      );
    }
    return new RotatingFile(path, options);
  }

  write(block: Buffer): boolean {
    if (this.stream.writableLength > QUEUE_LIMIT_BYTES) return false;
    if (this.bytes + block.length > this.options.maxBytes && this.bytes > 0) this.rotate();
    this.stream.write(block);
    this.bytes += block.length;
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.finish(this.stream), ...this.finishing]);
  }

  private finish(stream: WriteStream): Promise<void> {
    return new Promise((resolve) => {
      stream.once("error", () => resolve());
      stream.end(() => resolve());
    });
  }

  private open(): WriteStream {
    // Opened now, not when the stream gets round to it: the next rotation renames this very file.
    const stream = createWriteStream(this.path, { fd: openSync(this.path, "w", 0o600) });
    stream.on("error", () => {}); // a full disk: later writes queue up to the limit, then are refused
    const header = this.options.header();
    stream.write(header);
    this.bytes = header.length;
    return stream;
  }

  private rotate(): void {
    // The old stream keeps its descriptor across the renames and finishes writing what it holds.
    const done = this.finish(this.stream);
    this.finishing.add(done);
    done.then(() => this.finishing.delete(done));
    const { keep } = this.options;
    if (keep === 0) rmSync(this.path, { force: true });
    else {
      rmSync(rotatedName(this.path, keep), { force: true });
      for (let n = keep - 1; n >= 1; n--) {
        try {
          renameSync(rotatedName(this.path, n), rotatedName(this.path, n + 1));
        } catch {
          // not there yet
        }
      }
      renameSync(this.path, rotatedName(this.path, 1));
    }
    this.rotations++;
    this.stream = this.open();
  }
}
