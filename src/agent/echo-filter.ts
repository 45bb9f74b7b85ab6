// Every frame the agent injects is transmitted by a local radio, so hwsim0 shows it again a moment
// later. Without this filter it would be captured and sent back into the tunnel, forever.
// The filter remembers a fingerprint of each injected frame for a short while and swallows the
// first identical frame captured within that time.

/** How long an injected frame may take to reappear on hwsim0 (it is synchronous in practice). */
const ECHO_WINDOW_MS = 2000;
/** Upper bound on remembered frames, so a burst cannot grow the table without limit. */
const MAX_REMEMBERED = 8192;

/**
 * 32-bit FNV-1a over the whole frame, length mixed in. Collisions only matter within the short
 * window and would suppress one frame; a cryptographic hash would cost more than the frame's walk.
 */
export function frameFingerprint(frame: Buffer): number {
  let hash = 0x811c9dc5 ^ frame.length;
  for (let i = 0; i < frame.length; i++) {
    hash ^= frame[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class EchoFilter {
  /** fingerprint → expiry times (ms) of injected copies not yet seen again, oldest first. */
  private readonly pending = new Map<number, number[]>();
  private size = 0;

  /** Note a frame about to be injected. */
  remember(frame: Buffer, nowMs: number): void {
    if (this.size >= MAX_REMEMBERED) this.expire(nowMs, true);
    const key = frameFingerprint(frame);
    const expiries = this.pending.get(key);
    if (expiries) expiries.push(nowMs + ECHO_WINDOW_MS);
    else this.pending.set(key, [nowMs + ECHO_WINDOW_MS]);
    this.size++;
  }

  /** True (and forgotten) when a captured frame is the echo of one we injected. */
  isEcho(frame: Buffer, nowMs: number): boolean {
    if (this.size === 0) return false;
    const key = frameFingerprint(frame);
    const expiries = this.pending.get(key);
    if (!expiries) return false;
    while (expiries.length > 0 && expiries[0] < nowMs) {
      expiries.shift();
      this.size--;
    }
    const matched = expiries.length > 0;
    if (matched) {
      expiries.shift();
      this.size--;
    }
    if (expiries.length === 0) this.pending.delete(key);
    return matched;
  }

  get remembered(): number {
    return this.size;
  }

  /** Drop expired entries; when still full, drop the oldest half so new injections stay suppressible. */
  private expire(nowMs: number, full: boolean): void {
    for (const [key, expiries] of this.pending) {
      while (expiries.length > 0 && expiries[0] < nowMs) {
        expiries.shift();
        this.size--;
      }
      if (expiries.length === 0) this.pending.delete(key);
    }
    if (full && this.size >= MAX_REMEMBERED) {
      let toDrop = this.size >> 1;
      for (const [key, expiries] of this.pending) {
        if (toDrop <= 0) break;
        this.pending.delete(key);
        this.size -= expiries.length;
        toDrop -= expiries.length;
      }
    }
  }
}
