#!/bin/bash
# Two-VM tunnel scenario, access point side (pair with tunnel-sta.sh; one hwsim radio per VM, so
# the only way the station can hear this AP is through the wifi-tunnel agents over eth0).
# Runs hostapd (WPA2-PSK) on wlan0 with $AP_WLAN_IP and an iperf3 server, the agent alongside,
# and stays up until the station raises flag "station-done" (or STATION_TIMEOUT seconds pass).
# Writes radios-before.txt / radios-after.txt (around the agent's life; they should be equal),
# agent.log, hostapd.log and results.json to $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim 1
serve_flags
start_ap wlan0
ip addr add "$AP_WLAN_IP/24" dev wlan0
iperf3 -s -B "$AP_WLAN_IP" -D -I /run/iperf3.pid

radio_snapshot >"$LAB_SHARE/radios-before.txt"
agent_started=false
start_agent && agent_started=true
raise_flag ap-ready

station_done=false
wait_until "${STATION_TIMEOUT:-600}" peer_has_flag station-done && station_done=true
log "station done: $station_done"

stop_agent
radio_snapshot >"$LAB_SHARE/radios-after.txt"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "agent_started": $agent_started,
  "station_done": $station_done,
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
