// The hostile-input campaign of issue 12 at full size, on loopback, everything real (see
// test/hostile/harness.ts): prints one row per defect of the issue's table with today's figure.
//
//   npx tsc -p tsconfig.json && node dist/bench/hostile.js [SCALE]
//
// SCALE 1 (default) is the issue's size: 1M datagrams in the campaign; smaller values shrink every
// count (0.2 is what the unit suite's figures are close to). The machine is shared: the rates depend
// on load, the counts of lines, HELLOs and replayed frames do not.

import {
  campaign,
  delivery,
  nameInjection,
  reflection,
  restartReplay,
  sealedForgeries,
  unsealedForgery,
  wrongPort,
} from "../test/hostile/scenarios.js";

const scale = Number(process.argv[2] ?? 1);
const n = (count: number): number => Math.max(100, Math.round(count * scale));
const rows: string[][] = [];
const row = (item: string, what: string, figure: string): void => {
  rows.push([item, what, figure]);
  console.error(`${item}: ${figure}`);
};

for (const rate of [16_000, 24_000, 0]) {
  // The genuine peer on a thread of its own, so the sender does not starve the agent under test.
  const d = await delivery(n(100_000), rate, null, true);
  row(
    "1",
    `tunnel -> airport delivery, ${d.sent} frames ${rate === 0 ? "unpaced" : `at ${rate / 1000}k/s`}`,
    `${d.percent.toFixed(1)}% of ${d.accepted} accepted written to the guest (${d.portBacklog} port-backlog drops); ${d.intactPercent.toFixed(1)}% read intact by a guest thread (${d.corrupt} glued reads); ${d.lost} lost before the agent; ${(d.accepted / d.seconds / 1000).toFixed(1)}k/s accepted`,
  );
}
const c = await campaign(n(1_000_000));
row("2", `log lines during a ${n(1_000_000)}-datagram hostile campaign`, `${c.lines} lines`);
row(
  "3",
  `frames on the air from 127.0.0.1:<other port> (${n(10_000)} sent)`,
  `${await wrongPort(n(10_000))}`,
);
const name = await nameInjection();
row(
  "4",
  "log lines with control characters after a HELLO named 'evil\\nerror: forged line\\e[2J'",
  `${name.unsafe}`,
);
row(
  "5",
  "genuine frames on the air after one forged datagram, sequence 2^64-1 (of 1000)",
  `${await unsealedForgery("sequence", 1000)}`,
);
row(
  "5",
  "genuine frames on the air after one forged datagram, new session (of 1000)",
  `${await unsealedForgery("session", 1000)}`,
);
const f = sealedForgeries(n(200_000));
row(
  "6",
  `sealed forgeries of fresh node/session rejected (${n(200_000)})`,
  `${(f.perCpuSecond / 1000).toFixed(1)}k per CPU-second, RSS +${f.rssGrowthMb.toFixed(0)} MB`,
);
row(
  "7",
  `HELLOs sent back for ${n(100_000)} forged new sessions (unsealed)`,
  await reflection(n(100_000)).then(({ hellos, seconds }) => `${hellos} in ${seconds.toFixed(1)} s`),
);
const r = await restartReplay(n(2_000));
row(
  "8",
  `recorded frames accepted after the receiver restarted (sealed, ${r.recorded} datagrams replayed)`,
  `${r.replayedOnAir}`,
);

console.log(`node ${process.version}, scale ${scale}, ${new Date().toISOString()}`);
console.log("");
console.log("| # | what | measured |");
console.log("|---|---|---|");
for (const [item, what, figure] of rows) console.log(`| ${item} | ${what} | ${figure} |`);
process.exit(0);
