import { execFile } from "node:child_process";
import { lstat, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QemuAirportClient } from "../../lab/qemu-airport-client.js";
import { AirportHubServer, type AirportHubServerOptions } from "../../src/airport/hub-server.js";
import { encodeFrameMessage, encodePortRequest } from "../../src/airport/message.js";
import type { AirFrame } from "../../src/medium/medium.js";
import { burstFrameLength, STATION_A, STATION_B, testFrame } from "./frames.js";

const HUB = 20;

let directory: string;
let socketPath: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "airport-hub-"));
  socketPath = join(directory, `wifimedium_data.${HUB}.sock`);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(directory, { recursive: true, force: true });
});

interface RunningHub {
  readonly hub: AirportHubServer;
  readonly transmitted: AirFrame[];
  readonly warnings: string[];
}

async function startHub(options: Partial<AirportHubServerOptions> = {}): Promise<RunningHub> {
  const warnings: string[] = [];
  const hub = new AirportHubServer({
    hubId: HUB,
    socketPath,
    log: {
      info: () => {},
      warn: (message) => warnings.push(message),
      limited: (level, _key, message) => {
        if (level === "warn") warnings.push(message);
      },
    },
    ...options,
  });
  const transmitted: AirFrame[] = [];
  await hub.start((frame) => transmitted.push(frame));
  cleanups.push(() => hub.close());
  return { hub, transmitted, warnings };
}

async function qemu(hubId = HUB): Promise<QemuAirportClient> {
  const client = await QemuAirportClient.connect(socketPath, hubId);
  cleanups.push(() => client.close());
  return client;
}

async function rawSocket(): Promise<Socket> {
  const socket = createConnection(socketPath);
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  cleanups.push(async () => {
    socket.destroy();
  });
  return socket;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function frameFrom(transmitter: number, sequence: number, length = 200): Buffer {
  return testFrame({ transmitter, sequence, length });
}

function hex(buffers: readonly Buffer[]): string[] {
  return buffers.map((buffer) => buffer.toString("hex"));
}

describe("AirportHubServer handshake", () => {
  it("gives QEMU clients the lowest free port, as wifimedium.c does", async () => {
    const { hub } = await startHub();
    const first = await qemu();
    const second = await qemu();
    expect([first.portId, second.portId]).toEqual([0, 1]);
    await first.close();
    await waitUntil(() => hub.ports.length === 1, "port 0 to leave");
    const third = await qemu();
    expect(third.portId).toBe(0);
    expect(hub.ports).toEqual([0, 1]);
    expect(hub.counters()["ports-assigned"]).toBe(3);
  });

  it("answers with the request echoed and the port id filled in", async () => {
    await startHub();
    const socket = await rawSocket();
    const answer = new Promise<Buffer>((resolve) => socket.once("data", resolve));
    socket.write(encodePortRequest(HUB));
    expect([...(await answer)]).toEqual([0, HUB, 0, 0]);
  });

  it("refuses a 9th port with port -1 and closes it", async () => {
    const { hub } = await startHub();
    const ports: number[] = [];
    for (let index = 0; index < 8; index++) ports.push((await qemu()).portId);
    expect(ports).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const ninth = await qemu();
    expect(ninth.answered).toBe(true);
    expect(ninth.portId).toBe(-1);
    await ninth.waitForClose();
    expect(hub.counters()["refused-hub-full"]).toBe(1);
    expect(hub.ports).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("refuses a wrong hub id with port -1, closes, and frees the slot", async () => {
    const { hub } = await startHub();
    const stranger = await qemu(21);
    expect(stranger.portId).toBe(-1);
    await stranger.waitForClose();
    expect(hub.counters()["refused-wrong-hub"]).toBe(1);
    expect((await qemu()).portId).toBe(0);
  });

  it("closes a connection that never asks for a port", async () => {
    const { hub } = await startHub({ handshakeTimeoutMs: 150 });
    const silent = await rawSocket();
    const closedAt = new Promise<number>((resolve) => silent.once("close", () => resolve(Date.now())));
    const openedAt = Date.now();
    expect((await closedAt) - openedAt).toBeGreaterThanOrEqual(100);
    expect(hub.counters()["handshake-timeouts"]).toBe(1);
    expect((await qemu()).portId).toBe(0);
  });
});

describe("AirportHubServer socket file", () => {
  it("reclaims a stale socket file left by a crashed server", async () => {
    // A process that binds the path and dies by SIGKILL leaves the socket file behind.
    const script = `require("net").createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, "SIGKILL"))`;
    await promisify(execFile)(process.execPath, ["-e", script]).catch(() => undefined);
    expect((await lstat(socketPath)).isSocket()).toBe(true);
    const { warnings } = await startHub();
    expect((await qemu()).portId).toBe(0);
    expect(warnings).toEqual([]);
  });

  it("does not steal the path of a live server", async () => {
    const { hub: live } = await startHub();
    const second = new AirportHubServer({ hubId: HUB, socketPath });
    await expect(second.start(() => {})).rejects.toThrow(/already listening on .*: stop it/);
    await second.close();
    // The probe that found the live server was itself a connection to it and may still hold port 0.
    const guest = await qemu();
    expect(guest.portId).toBeGreaterThanOrEqual(0);
    expect(live.ports).toEqual([guest.portId]);
    expect((await lstat(socketPath)).isSocket()).toBe(true);
  });

  it("refuses to remove a path that is not a socket", async () => {
    await writeFile(socketPath, "not a socket");
    const hub = new AirportHubServer({ hubId: HUB, socketPath });
    await expect(hub.start(() => {})).rejects.toThrow(/is not a socket/);
  });

  it("removes its socket file on close", async () => {
    const { hub } = await startHub();
    await qemu();
    await hub.close();
    await expect(lstat(socketPath)).rejects.toThrow(/ENOENT/);
  });
});

describe("AirportHubServer frames", () => {
  it("relays a guest's frame unchanged to every other port, not back to the sender", async () => {
    const { hub, transmitted } = await startHub();
    const [a, b, c] = [await qemu(), await qemu(), await qemu()];
    const frame = frameFrom(STATION_B, 1);
    b.sendFrame(frame);
    expect(hex(await a.waitForFrames(1))).toEqual(hex([frame]));
    expect(hex(await c.waitForFrames(1))).toEqual(hex([frame]));
    await waitUntil(() => transmitted.length === 1, "the frame to reach the agent");
    expect(b.frames).toEqual([]);
    expect(hub.counters()["frames-relayed"]).toBe(2);
  });

  it("reports each guest frame to the agent with the configured radio metadata", async () => {
    const { transmitted } = await startHub({ radio: { freqMhz: 2412, signalDbm: -42, rate500kbps: 12 } });
    const guest = await qemu();
    const frame = frameFrom(STATION_A, 5, 1200);
    guest.sendFrame(frame);
    await waitUntil(() => transmitted.length === 1, "the frame to reach the agent");
    expect(transmitted[0]).toEqual({ frame, freqMhz: 2412, signalDbm: -42, rate500kbps: 12, flags: 0 });
  });

  it("delivers a tunnel frame on its channel to every port, and drops the others by reason", async () => {
    const { hub } = await startHub();
    const air = (frame: Buffer, freqMhz = 2437): AirFrame => ({
      frame,
      freqMhz,
      rate500kbps: 2,
      signalDbm: -50,
      flags: 0,
    });
    expect(hub.deliver(air(frameFrom(STATION_A, 1)))).toEqual({ delivered: false, drop: "not-ready" });
    const [a, b] = [await qemu(), await qemu()];
    const frame = frameFrom(STATION_A, 2, 2353);
    expect(hub.deliver(air(frame))).toEqual({ delivered: true });
    expect(hub.deliver(air(frameFrom(STATION_A, 3), 2412))).toEqual({
      delivered: false,
      drop: "wrong-channel",
    });
    expect(hub.deliver(air(Buffer.alloc(29)))).toEqual({ delivered: false, drop: "too-short" });
    expect(hub.deliver(air(Buffer.alloc(2354)))).toEqual({ delivered: false, drop: "too-long" });
    expect(hex(await a.waitForFrames(1))).toEqual(hex([frame]));
    expect(hex(await b.waitForFrames(1))).toEqual(hex([frame]));
    expect(hub.counters()["frames-from-tunnel"]).toBe(1);
  });

  it("counts garbage, bad lengths and foreign headers, and relays none of them", async () => {
    const { hub, transmitted } = await startHub();
    const [sender, listener] = [await qemu(), await qemu()];
    const garbage = Buffer.concat([Buffer.from([7, HUB, 0, 0]), frameFrom(STATION_A, 1)]);
    const bad: Buffer[] = [
      garbage,
      encodeFrameMessage(HUB, sender.portId, Buffer.alloc(20, 0x08)),
      encodeFrameMessage(HUB, sender.portId, Buffer.alloc(2400, 0x08)),
      Buffer.concat([encodeFrameMessage(HUB, sender.portId, frameFrom(STATION_A, 2)), Buffer.alloc(4000)]),
      encodeFrameMessage(HUB, 5, frameFrom(STATION_A, 3)),
    ];
    // Give each malformed message a read of its own, as a guest's separate sends would have.
    for (const message of bad) {
      sender.sendRaw(message);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const good = frameFrom(STATION_A, 4);
    sender.sendFrame(good);
    expect(hex(await listener.waitForFrames(1))).toEqual(hex([good]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hex(listener.frames)).toEqual(hex([good]));
    expect(transmitted.length).toBe(1);
    expect(hub.counters()).toMatchObject({
      "dropped-unknown-mode": 1,
      "dropped-frame-too-short": 1,
      "dropped-frame-too-long": 1,
      "dropped-oversize": 1,
      "dropped-foreign-header": 1,
    });
    expect(hub.ports).toEqual([0, 1]);
  });

  it("drops frames sent before the port request", async () => {
    const { hub, transmitted } = await startHub();
    const listener = await qemu();
    const early = await rawSocket();
    early.write(encodeFrameMessage(HUB, 1, frameFrom(STATION_A, 1)));
    await waitUntil(() => hub.counters()["dropped-before-handshake"] === 1, "the early frame to be dropped");
    expect(listener.frames).toEqual([]);
    expect(transmitted).toEqual([]);
  });

  it("counts a client that vanishes mid-frame and relays nothing of it", async () => {
    const { hub, transmitted } = await startHub();
    const listener = await qemu();
    const vanishing = await rawSocket();
    const answered = new Promise((resolve) => vanishing.once("data", resolve));
    vanishing.write(encodePortRequest(HUB));
    await answered;
    const message = encodeFrameMessage(HUB, 1, frameFrom(STATION_A, 1, 1500));
    vanishing.write(message.subarray(0, 700));
    vanishing.destroy();
    await waitUntil(() => hub.ports.length === 1, "the vanished port to be freed");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hub.counters()["dropped-truncated"]).toBe(1);
    expect(listener.frames).toEqual([]);
    expect(transmitted).toEqual([]);
  });

  it("carries a burst of 1000 frames from one guest to another as 1000 intact frames", async () => {
    const { hub, transmitted } = await startHub();
    const [sender, receiver] = [await qemu(), await qemu()];
    const frames = Array.from({ length: 1000 }, (_, index) =>
      frameFrom(STATION_A, index, burstFrameLength(index)),
    );
    for (const frame of frames) sender.sendFrame(frame);
    const received = await receiver.waitForFrames(1000, 15_000);
    expect(hex(received)).toEqual(hex(frames));
    await waitUntil(() => transmitted.length === 1000, "every frame to reach the agent");
    expect(hex(transmitted.map((air) => air.frame))).toEqual(hex(frames));
    expect(receiver.shortReads).toBe(0);
    expect(hub.counters()).toMatchObject({
      "dropped-oversize": 0,
      "dropped-unknown-mode": 0,
      "dropped-frame-too-long": 0,
    });
  });

  it("delivers a burst of 1000 tunnel frames to a guest as 1000 intact frames", async () => {
    const { hub } = await startHub({ maxQueuedPerPort: 1000 });
    const guest = await qemu();
    const frames = Array.from({ length: 1000 }, (_, index) =>
      frameFrom(STATION_B, index, burstFrameLength(index)),
    );
    for (const frame of frames) {
      expect(hub.deliver({ frame, freqMhz: 2437, rate500kbps: 2, signalDbm: -50, flags: 0 })).toEqual({
        delivered: true,
      });
    }
    expect(hex(await guest.waitForFrames(1000, 15_000))).toEqual(hex(frames));
  });
});

describe("AirportHubServer flow control", () => {
  it("holds a fast sender back for a slow port and gives up on a port that stopped reading", async () => {
    const { hub, warnings } = await startHub({ stalledPortMs: 300 });
    const [sender, reading, paused] = [await qemu(), await qemu(), await qemu()];
    paused.stopReading();
    // 3 MB: far more than the kernel buffers plus the 1024 messages queued for the paused port.
    const frames = Array.from({ length: 2000 }, (_, index) => frameFrom(STATION_A, index, 1500));
    for (const frame of frames) sender.sendFrame(frame);
    expect(hex(await reading.waitForFrames(2000, 15_000))).toEqual(hex(frames));
    expect(hub.counters()["dropped-port-backlog"]).toBeGreaterThan(0);
    expect(warnings.some((line) => line.includes(`port ${paused.portId}: took no message for 300 ms`))).toBe(
      true,
    );
    expect(hub.counters()["frames-from-ports"]).toBe(2000);

    // The VM resumes: once it has worked through its backlog it hears the hub again.
    paused.resumeReading();
    let seen = -1;
    while (paused.frames.length !== seen) {
      seen = paused.frames.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(seen).toBeGreaterThan(0);
    const later = Array.from({ length: 100 }, (_, index) => frameFrom(STATION_A, 5000 + index, 400));
    for (const frame of later) sender.sendFrame(frame);
    const all = await paused.waitForFrames(seen + 100);
    expect(hex(all.slice(seen))).toEqual(hex(later));
  });
});
