// What ending the guest's scans early buys, side by side in one process: two VMs, WPA2, started
// together, alternating three agents of the same build (WIFI_TUNNEL_FOLLOW_SCANS): every scan ended
// once nothing is left in it to find (the default), only the scans the agent saw start
// ("started": the one begun before the agent was up runs out), and none ("0"). Prints each run's
// association time and the medians.
//
//   npm run build && node dist/bench/scan-ends.js [ROUNDS]      (default 4)

import { runTunnelPair } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/scan-ends: ${unavailable}`);
  process.exit(1);
}
const rounds = Number(process.argv[2] ?? 4);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error("bench/scan-ends: ROUNDS must be a whole number of at least 1");
  process.exit(2);
}

const VARIANTS = [
  { name: "every scan ended early (default)", follow: undefined },
  { name: "only scans seen to start (=started)", follow: "started" },
  { name: "scans run out (=0)", follow: "0" },
] as const;

const times = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
for (let round = 1; round <= rounds; round++) {
  for (const variant of VARIANTS) {
    const env: Record<string, string> = { IPERF3_SECONDS: "3" };
    if (variant.follow !== undefined) env.WIFI_TUNNEL_FOLLOW_SCANS = variant.follow;
    const pair = await runTunnelPair({ env, timeoutMs: 300_000 });
    const seconds = pair.station.results?.associated ? pair.station.results.assoc_seconds : null;
    console.log(`round ${round}: ${variant.name}: ${seconds === null ? "not associated" : `${seconds} s`}`);
    if (seconds !== null) times.get(variant.name)?.push(seconds);
  }
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
console.log("\n| two VMs, started together | association (s), each run | median |\n|---|---|---|");
for (const [name, values] of times)
  console.log(`| ${name} | ${values.join(", ") || "-"} | ${median(values)?.toFixed(2) ?? "-"} |`);
