// Replay protection and receive accounting per sender session.
//
// ReplayWindow is the sliding bitmap of RFC 6479 as WireGuard uses it: a ring of 32-bit blocks that
// remembers which of the last sequence numbers arrived. Moving forward clears whole blocks instead of
// shifting bits, which is why one block of the 2048 bits is slack and the exact window is 2016.
//
// ReceiveAccounting keeps one window per sender (node id) for its current session and counts what
// the sequence numbers reveal about the path: loss, duplicates, reordering. Callers must feed it only
// datagrams that authenticated (or, with no key configured, decoded): a forged sequence number must
// never move a window.

const BLOCK_BITS = 32;
const BLOCK_COUNT = 64;
const BLOCK_SHIFT = 5n; // log2(BLOCK_BITS)
const BLOCK_INDEX_MASK = BigInt(BLOCK_COUNT - 1);
const BIT_INDEX_MASK = BigInt(BLOCK_BITS - 1);

export const REPLAY_BITMAP_BITS = BLOCK_BITS * BLOCK_COUNT;
/** A sequence number at most this far below the highest accepted one is still judged exactly. */
export const REPLAY_WINDOW = REPLAY_BITMAP_BITS - BLOCK_BITS;
const REPLAY_WINDOW_BIG = BigInt(REPLAY_WINDOW);

export type WindowVerdict = "new" | "duplicate" | "too-old";

export class ReplayWindow {
  private readonly blocks = new Uint32Array(BLOCK_COUNT);
  /** -1n until the first sequence number is accepted. */
  private highestAccepted = -1n;

  /** The highest sequence number accepted so far, or null before the first. */
  get highest(): bigint | null {
    return this.highestAccepted < 0n ? null : this.highestAccepted;
  }

  /** Judges `sequence` without remembering it. */
  check(sequence: bigint): WindowVerdict {
    if (sequence > this.highestAccepted) return "new";
    if (this.highestAccepted - sequence > REPLAY_WINDOW_BIG) return "too-old";
    const block = this.blocks[Number((sequence >> BLOCK_SHIFT) & BLOCK_INDEX_MASK)];
    return (block >>> Number(sequence & BIT_INDEX_MASK)) & 1 ? "duplicate" : "new";
  }

  /** Judges `sequence` and, when it is new, remembers it (sliding the window forward if needed). */
  accept(sequence: bigint): WindowVerdict {
    const verdict = this.check(sequence);
    if (verdict !== "new") return verdict;
    if (sequence > this.highestAccepted) this.slideTo(sequence);
    this.blocks[Number((sequence >> BLOCK_SHIFT) & BLOCK_INDEX_MASK)] |=
      1 << Number(sequence & BIT_INDEX_MASK);
    return "new";
  }

  /** Clears the blocks the window moves into (all of them after a jump of a whole window or more). */
  private slideTo(sequence: bigint): void {
    const blocksAhead = (sequence >> BLOCK_SHIFT) - (this.highestAccepted >> BLOCK_SHIFT);
    const toClear = blocksAhead >= BigInt(BLOCK_COUNT) ? BLOCK_COUNT : Number(blocksAhead);
    // -1n >> 5n is -1n and (-1n & 63n) is 63n, so the very first slide starts clearing at block 0.
    let index = Number((this.highestAccepted >> BLOCK_SHIFT) & BLOCK_INDEX_MASK);
    for (let cleared = 0; cleared < toClear; cleared++) {
      index = (index + 1) % BLOCK_COUNT;
      this.blocks[index] = 0;
    }
    this.highestAccepted = sequence;
  }
}

/** How an accepted datagram arrived, or why its sequence number was refused. */
export type Arrival = "new-session" | "in-order" | "reordered";
export type SequenceVerdict =
  | Arrival
  | "duplicate"
  | "too-old"
  | "stale-session"
  /** A FRAME of a session no HELLO has announced: only a HELLO starts a session. */
  | "unknown-session"
  /** Unauthenticated and more than a window ahead: held as a candidate until a second one confirms it. */
  | "too-far-ahead";

/** What the receiver knows about a datagram beyond its sequence number. */
export interface DatagramKind {
  /** A HELLO may start a session; a FRAME may not. */
  readonly hello: boolean;
  /** Sealed and authenticated: no bound on sequence jumps, one session per node id. */
  readonly authenticated: boolean;
}

const SEALED_HELLO: DatagramKind = { hello: true, authenticated: true };

export interface SenderSessionStats {
  readonly nodeId: number;
  readonly sessionId: bigint;
  /** Datagrams accepted. */
  readonly received: number;
  /** Accepted although a higher sequence number had already arrived. */
  readonly reordered: number;
  readonly duplicates: number;
  /** Refused because they fell behind the window: possibly late, possibly replayed. */
  readonly tooOld: number;
  /** Highest sequence number accepted, null before the first. */
  readonly highestSequence: bigint | null;
  /**
   * Gaps in the sequence numbers heard, (highest - lowest + 1) - received: lost, or still on the way
   * (shrinks as late ones arrive). Counted from the first one heard, so what the peer sent before
   * this receiver listened is not loss.
   */
  readonly lost: number;
}

class SenderSession {
  window = new ReplayWindow();
  received = 0;
  reordered = 0;
  duplicates = 0;
  tooOld = 0;
  /** Lowest sequence number accepted, null before the first. */
  lowest: bigint | null = null;
  /** Losses before a confirmed jump, which moved `lowest` out of reach. */
  lostBeforeJump = 0;
  /** An unauthenticated sequence number far ahead of the window, waiting for a second to confirm it. */
  jumpCandidate: bigint | null = null;
  /** Tick of the last accepted datagram, for evicting the idlest session. */
  lastActive = 0;
  /** Sealed mode: the sender proved it knows this receiver's current session (see receiver.ts). */
  confirmed = false;

  constructor(readonly sessionId: bigint) {}
}

interface SenderEntry {
  /** Authenticated: exactly one. Unauthenticated: up to `sessionsPerSender`, so a forged one displaces nothing. */
  readonly sessions: Map<bigint, SenderSession>;
  /** Session ids this node id used before, most recent last: their datagrams are stale. */
  readonly retired: bigint[];
  /** Value of the accounting's tick at the last accepted datagram, for evicting the idlest sender. */
  lastActive: number;
}

export interface ReceiveAccountingOptions {
  /** Node ids tracked at once; the least recently active one is forgotten to make room. */
  readonly maxSenders?: number;
  /** Earlier session ids remembered per node id, so their recorded datagrams cannot be replayed. */
  readonly retiredSessionsPerSender?: number;
  /** Unauthenticated sessions of one node id kept at once (default 4). */
  readonly sessionsPerSender?: number;
}

export class ReceiveAccounting {
  private readonly senders = new Map<number, SenderEntry>();
  private readonly maxSenders: number;
  private readonly retiredSessionsPerSender: number;
  private readonly sessionsPerSender: number;
  private tick = 0;

  constructor(options: ReceiveAccountingOptions = {}) {
    this.maxSenders = options.maxSenders ?? 256;
    this.retiredSessionsPerSender = options.retiredSessionsPerSender ?? 8;
    this.sessionsPerSender = options.sessionsPerSender ?? 4;
  }

  /** Whether a HELLO has started this session (a FRAME of any other is refused before opening it). */
  knows(nodeId: number, sessionId: bigint): boolean {
    return this.senders.get(nodeId)?.sessions.has(sessionId) ?? false;
  }

  /** Whether this node id has left the session (its datagrams are stale-session). */
  retired(nodeId: number, sessionId: bigint): boolean {
    return this.senders.get(nodeId)?.retired.includes(sessionId) ?? false;
  }

  /** Marks a session as one whose sender knows our current session (sealed mode's handshake). */
  confirm(nodeId: number, sessionId: bigint): void {
    const session = this.senders.get(nodeId)?.sessions.get(sessionId);
    if (session) session.confirmed = true;
  }

  isConfirmed(nodeId: number, sessionId: bigint): boolean {
    return this.senders.get(nodeId)?.sessions.get(sessionId)?.confirmed ?? false;
  }

  /**
   * Judges and records one datagram that authenticated (or, with no key, decoded).
   *
   * Only a HELLO starts a session. Authenticated, a new session id for a known node id replaces the
   * old one (the peer restarted) and one it used before is "stale-session": without that rule,
   * recorded datagrams of an earlier session could be replayed into a fresh window. Unauthenticated,
   * sessions of one node id live side by side (the idlest goes past `sessionsPerSender`), and a
   * sequence number more than a window ahead moves nothing until a second one confirms the jump:
   * one forged datagram cannot make a genuine stream look replayed.
   */
  accept(
    nodeId: number,
    sessionId: bigint,
    sequence: bigint,
    kind: DatagramKind = SEALED_HELLO,
  ): SequenceVerdict {
    let sender = this.senders.get(nodeId);
    let session = sender?.sessions.get(sessionId);
    let newSession = false;
    if (session === undefined) {
      if (sender?.retired.includes(sessionId)) return "stale-session";
      if (!kind.hello) return "unknown-session";
      if (sender === undefined) {
        this.makeRoom();
        sender = { sessions: new Map(), retired: [], lastActive: 0 };
        this.senders.set(nodeId, sender);
      }
      if (kind.authenticated) {
        for (const old of sender.sessions.keys()) this.retire(sender, old);
      } else if (sender.sessions.size >= this.sessionsPerSender) {
        this.retire(sender, this.idlestSession(sender));
      }
      session = new SenderSession(sessionId);
      sender.sessions.set(sessionId, session);
      newSession = true;
    }

    const highestBefore = session.window.highest;
    if (!kind.authenticated && highestBefore !== null && sequence > highestBefore + REPLAY_WINDOW_BIG) {
      const candidate = session.jumpCandidate;
      if (candidate === null || sequence <= candidate || sequence - candidate > REPLAY_WINDOW_BIG) {
        session.jumpCandidate = sequence;
        return "too-far-ahead";
      }
      // Two datagrams a window apart, far ahead: the sender really moved on (a long outage).
      session.lostBeforeJump +=
        Number(highestBefore - (session.lowest ?? highestBefore) + 1n) - session.received;
      session.window = new ReplayWindow();
      session.window.accept(candidate);
      session.lowest = candidate;
      session.received = 0;
      session.jumpCandidate = null;
    }
    const verdict = session.window.accept(sequence);
    if (verdict === "duplicate") {
      session.duplicates++;
      return "duplicate";
    }
    if (verdict === "too-old") {
      session.tooOld++;
      return "too-old";
    }
    session.received++;
    if (session.lowest === null || sequence < session.lowest) session.lowest = sequence;
    session.lastActive = ++this.tick;
    if (sender) sender.lastActive = this.tick;
    if (newSession) return "new-session";
    if (highestBefore !== null && sequence < highestBefore) {
      session.reordered++;
      return "reordered";
    }
    return "in-order";
  }

  /** A snapshot of every tracked session. */
  sessions(): SenderSessionStats[] {
    return [...this.senders].flatMap(([nodeId, { sessions }]) =>
      [...sessions.values()].map((session) => {
        const highestSequence = session.window.highest;
        return {
          nodeId,
          sessionId: session.sessionId,
          received: session.received,
          reordered: session.reordered,
          duplicates: session.duplicates,
          tooOld: session.tooOld,
          highestSequence,
          lost:
            session.lostBeforeJump +
            (highestSequence === null || session.lowest === null
              ? 0
              : Number(highestSequence - session.lowest + 1n) - session.received),
        };
      }),
    );
  }

  private retire(sender: SenderEntry, sessionId: bigint): void {
    sender.sessions.delete(sessionId);
    sender.retired.push(sessionId);
    if (sender.retired.length > this.retiredSessionsPerSender) sender.retired.shift();
  }

  private idlestSession(sender: SenderEntry): bigint {
    let idlest = 0n;
    let idlestActive = Number.POSITIVE_INFINITY;
    for (const [id, session] of sender.sessions) {
      if (session.lastActive < idlestActive) {
        idlest = id;
        idlestActive = session.lastActive;
      }
    }
    return idlest;
  }

  private makeRoom(): void {
    if (this.senders.size < this.maxSenders) return;
    let idlest: number | undefined;
    let idlestActive = Number.POSITIVE_INFINITY;
    for (const [nodeId, entry] of this.senders) {
      if (entry.lastActive < idlestActive) {
        idlest = nodeId;
        idlestActive = entry.lastActive;
      }
    }
    if (idlest !== undefined) this.senders.delete(idlest);
  }
}
