// The control socket's requests (src/agent/control.ts) against a connection in memory: verbs,
// refusals in one sentence, and the `set` dispatch the link model plugs into (link-control.ts).

import { describe, expect, it } from "vitest";
import { answer, ControlHandler } from "../../src/agent/control.js";
import { MemoryControlConnection } from "../../src/os/doubles/control-connection.js";
import { ok, reject } from "../../src/result.js";

function ask(handler: ControlHandler, line: string): unknown[] {
  const connection = new MemoryControlConnection();
  handler.line(line, connection);
  return connection.lines();
}

describe("control requests", () => {
  it("a registered verb answers one JSON line; blank lines are ignored", () => {
    const handler = new ControlHandler();
    handler.verb("status", (args, connection) => answer(connection, { args }));
    expect(ask(handler, "status")).toEqual([{ ok: true, args: [] }]);
    expect(ask(handler, "  status  extra\r")).toEqual([{ ok: true, args: ["extra"] }]);
    expect(ask(handler, "   ")).toEqual([]);
  });

  it.each([
    ["frobnicate", /^unknown request 'frobnicate': this agent knows help, set, status$/],
    ["set", /^set wants OBJECT NAME KEY VALUE/],
    ["set peer b signal", /^set wants OBJECT NAME KEY VALUE/],
    ["set peer b signal -72", /^set peer: unknown object; set knows nothing on this agent$/],
    ["set moon b phase full", /^set moon: unknown object; set knows nothing on this agent$/],
  ])("%s is refused in one sentence", (line, error) => {
    const handler = new ControlHandler();
    handler.verb("status", () => {});
    const [reply] = ask(handler, line) as { ok: boolean; error: string }[];
    expect(reply?.ok).toBe(false);
    expect(reply?.error).toMatch(error);
    expect(reply?.error).not.toContain("\n");
  });

  it("set reaches the setter registered for its object with its key/value pairs", () => {
    const handler = new ControlHandler();
    const calls: unknown[] = [];
    handler.setter("peer", (name, settings) => {
      calls.push([name, settings]);
      return name === "b" ? ok({ peer: name }) : reject("no-peer", `no peer named ${name}`);
    });
    expect(ask(handler, "set peer b signal -72 loss 5%")).toEqual([{ ok: true, set: { peer: "b" } }]);
    expect(calls).toEqual([
      [
        "b",
        [
          ["signal", "-72"],
          ["loss", "5%"],
        ],
      ],
    ]);
    expect(ask(handler, "set peer c signal -72")).toEqual([{ ok: false, error: "no peer named c" }]);
    expect(ask(handler, "help")).toEqual([{ ok: true, verbs: ["help", "set"], set: ["peer"] }]);
    expect(ask(handler, "set moon b phase full")).toEqual([
      { ok: false, error: "set moon: unknown object; set knows peer" },
    ]);
  });
});
