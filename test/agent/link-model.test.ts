// The link model (src/agent/link-model.ts): its parsers' tables (shared by the config file and
// `set peer`), the values per peer, and loss decisions that are exact in distribution.

import { describe, expect, it } from "vitest";
import { DEFAULT_LINK, describeLink, LinkModel, parseLoss, parseSignal } from "../../src/agent/link-model.js";

/** Every value k/n of [0, 1) once: a uniform source, enumerated. */
function grid(n: number): () => number {
  let k = 0;
  return () => {
    if (k >= n) throw new Error("grid exhausted");
    return k++ / n;
  };
}

describe("link values", () => {
  it.each([
    ["-72", -72],
    ["0", 0],
    ["-127", -127],
    ["+0", 0],
    ["default", null],
    ["Default", null],
  ])("signal %s is %s", (text, value) => expect(parseSignal(text, "Signal")).toEqual({ ok: true, value }));

  it.each(["-128", "1", "-72.5", "-72dBm", "", "weak", "- 72"])("signal '%s' is one sentence", (text) => {
    const parsed = parseSignal(text, "lab.conf line 9: Signal");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.detail).toBe(
      `lab.conf line 9: Signal: '${text}' is not a signal in dBm (a whole number from -127 to 0, e.g. -72, or default)`,
    );
  });

  it.each([
    ["5%", 5],
    ["0%", 0],
    ["100%", 100],
    ["0.5%", 0.5],
    ["12.25%", 12.25],
  ])("loss %s is %s percent", (text, value) => expect(parseLoss(text, "Loss")).toEqual({ ok: true, value }));

  it.each(["5", "0.05", "101%", "-1%", "%", "5 %", "five%", "1e2%", ".5%"])(
    "loss '%s' is one sentence (the % is required)",
    (text) => {
      const parsed = parseLoss(text, "Loss");
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.error.detail).toBe(
        `Loss: '${text}' is not a loss (a percentage from 0% to 100%, e.g. 5% or 0.5%)`,
      );
    },
  );

  it("describes a link in words", () => {
    expect(describeLink(DEFAULT_LINK)).toBe("signal as the medium gives it, loss 0%");
    expect(describeLink({ signalDbm: -80, lossPercent: 2.5 })).toBe("signal -80 dBm, loss 2.5%");
  });
});

describe("LinkModel", () => {
  const a = { name: "a" };
  const b = { name: "b" };

  it("holds a link per peer, changes only what is given, and forgets a peer", () => {
    const links = new LinkModel<object>(() => 0);
    expect(links.get(a)).toEqual(DEFAULT_LINK);
    expect(links.set(a, { signalDbm: -72 })).toEqual({ signalDbm: -72, lossPercent: 0 });
    expect(links.set(a, { lossPercent: 5 })).toEqual({ signalDbm: -72, lossPercent: 5 });
    expect(links.get(b)).toEqual(DEFAULT_LINK);
    expect(links.signalFor(a, -50)).toBe(-72);
    expect(links.signalFor(b, -50)).toBe(-50);
    expect(links.set(a, { signalDbm: null })).toEqual({ signalDbm: null, lossPercent: 5 });
    expect(links.signalFor(a, -50)).toBe(-50);
    links.forget(a);
    expect(links.get(a)).toEqual(DEFAULT_LINK);
  });

  it.each([0.5, 5, 12.5, 33, 50, 99.9])("loses exactly %s% of a uniform source's draws", (percent) => {
    const n = 10_000;
    const links = new LinkModel<object>(grid(n));
    links.set(a, { lossPercent: percent });
    let lost = 0;
    for (let i = 0; i < n; i++) if (links.lose(a)) lost++;
    // Draws k/n with k/n < p: exactly ceil(p n) of them.
    expect(lost).toBe(Math.ceil((percent / 100) * n));
  });

  it("0% and 100% draw nothing from the source; a peer without a link neither", () => {
    const links = new LinkModel<object>(() => {
      throw new Error("drew");
    });
    expect(links.lose(a)).toBe(false);
    links.set(a, { lossPercent: 100 });
    links.set(b, { lossPercent: 0, signalDbm: -60 });
    expect(links.lose(a)).toBe(true);
    expect(links.lose(b)).toBe(false);
  });

  it("the source's extremes: 0 is lost at any loss above 0%, a draw just under 1 only at 100%", () => {
    const draws = [0, 1 - 2 ** -53];
    const links = new LinkModel<object>(() => draws.shift() ?? Number.NaN);
    links.set(a, { lossPercent: 0.001 });
    expect(links.lose(a)).toBe(true);
    links.set(a, { lossPercent: 99.999 });
    expect(links.lose(a)).toBe(false);
  });
});
