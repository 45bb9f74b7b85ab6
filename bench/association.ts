// Association time over the tunnel, run after run: does the station's first scan find the AP?
// (A miss costs wpa_supplicant's ~10 s wait for the next scan, so outliers matter more than the median.)
//
//   npx tsc -p tsconfig.json && node dist/bench/association.js [RUNS]

import { runTunnelPair } from "../lab/scenarios.js";
import { labUnavailableReason } from "../lab/vm.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) {
  console.error(`bench/association: ${unavailable}`);
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 6);
const seconds: number[] = [];
for (let run = 1; run <= runs; run++) {
  const pair = await runTunnelPair({ env: { IPERF3_SECONDS: "1" } });
  const assoc = pair.station.results?.assoc_seconds;
  if (assoc != null) seconds.push(assoc);
  console.error(`run ${run}/${runs}: ${assoc ?? "no association"} s`);
}
const sorted = [...seconds].sort((a, b) => a - b);
console.log(
  `association over the tunnel, ${seconds.length} of ${runs} runs associated: ${sorted.map((s) => s.toFixed(2)).join(", ")} s` +
    ` (median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2) ?? "-"} s)`,
);
