// How often a peer may make us send a HELLO it asked for (reply requested, or a session we had not
// seen). Without a bound every forged datagram of a new session was answered: 62,145 HELLOs went
// back during one 1M-datagram campaign (issue 12), a reflector towards whoever the forger named.
// A genuine peer asks once at start and once per restart, so a small burst and a slow refill never
// delay it.

export interface ReplyBudgetOptions {
  /** Replies allowed back to back (default 3). */
  readonly burst?: number;
  /** One more reply allowed per this many ms (default 1000). */
  readonly refillMs?: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per peer; peers are objects (the agent's Peer), so nothing is kept for strangers. */
export class ReplyBudget<Key extends object> {
  private readonly buckets = new WeakMap<Key, Bucket>();
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly now: () => number;
  /** Replies refused so far, for the counters. */
  refused = 0;

  constructor(options: ReplyBudgetOptions = {}) {
    this.burst = options.burst ?? 3;
    this.refillMs = options.refillMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Whether a reply to `peer` may go out now; spends one if so. */
  allow(peer: Key): boolean {
    const at = this.now();
    let bucket = this.buckets.get(peer);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at };
      this.buckets.set(peer, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (at - bucket.at) / this.refillMs);
      bucket.at = at;
    }
    if (bucket.tokens < 1) {
      this.refused++;
      return false;
    }
    bucket.tokens--;
    return true;
  }
}
