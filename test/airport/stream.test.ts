import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeFrameMessage } from "../../src/airport/message.js";
import { AirportMessageWriter, AirportStreamReader } from "../../src/airport/stream.js";
import type { Result } from "../../src/result.js";
import { burstFrameLength, STATION_A, STATION_B, testFrame } from "./frames.js";

const HUB = 20;
const PORT = 3;

function readerForPort3(): AirportStreamReader {
  return new AirportStreamReader({
    acceptsHeader: (header) => header.mode === 1 && header.hubId === HUB && header.portId === PORT,
  });
}

function messageFrom(transmitter: number, sequence: number, length: number): Buffer {
  return encodeFrameMessage(HUB, PORT, testFrame({ transmitter, sequence, length }));
}

/** Buffers as hex strings: vitest compares strings far faster than Buffers element by element. */
function hex(buffers: Buffer[]): string[] {
  return buffers.map((buffer) => buffer.toString("hex"));
}

function messagesOf(results: Result<Buffer, string>[]): Buffer[] {
  return results.map((result) => {
    if (!result.ok) throw new Error(`unexpected ${result.error.reason}: ${result.error.detail}`);
    return Buffer.from(result.value);
  });
}

describe("AirportStreamReader", () => {
  it("holds a read's last message until the burst of reads settles", () => {
    const reader = readerForPort3();
    const message = messageFrom(STATION_A, 1, 100);
    expect(reader.push(message)).toEqual([]);
    expect(messagesOf(reader.settle())).toEqual([message]);
    expect(reader.pendingBytes).toBe(0);
  });

  it("splits messages glued into one read at the sender's next header", () => {
    const reader = readerForPort3();
    const messages = [
      messageFrom(STATION_A, 1, 30),
      messageFrom(STATION_A, 2, 1500),
      messageFrom(STATION_A, 3, 64),
    ];
    expect(messagesOf(reader.push(Buffer.concat(messages)))).toEqual(messages.slice(0, 2));
    expect(messagesOf(reader.settle())).toEqual(messages.slice(2));
  });

  it("joins a message cut by the end of a full read to the rest in the next read", () => {
    const messages = [messageFrom(STATION_A, 1, 2000), messageFrom(STATION_A, 2, 2000)];
    const stream = Buffer.concat(messages);
    // Cut inside the first frame, and inside the second message's header.
    for (const cut of [1000, 2004 + 2]) {
      const reader = readerForPort3();
      expect(messagesOf(reader.push(stream.subarray(0, cut)))).toEqual([]);
      expect(messagesOf(reader.push(stream.subarray(cut)))).toEqual([messages[0]]);
      expect(messagesOf(reader.settle())).toEqual([messages[1]]);
    }
  });

  it("waits for the rest of a header that arrived in pieces", () => {
    const reader = readerForPort3();
    const message = messageFrom(STATION_A, 1, 40);
    expect(reader.push(message.subarray(0, 2))).toEqual([]);
    expect(reader.settle()).toEqual([]);
    expect(reader.push(message.subarray(2))).toEqual([]);
    expect(messagesOf(reader.settle())).toEqual([message]);
  });

  it("keeps a frame whole when its payload contains the sender's header bytes", () => {
    // An EAPOL-Key M2 carries key info 01 0a and key length 00 00: the header {1, 10, 0} of hub 10
    // port 0, followed by a replay counter whose 00 looks like a frame control field.
    const reader = new AirportStreamReader({
      acceptsHeader: (header) => header.mode === 1 && header.hubId === 10 && header.portId === 0,
    });
    const frame = testFrame({ transmitter: STATION_A, sequence: 9, length: 133 });
    Buffer.from([0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]).copy(frame, 40);
    const message = encodeFrameMessage(10, 0, frame);
    expect(reader.push(message)).toEqual([]);
    expect(messagesOf(reader.settle())).toEqual([message]);
  });

  it("documented limit: a glued frame from a transmitter not yet seen at the start of a read stays glued", () => {
    const reader = readerForPort3();
    const first = messageFrom(STATION_A, 1, 100);
    const second = messageFrom(STATION_B, 2, 100);
    expect(reader.push(Buffer.concat([first, second]))).toEqual([]);
    expect(messagesOf(reader.settle())).toEqual([Buffer.concat([first, second])]);
    // Once STATION_B has started a read, its frames are split off too.
    expect(messagesOf(reader.push(second))).toEqual([]);
    expect(messagesOf(reader.settle())).toEqual([second]);
    expect(messagesOf(reader.push(Buffer.concat([first, second])))).toEqual([first]);
  });

  it("discards a run longer than any airport message", () => {
    const reader = readerForPort3();
    const results = reader.push(Buffer.alloc(5000, 0x41));
    expect(results.map((result) => (result.ok ? "message" : result.error.reason))).toEqual(["oversize"]);
    expect(reader.pendingBytes).toBe(0);
  });

  it("reports a message the peer did not finish as truncated", () => {
    const reader = readerForPort3();
    reader.push(messageFrom(STATION_A, 1, 1500).subarray(0, 700));
    const results = reader.end();
    expect(results.map((result) => (result.ok ? "message" : result.error.reason))).toEqual(["truncated"]);
    expect(reader.end()).toEqual([]);
  });

  it("recovers every message however the stream of one transmitter is cut into reads", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 30, max: 2353 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 6000 }), { maxLength: 20 }),
        (lengths, readSizes) => {
          const messages = lengths.map((length, sequence) => messageFrom(STATION_A, sequence, length));
          const stream = Buffer.concat(messages);
          const reader = readerForPort3();
          const received: Buffer[] = [];
          let at = 0;
          for (const size of readSizes) {
            received.push(...messagesOf(reader.push(stream.subarray(at, at + size))));
            at += size;
            if (at >= stream.length) break;
          }
          if (at < stream.length) received.push(...messagesOf(reader.push(stream.subarray(at))));
          received.push(...messagesOf(reader.settle()));
          expect(hex(received)).toEqual(hex(messages));
        },
      ),
    );
  });

  it("reassembles a run that wifimedium.c relayed in 4100-byte pieces, one read each", () => {
    const reader = new AirportStreamReader({
      acceptsHeader: (header) => header.mode === 1 && header.hubId === HUB && header.portId === PORT,
      peerCutsSendsAt: 4100,
    });
    const messages = Array.from({ length: 12 }, (_, index) =>
      messageFrom(STATION_A, index, burstFrameLength(index)),
    );
    const run = Buffer.concat(messages);
    const received: Buffer[] = [];
    for (let at = 0; at < run.length; at += 4100) {
      received.push(...messagesOf(reader.push(run.subarray(at, at + 4100))));
      received.push(...messagesOf(reader.settle()));
    }
    expect(reader.holdingCutTail).toBe(run.length % 4100 === 0);
    expect(hex(received)).toEqual(hex(messages));
  });

  it("drops a tail held for a cut when its rest never comes", () => {
    const reader = new AirportStreamReader({ acceptsHeader: () => true, peerCutsSendsAt: 4100 });
    const run = Buffer.concat([messageFrom(STATION_A, 1, 2000), messageFrom(STATION_A, 2, 2353)]);
    expect(messagesOf(reader.push(run.subarray(0, 4100)))).toHaveLength(1);
    expect(reader.settle()).toEqual([]);
    expect(reader.holdingCutTail).toBe(true);
    expect(reader.abandonHeldTail().map((result) => (result.ok ? "message" : result.error.reason))).toEqual([
      "truncated",
    ]);
    expect(reader.pendingBytes).toBe(0);
  });

  it("drops a tail held for a cut when a new message starts right where it ended", () => {
    const reader = new AirportStreamReader({ acceptsHeader: () => true, peerCutsSendsAt: 4100 });
    const run = Buffer.concat([messageFrom(STATION_A, 1, 2000), messageFrom(STATION_A, 2, 2353)]);
    reader.push(run.subarray(0, 4100));
    reader.settle();
    const next = messageFrom(STATION_A, 3, 500);
    const results = reader.push(Buffer.concat([next, messageFrom(STATION_A, 4, 500)]));
    expect(results.map((result) => (result.ok ? result.value.length : result.error.reason))).toEqual([
      "truncated",
      next.length,
    ]);
  });

  it("never throws on random reads", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 10 }),
        fc.boolean(),
        (reads, settle) => {
          const reader = readerForPort3();
          for (const read of reads) {
            reader.push(Buffer.from(read));
            if (settle) reader.settle();
          }
          reader.end();
          expect(reader.pendingBytes).toBe(0);
        },
      ),
    );
  });
});

describe("AirportMessageWriter over a Unix socket", () => {
  let directory: string;
  let server: Server;
  let accepted: Promise<Socket>;
  let writerSide: Socket;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "airport-writer-"));
    const path = join(directory, "pair.sock");
    server = createServer();
    accepted = new Promise((resolve) => server.once("connection", resolve));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const { createConnection } = await import("node:net");
    writerSide = createConnection(path);
    await new Promise<void>((resolve) => writerSide.once("connect", () => resolve()));
  });

  afterEach(async () => {
    writerSide.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(directory, { recursive: true, force: true });
  });

  it("puts each of 1000 queued messages in a write of its own, seen as one read each by a raw reader", async () => {
    const rawReader = await accepted;
    const reads: Buffer[] = [];
    rawReader.on("data", (chunk: Buffer) => reads.push(chunk));
    const writev = vi.fn();
    // Node's Writable batches queued writes into _writev; the writer must never let it.
    writerSide._writev = writev;

    const writer = new AirportMessageWriter(writerSide, { maxQueued: 1000 });
    const messages = Array.from({ length: 1000 }, (_, index) =>
      messageFrom(STATION_A, index, burstFrameLength(index)),
    );
    for (const message of messages) expect(writer.send(message)).toBe(true);

    const deadline = Date.now() + 10_000;
    while (reads.length < messages.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(writev).not.toHaveBeenCalled();
    expect(reads.length).toBe(messages.length);
    expect(hex(reads)).toEqual(hex(messages));
  });

  it("refuses messages beyond its queue limit instead of buffering without end", () => {
    const writer = new AirportMessageWriter(writerSide, { maxQueued: 2 });
    const message = messageFrom(STATION_A, 1, 30);
    expect([writer.send(message), writer.send(message), writer.send(message)]).toEqual([true, true, false]);
  });

  it("closes the socket after the last queued message when asked to", async () => {
    const rawReader = await accepted;
    const reads: Buffer[] = [];
    rawReader.on("data", (chunk: Buffer) => reads.push(chunk));
    const ended = new Promise<void>((resolve) => rawReader.once("end", () => resolve()));
    const writer = new AirportMessageWriter(writerSide, { maxQueued: 10 });
    const answer = Buffer.from([0, 20, 0xff, 0xff]);
    writer.send(answer);
    writer.endWhenFlushed();
    expect(writer.send(answer)).toBe(false);
    await ended;
    expect(Buffer.concat(reads)).toEqual(answer);
  });
});
