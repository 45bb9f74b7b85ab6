// The test vectors of docs/protocol.md, read from the document itself: inputs and expected bytes live
// in one place, so the document and the code cannot drift apart.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMac } from "../../src/ieee80211/mac.js";
import type { AirFrame } from "../../src/medium/medium.js";
import { decodeBundle, encodeBundle } from "../../src/tunnel/bundle.js";
import type { Hello } from "../../src/tunnel/hello.js";
import { decodeMessage, encodeMessage } from "../../src/tunnel/message.js";
import { TunnelReceiver } from "../../src/tunnel/receiver.js";
import { aeadNonce, derivePairKey, deriveTrafficKey, sealDatagram } from "../../src/tunnel/seal.js";
import { TunnelSender } from "../../src/tunnel/sender.js";

const protocolDoc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

/** The body of the fenced block whose info string is exactly `infoString`. */
function fencedBlock(infoString: string): string {
  const fence = "```";
  const start = protocolDoc.indexOf(`${fence}${infoString}\n`);
  if (start < 0) throw new Error(`docs/protocol.md has no block "${infoString}"`);
  const bodyStart = start + fence.length + infoString.length + 1;
  return protocolDoc.slice(bodyStart, protocolDoc.indexOf(fence, bodyStart));
}

/** A vector's bytes: hex pairs, whitespace and `#` comments to the end of the line. */
function vectorBytes(name: string): Buffer {
  const hex = fencedBlock(`text test-vector ${name}`)
    .split("\n")
    .map((line) => line.replace(/#.*$/, ""))
    .join("")
    .replace(/\s+/g, "");
  if (!/^([0-9a-f]{2})+$/.test(hex)) throw new Error(`vector ${name} is not hex pairs`);
  return Buffer.from(hex, "hex");
}

const inputs = new Map(
  fencedBlock("text test-vector-inputs")
    .trim()
    .split("\n")
    .map((line) => {
      const [name, ...value] = line.trim().split(/\s+/);
      return [name, value.join(" ")] as const;
    }),
);

function input(name: string): string {
  const value = inputs.get(name);
  if (value === undefined) throw new Error(`test-vector-inputs has no ${name}`);
  return value;
}

function macInput(text: string): number {
  const mac = parseMac(text);
  if (!mac.ok) throw new Error(mac.error.detail);
  return mac.value;
}

const psk = Buffer.from(input("psk"), "hex");
const nodeId = Number(input("node-id"));
const sessionId = BigInt(input("session-id"));
const hello: Hello = {
  keepaliveIntervalMs: Number(input("hello-keepalive-ms")),
  capabilities: Number(input("hello-capabilities")),
  replyRequested: input("hello-reply") === "yes",
  nodeName: input("hello-node-name"),
  radioMacs: input("hello-radio-macs").split(" ").map(macInput),
};
const air: AirFrame = {
  frame: Buffer.from(input("frame-bytes"), "hex"),
  freqMhz: Number(input("frame-freq-mhz")),
  rate500kbps: Number(input("frame-rate-500kbps")),
  signalDbm: Number(input("frame-signal-dbm")),
  flags: Number(input("frame-flags")),
};
const receiverSession = {
  nodeId: Number(input("receiver-node-id")),
  sessionId: BigInt(input("receiver-session-id")),
};
const helloOrigin = { nodeId, sessionId, sequence: BigInt(input("hello-sequence")) };
const frameOrigin = { nodeId, sessionId, sequence: BigInt(input("frame-sequence")) };

/** A sender that has already sent `sequence` datagrams, so its next one carries that number. */
function senderAt(sequence: bigint, key: Buffer | null): TunnelSender {
  const sender = new TunnelSender({ nodeId, sessionId, psk: key });
  while (sender.nextSequence < sequence) sender.hello(hello);
  return sender;
}

function sentFrame(sender: TunnelSender): Buffer {
  const datagram = sender.frame(air);
  if (!datagram.ok) throw new Error(datagram.error.detail);
  return datagram.value;
}

describe("docs/protocol.md test vectors", () => {
  it("reads the inputs the document lists", () => {
    expect(psk.length).toBe(32);
    expect(air.frame.length).toBe(24);
    expect(hello.radioMacs).toHaveLength(2);
  });

  it("unsealed HELLO", () => {
    expect(encodeMessage({ type: "hello", origin: helloOrigin, hello })).toEqual(
      vectorBytes("hello-unsealed"),
    );
    expect(decodeMessage(vectorBytes("hello-unsealed"))).toEqual({
      ok: true,
      value: { type: "hello", origin: helloOrigin, hello },
    });
  });

  it("unsealed FRAME", () => {
    expect(encodeMessage({ type: "frame", origin: frameOrigin, air })).toEqual(vectorBytes("frame-unsealed"));
    expect(decodeMessage(vectorBytes("frame-unsealed"))).toEqual({
      ok: true,
      value: { type: "frame", origin: frameOrigin, air },
    });
  });

  it("BUNDLE of the unsealed FRAME and the HELLO naming a session", () => {
    const inner = [vectorBytes("frame-unsealed"), vectorBytes("hello-heard-session")];
    expect(encodeBundle(inner)).toEqual(vectorBytes("bundle"));
    expect(decodeBundle(vectorBytes("bundle"))).toEqual({ ok: true, value: inner });
  });

  it("traffic key and nonce", () => {
    expect(deriveTrafficKey(psk, nodeId, sessionId)).toEqual(vectorBytes("traffic-key"));
    expect(aeadNonce(frameOrigin.sequence)).toEqual(vectorBytes("nonce-sequence-1"));
  });

  it("sealed HELLO and FRAME, as a TunnelSender makes them", () => {
    expect(senderAt(helloOrigin.sequence, psk).hello(hello)).toEqual(vectorBytes("hello-sealed"));
    // The v1 base FRAME, sealed under the sender session's traffic key.
    expect(
      sealDatagram(
        encodeMessage({ type: "frame", origin: frameOrigin, air }),
        deriveTrafficKey(psk, nodeId, sessionId),
      ),
    ).toEqual(vectorBytes("frame-sealed"));
    // Handshake extension: sealed per receiver under the pair key.
    expect(derivePairKey(psk, { nodeId, sessionId }, receiverSession)).toEqual(vectorBytes("pair-key"));
    const sender = senderAt(frameOrigin.sequence, psk);
    expect(sender.sealFrameFor(sentFrame(sender), receiverSession)).toEqual(vectorBytes("frame-paired"));
    expect(
      encodeMessage({
        type: "hello",
        origin: { nodeId, sessionId, sequence: 2n },
        hello: {
          ...hello,
          replyRequested: false,
          nodeName: "",
          radioMacs: [],
          heardSession: receiverSession,
        },
      }),
    ).toEqual(vectorBytes("hello-heard-session"));
    // The unsealed vectors come out of the same sender path without a key.
    expect(senderAt(helloOrigin.sequence, null).hello(hello)).toEqual(vectorBytes("hello-unsealed"));
    expect(sentFrame(senderAt(frameOrigin.sequence, null))).toEqual(vectorBytes("frame-unsealed"));
  });

  it("a receiver with the key opens the sealed vectors", () => {
    const receiver = new TunnelReceiver({ psk, own: receiverSession });
    expect(receiver.open(vectorBytes("hello-sealed"))).toEqual({
      ok: true,
      value: { arrival: "new-session", message: { type: "hello", origin: helloOrigin, hello } },
    });
    // A v1 base FRAME is refused by a receiver with the handshake extension; the paired one opens.
    expect(receiver.open(vectorBytes("frame-sealed"))).toMatchObject({
      ok: false,
      error: { reason: "bad-field" },
    });
    expect(receiver.open(vectorBytes("frame-paired"))).toEqual({
      ok: true,
      value: { arrival: "in-order", message: { type: "frame", origin: frameOrigin, air } },
    });
    expect(receiver.isConfirmed(nodeId, sessionId)).toBe(true);
  });
});
