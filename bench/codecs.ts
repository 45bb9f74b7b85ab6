// Codec throughput on one core: the per-datagram work of the tunnel (FRAME encode/decode, sealing)
// and of the capture path (radiotap + 802.11 header parse). Each case is warmed up, then run for
// about a second of CPU time, five times; the table shows the median and the spread of operations
// per CPU-second, and the ratio to its target.
//
//   npx tsc -p tsconfig.json && node dist/bench/codecs.js

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { parseFrame } from "../src/ieee80211/frame.js";
import type { AirFrame } from "../src/medium/medium.js";
import { decodeHwsimRadiotap } from "../src/radiotap/radiotap.js";
import { TAG_LENGTH } from "../src/tunnel/constants.js";
import { decodeMessage, encodeMessage, type MessageOrigin } from "../src/tunnel/message.js";
import { TunnelReceiver } from "../src/tunnel/receiver.js";
import { deriveTrafficKey, openSealedBody, sealInPlace } from "../src/tunnel/seal.js";
import { TunnelSender } from "../src/tunnel/sender.js";

interface BenchCase {
  readonly name: string;
  /** Operations per second this case must reach, if it has a target. */
  readonly target?: number;
  /** Runs the operation once; returns a number that depends on its result (kept, so it is not optimised away). */
  readonly once: () => number;
}

const RUNS = 5;
const RUN_MS = 1000;
const WARMUP_MS = 300;
const BATCH = 256;

let sink = 0;

/** CPU seconds this process has used (user + system, all threads: V8's GC helpers count too). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Operations per CPU-second over one run of about `durationMs` of CPU time. CPU time, not wall time:
 * the machines this runs on are shared, and time spent waiting for the CPU is not the codec's cost.
 */
function measure(bench: BenchCase, durationMs: number): number {
  let operations = 0;
  const start = cpuSeconds();
  const end = start + durationMs / 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < BATCH; i++) sink += bench.once();
    operations += BATCH;
    now = cpuSeconds();
  }
  return operations / (now - start);
}

interface BenchResult {
  readonly bench: BenchCase;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function run(bench: BenchCase): BenchResult {
  measure(bench, WARMUP_MS);
  const rates = Array.from({ length: RUNS }, () => measure(bench, RUN_MS)).sort((a, b) => a - b);
  return { bench, median: rates[Math.floor(RUNS / 2)], min: rates[0], max: rates[RUNS - 1] };
}

function airFrame(frameBytes: number): AirFrame {
  const frame = randomBytes(frameBytes);
  frame[0] = 0x88; // QoS data
  return { frame, freqMhz: 2437, rate500kbps: 108, signalDbm: -30, flags: 0 };
}

const origin: MessageOrigin = { nodeId: 1, sessionId: 0x0123456789abcdefn, sequence: 0n };

function unsealedCodec(frameBytes: number): BenchCase {
  const air = airFrame(frameBytes);
  return {
    name: `FRAME encode+decode, unsealed, ${frameBytes} B`,
    once: () => {
      const decoded = decodeMessage(encodeMessage({ type: "frame", origin, air }));
      return decoded.ok ? 1 : 0;
    },
  };
}

const psk = randomBytes(32);

function aeadPair(frameBytes: number, target?: number): BenchCase {
  const key = deriveTrafficKey(psk, origin.nodeId, origin.sessionId);
  // Sealed again and again in place (as TunnelSender does): each round encrypts the last round's bytes.
  const datagram = encodeMessage({ type: "frame", origin, air: airFrame(frameBytes) }, TAG_LENGTH);
  return {
    name: `AEAD seal+open, ChaCha20-Poly1305, ${frameBytes} B`,
    target,
    once: () => {
      sealInPlace(datagram, key);
      const opened = openSealedBody(datagram, key);
      return opened.ok ? 1 : 0;
    },
  };
}

/** The agent's whole per-frame path: TunnelSender.frame, then TunnelReceiver.open (replay window included). */
function senderToReceiver(frameBytes: number, sealed: boolean): BenchCase {
  const key = sealed ? psk : null;
  const sender = new TunnelSender({ nodeId: 1, psk: key });
  const receiver = new TunnelReceiver({ psk: key });
  const air = airFrame(frameBytes);
  return {
    name: `TunnelSender -> TunnelReceiver, ${sealed ? "sealed" : "unsealed"}, ${frameBytes} B`,
    once: () => {
      const datagram = sender.frame(air);
      if (!datagram.ok) return 0;
      const opened = receiver.open(datagram.value);
      return opened.ok ? 1 : 0;
    },
  };
}

/** node:crypto AES-256-GCM with the same call pattern, for comparison with the AEAD we chose. */
function aesGcmReference(frameBytes: number): BenchCase {
  const key = deriveTrafficKey(psk, origin.nodeId, origin.sessionId);
  const header = randomBytes(25);
  const body = randomBytes(frameBytes + 5);
  const nonce = Buffer.alloc(12);
  const aadOptions = { plaintextLength: body.length };
  return {
    name: `(reference) AES-256-GCM seal+open, ${frameBytes} B`,
    once: () => {
      const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
      cipher.setAAD(header, aadOptions);
      const ciphertext = cipher.update(body);
      cipher.final();
      const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
      decipher.setAAD(header, aadOptions);
      decipher.setAuthTag(cipher.getAuthTag());
      const plaintext = decipher.update(ciphertext);
      decipher.final();
      return plaintext.length;
    },
  };
}

/** What hwsim0 delivers: the 22-byte mac80211_hwsim radiotap header, then the 802.11 frame. */
const HWSIM_RADIOTAP = "0000 1600 0f000000 0807060504030201 00 0c 8509 c000";

function hwsimPacket(frameHex: string): Buffer {
  return Buffer.from((HWSIM_RADIOTAP + frameHex).replace(/\s+/g, ""), "hex");
}

function capturedHeaderParse(): BenchCase {
  const packets = [
    hwsimPacket(`8801 2c00 020000000100 020000000000 020000000100 3000 0000 ${"aa".repeat(100)}`), // QoS data
    hwsimPacket(`8000 0000 ffffffffffff 020000000100 020000000100 1000 ${"00".repeat(60)}`), // beacon
    hwsimPacket("d400 0000 020000000000"), // ACK
  ];
  let next = 0;
  return {
    name: "radiotap + 802.11 header parse (hwsim0)",
    target: 2_000_000,
    once: () => {
      const packet = packets[next];
      next = next === packets.length - 1 ? 0 : next + 1;
      const radiotap = decodeHwsimRadiotap(packet);
      if (!radiotap.ok) return 0;
      const view = parseFrame(radiotap.value.frame);
      return view.ok ? view.value.headerLength : 0;
    },
  };
}

const cases: BenchCase[] = [
  unsealedCodec(100),
  unsealedCodec(1500),
  aeadPair(100),
  aeadPair(1500, 150_000),
  senderToReceiver(100, false),
  senderToReceiver(1500, false),
  senderToReceiver(100, true),
  senderToReceiver(1500, true),
  aesGcmReference(100),
  aesGcmReference(1500),
  capturedHeaderParse(),
];

function formatRate(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(1)} k`;
}

console.log(
  `node ${process.version}; per case ${WARMUP_MS} ms warm-up, then ${RUNS} runs of ${RUN_MS} ms of CPU time; ops per CPU-second, one core`,
);
console.log("");
const nameWidth = Math.max(...cases.map((bench) => bench.name.length));
console.log(`| ${"case".padEnd(nameWidth)} |  median ops/s |    min..max ops/s | target ops/s | vs target |`);
console.log(`|${"-".repeat(nameWidth + 2)}|--------------:|------------------:|-------------:|----------:|`);
for (const bench of cases) {
  const result = run(bench);
  const target = bench.target === undefined ? "" : formatRate(bench.target);
  const ratio = bench.target === undefined ? "" : `${(result.median / bench.target).toFixed(2)}x`;
  console.log(
    `| ${bench.name.padEnd(nameWidth)} | ${formatRate(result.median).padStart(13)} | ${`${formatRate(result.min)}..${formatRate(result.max)}`.padStart(17)} | ${target.padStart(12)} | ${ratio.padStart(9)} |`,
  );
}
if (sink === 0) console.log("(no operation succeeded: the benchmark is broken)");
