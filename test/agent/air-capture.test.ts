// The agent's capture (src/agent/air-capture.ts) and its rotating file (src/os/files/rotating-file.ts):
// a client that stops reading is bounded and its losses counted while the others get everything,
// and the file rotates into FILE.1, FILE.2 (no more than kept), each a whole pcapng tshark opens.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AirCapture, CLIENT_QUEUE_LIMIT_BYTES, captureHeader } from "../../src/agent/air-capture.js";
import { decodePcapng } from "../../src/capture-file/pcapng.js";
import { MemoryControlConnection } from "../../src/os/doubles/control-connection.js";
import { RotatingFile, rotatedName } from "../../src/os/files/rotating-file.js";
import { airOf, markedFrame } from "../hostile/harness.js";

const sinkOf = (connection: MemoryControlConnection) => ({
  write: (block: Buffer) => connection.write(block, CLIENT_QUEUE_LIMIT_BYTES),
});

describe("the capture's clients", () => {
  it("a stalled client loses packets beyond its bound, counted; a reading one gets every packet", () => {
    const capture = new AirCapture();
    const stalled = new MemoryControlConnection();
    const reading = new MemoryControlConnection();
    const stalledSink = sinkOf(stalled);
    capture.attach(stalledSink);
    capture.attach(sinkOf(reading));
    const frames = 1000;
    for (let i = 0; i < frames; i++) {
      capture.frame("in", airOf(markedFrame(i, 2000)), "delivered", "b");
      reading.drain();
    }
    expect(stalled.queuedBytes).toBeLessThan(CLIENT_QUEUE_LIMIT_BYTES + 2200);
    const dropped = capture.detach(stalledSink);
    expect(dropped).toBeGreaterThan(frames / 4);
    expect(capture.counters.get("client-drops")).toBe(dropped);
    expect(capture.counters.get("packets")).toBe(frames);
    const decoded = decodePcapng(Buffer.concat(reading.written));
    expect(decoded.ok && decoded.value.records.length).toBe(frames);
    const partial = decodePcapng(Buffer.concat(stalled.written));
    expect(partial.ok && partial.value.records.length).toBe(frames - dropped);
  });

  it("with no file and no client it encodes nothing", () => {
    const capture = new AirCapture();
    capture.frame("out", airOf(markedFrame(0, 40)), "sent", "hwsim0");
    expect(capture.counters.get("packets")).toBe(0);
  });
});

describe("the rotating capture file", () => {
  it("rotates past its size into FILE.1, FILE.2, keeps no more, and every file opens in tshark", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-rotate-"));
    try {
      const path = join(dir, "air.pcapng");
      const file = RotatingFile.open(path, { maxBytes: 20_000, keep: 2, header: captureHeader });
      const capture = new AirCapture();
      capture.setFile(file);
      for (let i = 0; i < 100; i++) capture.frame("out", airOf(markedFrame(i, 1000)), "sent", "hwsim0");
      await file.close();
      expect(file.rotations).toBeGreaterThanOrEqual(4);
      expect(existsSync(rotatedName(path, 3))).toBe(false);
      let newest = -1;
      for (const name of [path, rotatedName(path, 1), rotatedName(path, 2)]) {
        const bytes = readFileSync(name);
        expect(bytes.length).toBeLessThanOrEqual(20_000);
        const decoded = decodePcapng(bytes);
        expect(decoded.ok).toBe(true);
        const run = spawnSync("tshark", ["-r", name, "-T", "fields", "-e", "frame.comment"], {
          encoding: "utf8",
        });
        expect(run.status).toBe(0);
        expect(
          run.stdout
            .trim()
            .split("\n")
            .every((line) => line === "hwsim0: sent"),
        ).toBe(true);
        if (name === path && decoded.ok) newest = decoded.value.records.length;
      }
      // The current file holds the last packets: 100 in all, the newest last.
      expect(newest).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a path that cannot be written is one sentence", () => {
    expect(() =>
      RotatingFile.open("/proc/nope/air.pcapng", { maxBytes: 1, keep: 0, header: captureHeader }),
    ).toThrow(
      /^cannot write the capture file \/proc\/nope\/air\.pcapng \(ENOENT\): give --capture a writable path$/,
    );
  });
});
