import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QemuAirportClient } from "../../lab/qemu-airport-client.js";
import { AirportHubPort, type AirportHubPortOptions } from "../../src/airport/hub-client.js";
import { AirportHubServer } from "../../src/airport/hub-server.js";
import { encodeFrameMessage, encodePortAnswer } from "../../src/airport/message.js";
import type { AirFrame } from "../../src/medium/medium.js";
import { burstFrameLength, STATION_A, STATION_B, testFrame } from "./frames.js";

const HUB = 20;

let directory: string;
let socketPath: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "airport-port-"));
  socketPath = join(directory, `wifimedium_data.${HUB}.sock`);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(directory, { recursive: true, force: true });
});

async function startServer(): Promise<{ hub: AirportHubServer; transmitted: AirFrame[] }> {
  const hub = new AirportHubServer({ hubId: HUB, socketPath });
  const transmitted: AirFrame[] = [];
  await hub.start((frame) => transmitted.push(frame));
  cleanups.push(() => hub.close());
  return { hub, transmitted };
}

/** A stand-in server that does whatever the test needs with each connection. */
async function fakeServer(onConnection: (socket: Socket) => void): Promise<Server> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  cleanups.push(() => {
    for (const socket of accepted) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return server;
}

function newPort(options: Partial<AirportHubPortOptions> = {}): AirportHubPort {
  const port = new AirportHubPort({ hubId: HUB, socketPath, ...options });
  cleanups.push(() => port.close());
  return port;
}

async function startPort(options: Partial<AirportHubPortOptions> = {}) {
  const port = newPort(options);
  const heard: AirFrame[] = [];
  await port.start((frame) => heard.push(frame));
  return { port, heard };
}

async function qemu(hubId = HUB): Promise<QemuAirportClient> {
  const client = await QemuAirportClient.connect(socketPath, hubId);
  cleanups.push(() => client.close());
  return client;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function hex(buffers: readonly Buffer[]): string[] {
  return buffers.map((buffer) => buffer.toString("hex"));
}

function onChannel6(frame: Buffer): AirFrame {
  return { frame, freqMhz: 2437, rate500kbps: 2, signalDbm: -50, flags: 0 };
}

describe("AirportHubPort against AirportHubServer", () => {
  it("joins as a port and carries frames both ways between the hub's guests and the agent", async () => {
    const { transmitted: serverHeard } = await startServer();
    const { port, heard } = await startPort({ radio: { freqMhz: 2437, signalDbm: -35, rate500kbps: 4 } });
    expect(port.portId).toBe(0);
    const guest = await qemu();
    expect(guest.portId).toBe(1);

    const fromGuest = testFrame({ transmitter: STATION_A, sequence: 1, length: 300 });
    guest.sendFrame(fromGuest);
    await waitUntil(() => heard.length === 1, "the guest's frame to reach the port");
    expect(heard[0]).toEqual({ frame: fromGuest, freqMhz: 2437, signalDbm: -35, rate500kbps: 4, flags: 0 });

    const fromTunnel = testFrame({ transmitter: STATION_B, sequence: 2, length: 300 });
    expect(port.deliver(onChannel6(fromTunnel))).toEqual({ delivered: true });
    expect(hex(await guest.waitForFrames(1))).toEqual(hex([fromTunnel]));
    // To the hub it is one more port: the hub's own agent hears both frames.
    await waitUntil(() => serverHeard.length === 2, "the hub to report both frames");
    expect(port.counters()).toMatchObject({ "frames-from-hub": 1, "frames-to-hub": 1 });
  });

  it("hears the frames the hub server injects from its own tunnel", async () => {
    const { hub } = await startServer();
    const { heard } = await startPort();
    const frame = testFrame({ transmitter: STATION_B, sequence: 3, length: 100 });
    expect(hub.deliver(onChannel6(frame))).toEqual({ delivered: true });
    await waitUntil(() => heard.length === 1, "the injected frame");
    expect(hex(heard.map((air) => air.frame))).toEqual(hex([frame]));
  });

  it("drops what no guest could receive", async () => {
    await startServer();
    const before = newPort();
    expect(before.deliver(onChannel6(Buffer.alloc(100)))).toEqual({ delivered: false, drop: "not-ready" });
    const { port } = await startPort();
    expect(port.deliver({ ...onChannel6(Buffer.alloc(100)), freqMhz: 2412 })).toEqual({
      delivered: false,
      drop: "wrong-channel",
    });
    expect(port.deliver(onChannel6(Buffer.alloc(29)))).toEqual({ delivered: false, drop: "too-short" });
    expect(port.deliver(onChannel6(Buffer.alloc(2354)))).toEqual({ delivered: false, drop: "too-long" });
  });

  it("carries bursts of 1000 frames each way intact", async () => {
    await startServer();
    const { port, heard } = await startPort({ maxQueued: 1000 });
    const guest = await qemu();
    const up = Array.from({ length: 1000 }, (_, index) =>
      testFrame({ transmitter: STATION_A, sequence: index, length: burstFrameLength(index) }),
    );
    const down = Array.from({ length: 1000 }, (_, index) =>
      testFrame({ transmitter: STATION_B, sequence: index, length: burstFrameLength(999 - index) }),
    );
    for (const frame of up) guest.sendFrame(frame);
    for (const frame of down) expect(port.deliver(onChannel6(frame))).toEqual({ delivered: true });
    expect(hex(await guest.waitForFrames(1000, 15_000))).toEqual(hex(down));
    await waitUntil(() => heard.length === 1000, "1000 frames at the port", 15_000);
    expect(hex(heard.map((air) => air.frame))).toEqual(hex(up));
    expect(
      Object.entries(port.counters()).filter(([name, count]) => name.startsWith("dropped-") && count !== 0),
    ).toEqual([]);
  });

  it("reports the hub going away and stops delivering", async () => {
    const { hub } = await startServer();
    const { port } = await startPort();
    await hub.close();
    await waitUntil(() => port.portId === undefined, "the port to notice");
    expect(port.deliver(onChannel6(Buffer.alloc(100)))).toEqual({ delivered: false, drop: "not-ready" });
  });
});

describe("AirportHubPort refusals", () => {
  it("fails start() with one clear error when the hub refuses the hub id", async () => {
    await startServer();
    await expect(newPort({ hubId: 21 }).start(() => {})).rejects.toThrow(/refused a port \(port -1\)/);
  });

  it("fails start() when all 8 ports are taken", async () => {
    await startServer();
    for (let index = 0; index < 8; index++) await qemu();
    await expect(newPort().start(() => {})).rejects.toThrow(/refused a port/);
  });

  it("fails start() when the server closes without an answer, as wifimedium.c does when full", async () => {
    await fakeServer((socket) => socket.destroy());
    await expect(newPort().start(() => {})).rejects.toThrow(/closed the connection without assigning a port/);
  });

  it("fails start() when nobody listens", async () => {
    await expect(newPort().start(() => {})).rejects.toThrow(/cannot reach the wifi-medium hub 20/);
  });

  it("fails start() when the answer does not come in time", async () => {
    await fakeServer(() => {});
    await expect(newPort({ answerTimeoutMs: 100 }).start(() => {})).rejects.toThrow(/did not answer/);
  });

  it("reassembles frames a wifimedium.c-style hub relays in 4100-byte pieces of a glued run", async () => {
    const frames = Array.from({ length: 40 }, (_, index) =>
      testFrame({ transmitter: STATION_B, sequence: index, length: burstFrameLength(index) }),
    );
    const run = Buffer.concat(frames.map((frame) => encodeFrameMessage(HUB, 5, frame)));
    await fakeServer((socket) => {
      socket.once("data", async () => {
        socket.write(encodePortAnswer(HUB, 3));
        // What recv(4100) + send() does to a glued run; a pause after each piece gives it a read of its own.
        for (let at = 0; at < run.length; at += 4100) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          socket.write(run.subarray(at, at + 4100));
        }
      });
    });
    const { port, heard } = await startPort();
    await waitUntil(() => heard.length === frames.length, "every frame");
    expect(hex(heard.map((air) => air.frame))).toEqual(hex(frames));
    expect(
      Object.entries(port.counters()).filter(([name, count]) => name.startsWith("dropped-") && count !== 0),
    ).toEqual([]);
  });

  it("takes frames that arrive in the same read as the port answer", async () => {
    const frame = testFrame({ transmitter: STATION_B, sequence: 4, length: 80 });
    await fakeServer((socket) => {
      socket.once("data", () =>
        socket.write(Buffer.concat([encodePortAnswer(HUB, 3), encodeFrameMessage(HUB, 5, frame)])),
      );
    });
    const { port, heard } = await startPort();
    expect(port.portId).toBe(3);
    await waitUntil(() => heard.length === 1, "the glued frame");
    expect(hex(heard.map((air) => air.frame))).toEqual(hex([frame]));
  });
});
