// Capture hot-path rate: decodeHwsimRadiotap + parseFrame on hwsim0-shaped packets, one core.
// Target: >= 2 million header parses per second. Run after `npm run build`: node dist/bench/parse.js

import { parseFrame } from "../src/ieee80211/frame.js";
import { decodeHwsimRadiotap, decodeRadiotap } from "../src/radiotap/radiotap.js";

const HWSIM_HEADER = "0000 1600 0f000000 0807060504030201 00 0c 8509 c000";

function packet(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ""), "hex");
}

const beacon = packet(
  HWSIM_HEADER +
    "8000 0000 ffffffffffff 020000000000 020000000000 1000" +
    "0011223344556677 6400 1104 0007 7774756e6e656c 0108 8c129824b048606c 030106" +
    "2a0104 2d1a 2c0003ffff0000000000000000000000000000000000000000000000",
);
const qosData = packet(
  HWSIM_HEADER +
    "8801 2c00 020000000000 020000000100 ffffffffffff 3000 0000" +
    "aaaa030000000800 4500005400004000400100000a0000020a000001".padEnd(200, "0"),
);

interface Sink {
  headerBytes: number;
  transmitters: number;
}

function parseBoth(pkt: Buffer, sink: Sink, decode: typeof decodeHwsimRadiotap): void {
  const radiotap = decode(pkt);
  if (!radiotap.ok) throw new Error(radiotap.error.detail);
  const view = parseFrame(radiotap.value.frame);
  if (!view.ok) throw new Error(view.error.detail);
  // Consume results so the optimiser cannot drop the work.
  sink.headerBytes += view.value.headerLength + radiotap.value.header.length;
  sink.transmitters += view.value.ta === null ? 0 : 1;
}

/** Reports CPU time as well as wall time: on a shared machine the wall clock includes other work. */
function measure(name: string, packets: readonly Buffer[], decode: typeof decodeHwsimRadiotap): void {
  const sink: Sink = { headerBytes: 0, transmitters: 0 };
  const iterations = 2_000_000;
  for (let i = 0; i < 200_000; i++) parseBoth(packets[i % packets.length], sink, decode); // warm-up
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) parseBoth(packets[i % packets.length], sink, decode);
  const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perSecond = (seconds: number) => `${(iterations / seconds / 1e6).toFixed(2)} M/s`;
  console.log(
    `${name.padEnd(44)} cpu ${perSecond(cpuSeconds)} (${((cpuSeconds / iterations) * 1e9).toFixed(0)} ns)` +
      `  wall ${perSecond(wallSeconds)}  [sink ${sink.transmitters}]`,
  );
}

for (let round = 0; round < 3; round++) {
  measure("hwsim fast path + parseFrame, beacon", [beacon], decodeHwsimRadiotap);
  measure("hwsim fast path + parseFrame, QoS data", [qosData], decodeHwsimRadiotap);
  measure("hwsim fast path + parseFrame, mixed", [beacon, qosData], decodeHwsimRadiotap);
  measure("general decodeRadiotap + parseFrame, mixed", [beacon, qosData], decodeRadiotap);
}
