import { describe, expect, it } from "vitest";
import { decodeHello, encodeHello, type Hello, helloEncodingLength } from "../../src/tunnel/hello.js";
import { printable } from "../../src/tunnel/printable.js";
import { ReplyBudget } from "../../src/tunnel/reply-budget.js";

describe("printable", () => {
  it("escapes what would end a log line, move the cursor or reorder text", () => {
    expect(printable("vm-a")).toBe("vm-a");
    expect(printable("evil\nerror: forged\u001b[2J")).toBe("evil\\x0aerror: forged\\x1b[2J");
    expect(printable("a\u2028b\u202ec\u0085")).toBe("a\\u{2028}b\\u{202e}c\\x85");
    expect(printable("é ✓ 無線")).toBe("é ✓ 無線");
  });

  it("bounds the length", () => {
    expect(printable("\n".repeat(64))).toHaveLength(65);
    expect(printable("x".repeat(64))).toBe("x".repeat(64));
  });

  it("is applied to every decoded HELLO's node name", () => {
    const hello: Hello = {
      keepaliveIntervalMs: 1000,
      capabilities: 0,
      replyRequested: false,
      nodeName: "a\r\nerror: b",
      radioMacs: [],
    };
    const body = Buffer.alloc(helloEncodingLength(hello));
    encodeHello(hello, body, 0);
    const decoded = decodeHello(body);
    expect(decoded.ok && decoded.value.nodeName).toBe("a\\x0d\\x0aerror: b");
  });
});

describe("ReplyBudget", () => {
  it("allows a burst, then one per refill interval, per peer", () => {
    let now = 0;
    const budget = new ReplyBudget<object>({ burst: 3, refillMs: 1000, now: () => now });
    const [a, b] = [{}, {}];
    expect([1, 2, 3, 4].map(() => budget.allow(a))).toEqual([true, true, true, false]);
    expect(budget.allow(b)).toBe(true);
    now = 999;
    expect(budget.allow(a)).toBe(false);
    now = 2000;
    expect(budget.allow(a)).toBe(true);
    expect(budget.refused).toBe(2);
  });
});
