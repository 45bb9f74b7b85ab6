#!/bin/bash
# Start-up time of the agent in this VM (bench/startup.ts): loads hwsim with one radio, then runs
# lab/startup-probe.ts over STARTUP_VARIANTS (NAME=COMMAND words separated by '|') STARTUP_RUNS
# times each. Writes $LAB_SHARE/startup.json.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim 1
IFS='|' read -r -a variants <<<"$STARTUP_VARIANTS"
log "measuring ${#variants[@]} variants, $STARTUP_RUNS runs each"
node "$LAB_CHECKOUT/dist/lab/startup-probe.js" "$STARTUP_RUNS" "$LAB_SHARE/startup.json" "${variants[@]}" ||
  fail "startup-probe failed"
echo '{}' >"$LAB_SHARE/results.json"
