#!/usr/bin/env bash
# Everything the project proves, from a fresh Debian 12 machine (as root): installs what is missing,
# builds, runs the lint, the unit tests and the VM tests (two QEMU guests with mac80211_hwsim,
# hostapd and wpa_supplicant), and ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

status=0
npx biome check . || status=1
node scripts/check-floors.mjs || status=1

report=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
vitest_status=$?
[ $vitest_status -eq 0 ] || status=1

summary=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" 2>/dev/null) || summary="0 passed, 1 failed"
rm -f "$report"
echo "$summary"
exit $status
