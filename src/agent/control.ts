// The requests a running agent answers on its control socket (docs/control.md), in the spirit of
// wireguard-go's uapi: one request per line, words separated by spaces; each answer is one JSON
// line {"ok": true, ...} or {"ok": false, "error": "one sentence"}. A verb may take the connection
// over afterwards (`capture` streams pcapng on it). `set OBJECT NAME KEY VALUE...` dispatches on
// OBJECT to whatever registered a setter for it (`set peer NAME signal -72 loss 5%`: the link
// model, link-control.ts), so a new object slots in without touching the parser.

import type { ControlConnection } from "../os/control/unix-socket.js";
import type { Result } from "../result.js";

/** A verb's handler: answers on `connection` itself (one JSON line, or a stream). */
export type ControlVerb = (args: readonly string[], connection: ControlConnection) => void;

/**
 * A setter for one kind of object: `set peer b signal -72 loss 5%` reaches the "peer" setter as
 * ("b", [["signal", "-72"], ["loss", "5%"]]). It returns what to answer, or one sentence.
 */
export type ControlSetter = (
  name: string,
  settings: readonly (readonly [string, string])[],
) => Result<Record<string, unknown>>;

export function answer(connection: ControlConnection, body: Record<string, unknown>): void {
  connection.write(`${JSON.stringify({ ok: true, ...body })}\n`);
}

export function refuse(connection: ControlConnection, error: string): void {
  connection.write(`${JSON.stringify({ ok: false, error })}\n`);
}

export class ControlHandler {
  private readonly verbs = new Map<string, ControlVerb>();
  private readonly setters = new Map<string, ControlSetter>();

  constructor() {
    this.verbs.set("help", (_args, connection) =>
      answer(connection, { verbs: [...this.verbs.keys()].sort(), set: [...this.setters.keys()].sort() }),
    );
    this.verbs.set("set", (args, connection) => this.set(args, connection));
  }

  verb(name: string, handler: ControlVerb): void {
    this.verbs.set(name, handler);
  }

  setter(object: string, handler: ControlSetter): void {
    this.setters.set(object, handler);
  }

  /** One request line from a client. */
  line(text: string, connection: ControlConnection): void {
    const words = text
      .trim()
      .split(/\s+/)
      .filter((word) => word !== "");
    if (words.length === 0) return; // blank lines are allowed between requests
    const [name, ...args] = words as [string, ...string[]];
    const verb = this.verbs.get(name);
    if (verb === undefined) {
      refuse(
        connection,
        `unknown request '${name.slice(0, 40)}': this agent knows ${[...this.verbs.keys()].sort().join(", ")}`,
      );
      return;
    }
    verb(args, connection);
  }

  private set(args: readonly string[], connection: ControlConnection): void {
    const [object, name, ...rest] = args;
    if (object === undefined || name === undefined || rest.length === 0 || rest.length % 2 !== 0) {
      refuse(connection, "set wants OBJECT NAME KEY VALUE [KEY VALUE]... (e.g. set peer b signal -72)");
      return;
    }
    const setter = this.setters.get(object);
    if (setter === undefined) {
      const known = [...this.setters.keys()].sort();
      refuse(
        connection,
        `set ${object.slice(0, 40)}: unknown object; set knows ${known.length === 0 ? "nothing on this agent" : known.join(", ")}`,
      );
      return;
    }
    const settings: [string, string][] = [];
    for (let i = 0; i < rest.length; i += 2) settings.push([rest[i] as string, rest[i + 1] as string]);
    const result = setter(name, settings);
    if (result.ok) answer(connection, { set: result.value });
    else refuse(connection, result.error.detail);
  }
}
