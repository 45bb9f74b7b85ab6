import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REPLAY_WINDOW, ReceiveAccounting, ReplayWindow } from "../../src/tunnel/replay.js";

describe("ReplayWindow", () => {
  it("accepts a fresh stream in order and refuses each number the second time", () => {
    const window = new ReplayWindow();
    expect(window.highest).toBeNull();
    for (let sequence = 0n; sequence < 100n; sequence++) expect(window.accept(sequence)).toBe("new");
    expect(window.highest).toBe(99n);
    for (let sequence = 0n; sequence < 100n; sequence++) expect(window.accept(sequence)).toBe("duplicate");
  });

  it("check judges without remembering", () => {
    const window = new ReplayWindow();
    expect(window.check(5n)).toBe("new");
    expect(window.check(5n)).toBe("new");
    expect(window.highest).toBeNull();
    window.accept(5n);
    expect(window.check(5n)).toBe("duplicate");
  });

  it("accepts late arrivals inside the window once, and refuses them beyond it", () => {
    const window = new ReplayWindow();
    const highest = 10_000n;
    expect(window.accept(highest)).toBe("new");
    const oldestJudged = highest - BigInt(REPLAY_WINDOW);
    expect(window.accept(oldestJudged)).toBe("new");
    expect(window.accept(oldestJudged)).toBe("duplicate");
    expect(window.accept(oldestJudged - 1n)).toBe("too-old");
    expect(window.accept(highest - 1n)).toBe("new");
    expect(window.accept(highest - 1n)).toBe("duplicate");
  });

  it("forgets what slid out and clears the blocks it slides into", () => {
    const window = new ReplayWindow();
    for (let sequence = 0n; sequence < 64n; sequence++) window.accept(sequence);
    // 2048 ahead lands on the same ring block as 0..63: stale bits there must not read as duplicates.
    expect(window.accept(2048n + 40n)).toBe("new");
    expect(window.accept(2048n + 10n)).toBe("new");
    expect(window.accept(2048n + 33n)).toBe("new");
    expect(window.accept(63n)).toBe("too-old");
  });

  it("survives a jump far beyond the window and the top of the u64 range", () => {
    const window = new ReplayWindow();
    window.accept(3n);
    const top = 2n ** 64n - 1n;
    expect(window.accept(top)).toBe("new");
    expect(window.accept(top)).toBe("duplicate");
    expect(window.accept(top - 1n)).toBe("new");
    expect(window.accept(3n)).toBe("too-old");
  });

  it("agrees with a set-based model on any sequence of arrivals (property)", () => {
    const arrivals = fc.array(
      fc.oneof(fc.bigInt({ min: 0n, max: 5000n }), fc.bigInt({ min: 0n, max: 300n })),
      { maxLength: 400 },
    );
    fc.assert(
      fc.property(arrivals, (sequences) => {
        const window = new ReplayWindow();
        const seen = new Set<bigint>();
        let highest = -1n;
        for (const sequence of sequences) {
          const expected =
            highest >= 0n && highest - sequence > BigInt(REPLAY_WINDOW)
              ? "too-old"
              : seen.has(sequence)
                ? "duplicate"
                : "new";
          expect(window.accept(sequence)).toBe(expected);
          if (expected === "new") {
            seen.add(sequence);
            if (sequence > highest) highest = sequence;
          }
        }
      }),
    );
  });
});

describe("ReceiveAccounting", () => {
  const session = 0xaaaan;

  it("counts received, reordered, duplicates, too-old and estimates loss", () => {
    const accounting = new ReceiveAccounting();
    const verdicts = [0n, 1n, 3n, 5n, 4n, 5n, 9n].map((sequence) => accounting.accept(7, session, sequence));
    expect(verdicts).toEqual([
      "new-session",
      "in-order",
      "in-order",
      "in-order",
      "reordered",
      "duplicate",
      "in-order",
    ]);
    expect(accounting.accept(7, session, 9n + BigInt(REPLAY_WINDOW) + 100n)).toBe("in-order");
    expect(accounting.accept(7, session, 8n)).toBe("too-old");
    const [stats] = accounting.sessions();
    const highest = 9n + BigInt(REPLAY_WINDOW) + 100n;
    expect(stats).toEqual({
      nodeId: 7,
      sessionId: session,
      received: 7,
      reordered: 1,
      duplicates: 1,
      tooOld: 1,
      highestSequence: highest,
      lost: Number(highest) + 1 - 7,
    });
  });

  it("counts loss from the first sequence number heard, not from 0", () => {
    const accounting = new ReceiveAccounting();
    // The peer had sent 100 datagrams before this receiver listened; then 104 goes missing.
    for (const sequence of [100n, 101n, 102n, 103n, 105n]) accounting.accept(7, session, sequence);
    expect(accounting.sessions()).toEqual([expect.objectContaining({ received: 5, lost: 1 })]);
    // A late one below the first heard widens the range without counting as loss.
    expect(accounting.accept(7, session, 99n)).toBe("reordered");
    expect(accounting.sessions()).toEqual([expect.objectContaining({ received: 6, lost: 1 })]);
  });

  it("starts a fresh window when a node comes back with a new session", () => {
    const accounting = new ReceiveAccounting();
    for (let sequence = 0n; sequence < 50n; sequence++) accounting.accept(7, session, sequence);
    expect(accounting.accept(7, 0xbbbbn, 0n)).toBe("new-session");
    expect(accounting.accept(7, 0xbbbbn, 1n)).toBe("in-order");
    expect(accounting.sessions()).toEqual([
      expect.objectContaining({ sessionId: 0xbbbbn, received: 2, lost: 0 }),
    ]);
  });

  it("refuses datagrams of a session the node has left, so they cannot be replayed", () => {
    const accounting = new ReceiveAccounting();
    accounting.accept(7, session, 0n);
    accounting.accept(7, 0xbbbbn, 0n);
    expect(accounting.accept(7, session, 1n)).toBe("stale-session");
    expect(accounting.sessions()[0].sessionId).toBe(0xbbbbn);
  });

  it("keeps senders apart", () => {
    const accounting = new ReceiveAccounting();
    expect(accounting.accept(1, session, 0n)).toBe("new-session");
    expect(accounting.accept(2, session, 0n)).toBe("new-session");
    expect(accounting.accept(1, session, 0n)).toBe("duplicate");
    expect(accounting.sessions().map((stats) => stats.nodeId)).toEqual([1, 2]);
  });

  it("forgets the least recently active sender when full", () => {
    const accounting = new ReceiveAccounting({ maxSenders: 2 });
    accounting.accept(1, session, 0n);
    accounting.accept(2, session, 0n);
    accounting.accept(1, session, 1n);
    accounting.accept(3, session, 0n);
    expect(accounting.sessions().map((stats) => stats.nodeId)).toEqual([1, 3]);
  });
});

describe("ReceiveAccounting without a key (issue 12, item 5)", () => {
  const session = 0xaaaan;
  const frame = { hello: false, authenticated: false } as const;
  const hello = { hello: true, authenticated: false } as const;
  const window = BigInt(REPLAY_WINDOW);

  it("lets only a HELLO start a session", () => {
    const accounting = new ReceiveAccounting();
    expect(accounting.accept(7, session, 0n, frame)).toBe("unknown-session");
    expect(accounting.accept(7, session, 1n, hello)).toBe("new-session");
    expect(accounting.accept(7, session, 2n, frame)).toBe("in-order");
  });

  it("keeps a forged new session beside the genuine one instead of retiring it", () => {
    const accounting = new ReceiveAccounting();
    accounting.accept(7, session, 0n, hello);
    expect(accounting.accept(7, 0xbadn, 0n, hello)).toBe("new-session");
    expect(accounting.accept(7, session, 1n, frame)).toBe("in-order");
  });

  it("moves a window at most a window's width per datagram; a second one confirms a real jump", () => {
    const accounting = new ReceiveAccounting();
    accounting.accept(7, session, 0n, hello);
    accounting.accept(7, session, 1n, frame);
    // One forged datagram far ahead moves nothing: the genuine stream goes on.
    expect(accounting.accept(7, session, 0xffff_ffff_ffff_ffffn, frame)).toBe("too-far-ahead");
    expect(accounting.accept(7, session, 2n, frame)).toBe("in-order");
    // The largest jump one datagram may make leaves every genuine number inside the window.
    expect(accounting.accept(7, session, 2n + window, frame)).toBe("in-order");
    expect(accounting.accept(7, session, 3n, frame)).toBe("reordered");
    // A sender that really lost a lot: the first far one is held, the next confirms it.
    const far = 1_000_000n;
    expect(accounting.accept(7, session, far, frame)).toBe("too-far-ahead");
    expect(accounting.accept(7, session, far + 1n, frame)).toBe("in-order");
    expect(accounting.accept(7, session, far + 2n, frame)).toBe("in-order");
    expect(accounting.accept(7, session, far, frame)).toBe("duplicate");
  });

  it("does not bound jumps of authenticated datagrams", () => {
    const accounting = new ReceiveAccounting();
    accounting.accept(7, session, 0n);
    expect(accounting.accept(7, session, 1_000_000n, { hello: false, authenticated: true })).toBe("in-order");
  });
});
