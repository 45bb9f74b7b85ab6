#!/bin/bash
# The event loop's stand-stills during netlink work, agent thread against worker thread
# (bench/netlink-thread.ts): loads hwsim with one radio (the guest's own, unused) and runs
# lab/netlink-probe.ts for $PROBE_ROUNDS rounds. Writes $LAB_SHARE/netlink-probe.json.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim 1
node "$LAB_CHECKOUT/dist/lab/netlink-probe.js" "$PROBE_ROUNDS" "$LAB_SHARE/netlink-probe.json" ||
  fail "netlink-probe failed"
echo '{}' >"$LAB_SHARE/results.json"
