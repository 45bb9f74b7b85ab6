// Two whole agents over real UDP on loopback, each with an airport medium on real Unix sockets, and
// QEMU's side of each hub played byte for byte by QemuAirportClient:
//
//   guest A ⇄ agent A (--airport-listen) ⇄ UDP ⇄ agent B (--airport-connect) ⇄ wifi-medium ⇄ guest B
//
// (and the same with both agents in listen mode). Nothing but the tunnel joins the two hubs.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QemuAirportClient } from "../../lab/qemu-airport-client.js";
import { freeUdpPort } from "../../lab/vm.js";
import { Agent } from "../../src/agent/agent.js";
import { type AirportRadio, DEFAULT_AIRPORT_RADIO } from "../../src/airport/air-frame.js";
import { AirportHubPort } from "../../src/airport/hub-client.js";
import { AirportHubServer } from "../../src/airport/hub-server.js";
import { createLogger } from "../../src/log.js";
import { burstFrameLength, STATION_A, STATION_B, testFrame } from "./frames.js";

const HUB = 20;
const quiet = createLogger({ level: "error", write: () => {} });
const PSK = Buffer.alloc(32, 0x5a);

let directory: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "airport-agents-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(directory, { recursive: true, force: true });
});

type Mode = "listen" | "connect";

interface Side {
  readonly agent: Agent;
  readonly medium: AirportHubServer | AirportHubPort;
  /** The QEMU guest attached to this side's hub. */
  readonly guest: QemuAirportClient;
}

/**
 * One agent with one airport medium. In connect mode a separate wifi-medium server (AirportHubServer
 * on its own, relaying among its ports as the reference server does) is the hub both the agent and
 * the guest join; in listen mode the agent is the hub.
 */
async function side(
  name: string,
  mode: Mode,
  radio: AirportRadio,
  ports: { readonly own: number; readonly peer: number },
): Promise<Side> {
  const socketPath = join(directory, `${name}.wifimedium_data.${HUB}.sock`);
  if (mode === "connect") {
    const wifiMedium = new AirportHubServer({ hubId: HUB, socketPath });
    await wifiMedium.start(() => {});
    cleanups.push(() => wifiMedium.close());
  }
  const options = { hubId: HUB, socketPath, radio, log: quiet };
  const medium = mode === "listen" ? new AirportHubServer(options) : new AirportHubPort(options);
  const agent = new Agent({
    nodeId: name === "a" ? 0xa : 0xb,
    nodeName: name,
    psk: PSK,
    listen: { address: "127.0.0.1", port: ports.own },
    peers: [{ address: "127.0.0.1", port: ports.peer }],
    media: [medium],
    localRadioMacs: () => [],
    log: quiet,
  });
  await agent.start();
  cleanups.push(() => agent.stop());
  const guest = await QemuAirportClient.connect(socketPath, HUB);
  cleanups.push(() => guest.close());
  return { agent, medium, guest };
}

/** Two sides that know each other's UDP endpoint. */
async function pair(
  modes: [Mode, Mode],
  radios: [AirportRadio, AirportRadio] = [DEFAULT_AIRPORT_RADIO, DEFAULT_AIRPORT_RADIO],
) {
  const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
  const a = await side("a", modes[0], radios[0], { own: portA, peer: portB });
  const b = await side("b", modes[1], radios[1], { own: portB, peer: portA });
  return { a, b };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const hex = (frames: readonly Buffer[]): string[] => frames.map((frame) => frame.toString("hex"));

describe("two agents carry an airport hub's air over UDP", () => {
  for (const modes of [
    ["listen", "connect"],
    ["listen", "listen"],
  ] as [Mode, Mode][]) {
    it(`guest frames cross in both directions, byte for byte and in order (${modes.join(" ↔ ")})`, async () => {
      const { a, b } = await pair(modes);
      // Every length the guest driver can send, from 30 to 2353 bytes.
      const fromA = Array.from({ length: 40 }, (_, i) =>
        testFrame({ transmitter: STATION_A, sequence: i, length: burstFrameLength(i) }),
      );
      const fromB = Array.from({ length: 40 }, (_, i) =>
        testFrame({ transmitter: STATION_B, sequence: 1000 + i, length: burstFrameLength(i + 7) }),
      );
      expect(Math.min(...fromA.map((f) => f.length))).toBe(30);
      for (const frame of fromA) a.guest.sendFrame(frame);
      for (const frame of fromB) b.guest.sendFrame(frame);

      expect(hex(await b.guest.waitForFrames(fromA.length))).toEqual(hex(fromA));
      expect(hex(await a.guest.waitForFrames(fromB.length))).toEqual(hex(fromB));
      // A guest never hears itself back through the tunnel.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(a.guest.frames.length).toBe(fromB.length);
      expect(b.guest.frames.length).toBe(fromA.length);
      expect(a.agent.sendCounters?.get("frames-in")).toBe(fromA.length);
      expect(b.agent.receiveCounters?.get("delivered")).toBe(fromA.length);
    });
  }

  it("a frame from the tunnel on another frequency is counted, not handed to the hub's guests", async () => {
    const { a, b } = await pair(
      ["listen", "listen"],
      [DEFAULT_AIRPORT_RADIO, { ...DEFAULT_AIRPORT_RADIO, freqMhz: 2412 }],
    );
    a.guest.sendFrame(testFrame({ transmitter: STATION_A, sequence: 1, length: 100 }));
    await until(() => (b.agent.receiveCounters?.get("dropped-wrong-channel") ?? 0) === 1, "the drop");
    expect(b.agent.receiveCounters?.get("delivered")).toBe(0);
    expect(b.guest.frames).toEqual([]);
  });

  it("garbage from a guest is dropped at its hub and never reaches the other side", async () => {
    const { a, b } = await pair(["listen", "listen"]);
    const good = [9, 10].map((sequence) => testFrame({ transmitter: STATION_A, sequence, length: 64 }));
    a.guest.sendFrame(good[0]);
    await b.guest.waitForFrames(1);
    // Mode 7 is no airport message; a 12-byte frame is shorter than any 802.11 frame the driver sends.
    // Paced so each lands in a read of its own; glued garbage is the stream reader's tests' business.
    const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
    a.guest.sendRaw(Buffer.from([7, HUB, 0, 0, 1, 2, 3]));
    await pause();
    a.guest.sendFrame(Buffer.alloc(12, 0xee));
    await pause();
    a.guest.sendFrame(good[1]);
    expect(hex(await b.guest.waitForFrames(2))).toEqual(hex(good));
    const counters = (a.medium as AirportHubServer).counters();
    expect(counters["dropped-unknown-mode"]).toBe(1);
    expect(counters["dropped-frame-too-short"]).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(b.guest.frames.length).toBe(2);
  });
});
