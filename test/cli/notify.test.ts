// sd_notify: the message encoding, and one real datagram through a real AF_UNIX socket bound where
// $NOTIFY_SOCKET points (what systemd does), received byte for byte.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSocket } from "unix-dgram";
import { afterEach, describe, expect, it } from "vitest";
import { encodeNotifyMessage, noNotifier, openServiceNotifier } from "../../src/os/systemd/notify.js";
import { RecordingNotifier } from "./recording-notifier.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("sd_notify", () => {
  it("encodes fields as VAR=VALUE lines, newlines in values flattened", () => {
    expect(encodeNotifyMessage({ READY: "1", STATUS: "up\nand running" }).toString()).toBe(
      "READY=1\nSTATUS=up and running",
    );
    expect(() => encodeNotifyMessage({ "bad name": "1" })).toThrow(/not a variable name/);
  });

  it("does nothing without $NOTIFY_SOCKET, and refuses abstract names with one message", async () => {
    expect(await openServiceNotifier({})).toBe(noNotifier);
    const errors: string[] = [];
    expect(await openServiceNotifier({ NOTIFY_SOCKET: "@abstract" }, (m) => errors.push(m))).toBe(noNotifier);
    expect(errors).toEqual([expect.stringMatching(/abstract sockets are unsupported/)]);
  });

  it("sends one datagram per notify to the socket systemd names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-notify-"));
    dirs.push(dir);
    const path = join(dir, "notify");
    const server = createSocket("unix_dgram");
    const received: string[] = [];
    const twoArrived = new Promise<void>((resolve) => {
      server.on("message", (message: Buffer) => {
        received.push(message.toString());
        if (received.length === 2) resolve();
      });
    });
    server.bind(path);
    const notifier = await openServiceNotifier({ NOTIFY_SOCKET: path });
    notifier.notify({ READY: "1", STATUS: "ready in 1.00 s" });
    notifier.notify({ STOPPING: "1" });
    await twoArrived;
    notifier.close();
    server.close();
    expect(received).toEqual(["READY=1\nSTATUS=ready in 1.00 s", "STOPPING=1"]);
  });

  it("reports a refused send once", async () => {
    const errors: string[] = [];
    const notifier = await openServiceNotifier({ NOTIFY_SOCKET: "/nonexistent/notify" }, (m) =>
      errors.push(m),
    );
    notifier.notify({ READY: "1" });
    notifier.notify({ STATUS: "x" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    notifier.close();
    expect(errors).toEqual([expect.stringMatching(/ENOENT/)]);
  });

  it("the test double records what the agent would send", () => {
    const double = new RecordingNotifier();
    double.notify({ READY: "1" });
    double.close();
    expect(double.messages).toEqual([{ READY: "1" }]);
    expect(double.closed).toBe(true);
  });
});
