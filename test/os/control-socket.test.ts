// The control socket's OS edge (src/os/control/unix-socket.ts) on real Unix sockets: root-only
// modes, one request per line, a stale socket replaced, a live one refused, and a reader that does
// not keep up bounded by the caller's limit.

import { fork } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ControlConnection,
  ControlSocketInUseError,
  connectControl,
  listenControl,
} from "../../src/os/control/unix-socket.js";

let directory: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  // Short: sun_path holds 108 bytes.
  directory = mkdtempSync(join(tmpdir(), "wt-ctl-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(directory, { recursive: true, force: true });
});

function collect(client: Awaited<ReturnType<typeof connectControl>>): () => string {
  let text = "";
  client.onData((chunk) => {
    text += chunk.toString();
  });
  return () => text;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("the control socket", () => {
  it("is 0600 in a directory it makes 0700, and hands over one request per line", async () => {
    const path = join(directory, "run", "c.sock");
    const lines: string[] = [];
    const server = await listenControl(path, (line, connection) => {
      lines.push(line);
      connection.write(`echo ${line}\n`);
    });
    cleanups.push(() => server.close());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(directory, "run")).mode & 0o777).toBe(0o700);
    const client = await connectControl(path);
    cleanups.push(() => client.close());
    const text = collect(client);
    client.request("status");
    client.request("set peer b\r");
    await until(() => text().split("\n").length > 2);
    expect(lines).toEqual(["status", "set peer b"]);
    expect(text()).toBe("echo status\necho set peer b\n");
  });

  it("replaces a socket left by a process that died, and refuses one a live process answers on", async () => {
    const path = join(directory, "c.sock");
    // A child that listens and is SIGKILLed leaves its socket file behind, as a crashed agent would.
    const child = fork(
      "-e",
      [`require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.send("up"))`],
      { execArgv: [], stdio: ["ignore", "ignore", "inherit", "ipc"] },
    );
    cleanups.push(() => {
      child.kill("SIGKILL");
    });
    await new Promise((resolve) => child.once("message", resolve));
    await expect(listenControl(path, () => {})).rejects.toThrow(ControlSocketInUseError);
    await expect(listenControl(path, () => {})).rejects.toThrow(
      /^the control socket .*c\.sock belongs to a running agent: stop it, or give this one another --control PATH \(or --control none\)$/,
    );
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(statSync(path).isSocket()).toBe(true);
    const server = await listenControl(path, (_line, connection) => connection.write("fresh\n"));
    cleanups.push(() => server.close());
    const client = await connectControl(path);
    cleanups.push(() => client.close());
    const text = collect(client);
    client.request("x");
    await until(() => text() === "fresh\n");
  });

  it("refuses a path that is not a socket, and a client finds no agent in one sentence", async () => {
    const file = join(directory, "plain");
    writeFileSync(file, "");
    await expect(listenControl(file, () => {})).rejects.toThrow(/exists and is not a socket/);
    await expect(connectControl(join(directory, "nothing.sock"))).rejects.toThrow(
      /^no agent is running with the control socket .*nothing\.sock: start one, or name its socket with --control PATH$/,
    );
  });

  it("write() refuses, queueing nothing, once the limit is waiting for a reader that stalls", async () => {
    const path = join(directory, "c.sock");
    let connection: ControlConnection | undefined;
    const server = await listenControl(path, (_line, c) => {
      connection = c;
    });
    cleanups.push(() => server.close());
    const client = await connectControl(path);
    cleanups.push(() => client.close());
    client.request("capture"); // and never read: no data listener, so the socket pauses
    await until(() => connection !== undefined);
    const chunk = Buffer.alloc(64 * 1024);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      if (connection?.write(chunk, 1024 * 1024)) accepted++;
      else refused++;
    }
    expect(refused).toBeGreaterThan(0);
    expect(connection?.queuedBytes ?? 0).toBeLessThan(1024 * 1024 + chunk.length);
    expect(accepted).toBeLessThan(200);
  });

  it("closing removes the socket file", async () => {
    const path = join(directory, "c.sock");
    const server = await listenControl(path, () => {});
    await server.close();
    expect(() => statSync(path)).toThrow();
  });
});
