// The agent's control plane over real UDP on loopback: who it answers with a HELLO, and what it
// does with its own datagrams coming back.

import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { freeUdpPort } from "../../lab/vm.js";
import { Agent } from "../../src/agent/agent.js";
import { createLogger } from "../../src/log.js";
import type { AirFrame, DeliverOutcome, LocalMedium } from "../../src/medium/medium.js";
import type { TunnelMessage } from "../../src/tunnel/message.js";
import { TunnelReceiver } from "../../src/tunnel/receiver.js";
import { TunnelSender } from "../../src/tunnel/sender.js";

const quiet = createLogger({ level: "error", write: () => {} });

/** A medium the test drives by hand: transmit() puts a frame on the local air, delivered collects. */
class HandMedium implements LocalMedium {
  readonly name = "hand";
  readonly delivered: AirFrame[] = [];
  private onTransmit: (frame: AirFrame) => void = () => {};
  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    this.onTransmit = onTransmit;
  }
  transmit(frame: AirFrame): void {
    this.onTransmit(frame);
  }
  deliver(frame: AirFrame): DeliverOutcome {
    this.delivered.push(frame);
    return { delivered: true };
  }
  async close(): Promise<void> {}
  counters(): Record<string, number> {
    return { delivered: this.delivered.length };
  }
}

const air = (sequence: number): AirFrame => {
  const frame = Buffer.alloc(60);
  frame[0] = 0x08; // data
  frame.writeUInt16LE(sequence << 4, 22);
  return { frame, freqMhz: 2437, rate500kbps: 2, signalDbm: -30, flags: 0 };
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function startAgent(port: number, peerPort: number, medium: LocalMedium): Promise<Agent> {
  const agent = new Agent({
    nodeId: 0x1111,
    nodeName: "under-test",
    psk: null,
    listen: { address: "127.0.0.1", port },
    peers: [{ address: "127.0.0.1", port: peerPort }],
    media: [medium],
    localRadioMacs: () => [],
    log: quiet,
  });
  await agent.start();
  cleanups.push(() => agent.stop());
  return agent;
}

/** A bare UDP socket standing in for a peer agent; it decodes what the agent sends it. */
async function fakePeer(port: number): Promise<{ socket: Socket; heard: TunnelMessage[] }> {
  const socket = createSocket("udp4");
  const receiver = new TunnelReceiver({ psk: null });
  const heard: TunnelMessage[] = [];
  socket.on("message", (datagram) => {
    const opened = receiver.open(datagram);
    if (opened.ok) heard.push(opened.value.message);
  });
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", () => resolve()));
  cleanups.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return { socket, heard };
}

describe("agent control plane", () => {
  it("a peer's new session starts with its HELLO and gets a HELLO back, once per session; a FRAME cannot start one", async () => {
    const [agentPort, peerPort] = [await freeUdpPort(), await freeUdpPort()];
    const peer = await fakePeer(peerPort);
    const medium = new HandMedium();
    const agent = await startAgent(agentPort, peerPort, medium);
    const hellos = () => peer.heard.filter((message) => message.type === "hello");
    // The start-up HELLO, which asks for a reply.
    await until(() => hellos().length === 1, "the start-up HELLO");
    expect(hellos()[0].type === "hello" && hellos()[0].hello.replyRequested).toBe(true);

    const send = (sender: TunnelSender, sequence: number) => {
      const datagram = sender.frame(air(sequence));
      if (!datagram.ok) throw new Error(datagram.error.detail);
      peer.socket.send(datagram.value, agentPort, "127.0.0.1");
    };
    const hello = (sender: TunnelSender) =>
      peer.socket.send(
        sender.hello({
          keepaliveIntervalMs: 1000,
          capabilities: 0,
          replyRequested: false,
          nodeName: "p",
          radioMacs: [],
        }),
        agentPort,
        "127.0.0.1",
      );
    const first = new TunnelSender({ nodeId: 0x2222, psk: null });
    // Without a HELLO first, a forged or stray FRAME of a session nobody announced (issue 12).
    send(first, 1);
    await until(
      () => agent.receiveCounters?.get("dropped-auth-failure") === 1,
      "the unknown session refused",
    );
    hello(first);
    send(first, 2);
    send(first, 3);
    await until(() => medium.delivered.length === 2, "two frames delivered");
    await until(() => hellos().length === 2, "the HELLO answering the new session");
    const answer = hellos()[1];
    expect(answer.type === "hello" && answer.hello.replyRequested).toBe(false);

    // The peer restarts: a new session id, so another HELLO; the same session does not get one.
    const restarted = new TunnelSender({ nodeId: 0x2222, psk: null });
    hello(restarted);
    send(restarted, 1);
    await until(() => hellos().length === 3, "the HELLO answering the restart");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hellos()).toHaveLength(3);
    expect(medium.delivered).toHaveLength(3);
  });

  it("an agent whose --peer is itself counts its own datagrams and delivers none of them", async () => {
    const port = await freeUdpPort();
    const medium = new HandMedium();
    const agent = await startAgent(port, port, medium);
    medium.transmit(air(1));
    medium.transmit(air(2));
    // The start-up HELLO and both frames come back to it.
    await until(() => agent.receiveCounters?.get("dropped-own") === 3, "three own datagrams");
    expect(medium.delivered).toEqual([]);
    expect(agent.receiveCounters?.get("frames-in")).toBe(0);
  });
});
