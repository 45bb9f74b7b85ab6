// How long the agent's event loop stands still while the kernel radio backend works, with netlink
// on the agent's thread and on the worker (run inside a lab VM by lab/guest/netlink-probe.sh,
// reported by bench/netlink-thread.ts). Each operation is timed by a 1 ms loop-delay histogram
// reset just before it: its max is how long a frame arriving then would have waited.
//
//   node dist/lab/netlink-probe.js ROUNDS OUT.json

import { writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { LiveInjector } from "../src/os/pcap/live.js";
import { KernelRadios, type NetlinkThread } from "../src/os/radios/kernel.js";

type Step = "open" | "create radio" | "pcap open" | "ACK proxy" | "interface dump" | "close";
type Held = Record<Step, number[]>;

const [roundsText, outPath] = process.argv.slice(2);
const rounds = Number(roundsText);
if (!Number.isInteger(rounds) || rounds < 1 || outPath === undefined) {
  console.error("usage: netlink-probe ROUNDS OUT.json");
  process.exit(2);
}

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();

/** The loop's worst lateness (ms beyond the 1 ms sampling period) while `operation` ran. */
async function held(operation: () => Promise<unknown>): Promise<number> {
  // Let the histogram take a sample after whatever ran before, then start from nothing.
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.reset();
  await operation();
  // One more sample after the operation, so a hold at its very end is counted.
  await new Promise((resolve) => setTimeout(resolve, 5));
  return Math.max(0, histogram.max / 1e6 - 1);
}

const CHANNELS = [2412, 2437, 2462];
const ACK_PROXIES_PER_RADIO = 3;

async function round(thread: NetlinkThread, into: Held): Promise<void> {
  let radios: KernelRadios | undefined;
  into.open.push(
    await held(async () => {
      radios = await KernelRadios.open(null, thread);
    }),
  );
  const backend = radios as KernelRadios;
  for (const freq of CHANNELS) {
    let radio: Awaited<ReturnType<KernelRadios["createRadio"]>> | undefined;
    into["create radio"].push(
      await held(async () => {
        radio = await backend.createRadio(freq);
      }),
    );
    // The share of "create radio" that stays on the agent's thread: its injecting pcap session.
    into["pcap open"].push(await held(async () => new LiveInjector(`wt${freq}`).close()));
    for (let n = 0; n < ACK_PROXIES_PER_RADIO; n++) {
      const mac = 0x02_00_00_99_00_00 + freq * 16 + n;
      into["ACK proxy"].push(await held(() => (radio as NonNullable<typeof radio>).addAckAddress(mac)));
    }
    into["interface dump"].push(await held(() => backend.guestInterfaces()));
  }
  into.close.push(await held(() => backend.close()));
}

const empty = (): Held => ({
  open: [],
  "create radio": [],
  "pcap open": [],
  "ACK proxy": [],
  "interface dump": [],
  close: [],
});
const results: Record<NetlinkThread, Held> = { agent: empty(), worker: empty() };
for (let n = 0; n < rounds; n++) {
  // Alternate, so that a slow spell of the host hits both alike.
  for (const thread of n % 2 === 0 ? (["agent", "worker"] as const) : (["worker", "agent"] as const))
    await round(thread, results[thread]);
}
writeFileSync(outPath, JSON.stringify(results));
