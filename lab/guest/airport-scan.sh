#!/bin/bash
# Airport scenario, station side. One hwsim radio and the agent, whose only peer is a host-side
# agent serving an airport hub (--iface none --airport-listen); into that hub a QEMU-side client
# (lab/airport-ap.ts) sends the beacons and probe responses of an open access point $AIRPORT_SSID.
# The station scans channel 6 (active, for that SSID) until the AP shows up or SCAN_TIMEOUT seconds
# (default 90) pass. AGENT_PEER is the host agent's address as seen from here (10.0.2.2:port).
# Writes wlan0-address.txt, radios-before.txt / radios-after.txt, agent.log, scan.txt and
# results.json to $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim 1
ip link set wlan0 up
cat /sys/class/net/wlan0/address >"$LAB_SHARE/wlan0-address.txt"

radio_snapshot >"$LAB_SHARE/radios-before.txt"
agent_started=false
AGENT_READY_PATTERN=${AGENT_READY_PATTERN:-listening on UDP}
start_agent && agent_started=true

ssid_seen=false
scans=0
SEEN_SECONDS=null
if $agent_started; then
  start=$(now)
  deadline=$((SECONDS + ${SCAN_TIMEOUT:-90}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    scans=$((scans + 1))
    # Not `iw scan`: it subscribes to the scan-results event only after triggering, and a one-channel
    # scan can finish first (measured here: iw then waits forever). Trigger, then read the results.
    iw dev wlan0 scan trigger flush freq 2437 ssid "$AIRPORT_SSID" >/dev/null 2>&1
    sleep 1
    iw dev wlan0 scan dump >"$LAB_SHARE/scan.txt" 2>&1
    if grep -q "SSID: $AIRPORT_SSID\$" "$LAB_SHARE/scan.txt"; then
      ssid_seen=true
      SEEN_SECONDS=$(seconds_since "$start")
      break
    fi
  done
  log "scan $scans: $AIRPORT_SSID $($ssid_seen && echo "seen after $SEEN_SECONDS s" || echo "never seen")"
fi
ip link set wlan0 down

stop_agent
radio_snapshot >"$LAB_SHARE/radios-after.txt"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "agent_started": $agent_started,
  "ssid_seen": $ssid_seen,
  "seen_after_seconds": $SEEN_SECONDS,
  "scans": $scans,
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
