#!/bin/bash
# Two-VM tunnel scenario, access point side (pair with tunnel-sta.sh; one hwsim radio per VM, so
# the only way the station can hear this AP is through the wifi-tunnel agents over eth0).
# Runs hostapd (WPA2-PSK) on wlan0 with $AP_WLAN_IP and an iperf3 server, the agent alongside,
# and stays up until the station raises flag "station-done", stops answering on eth0, or
# STATION_TIMEOUT seconds (default 480) pass.
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

# Wait for the station to finish, or to vanish (its script failed and the VM powered off).
wait_for_peer
station_done=false
station_finished_or_gone() {
  peer_has_flag station-done && station_done=true
  $station_done || ! ping -q -c 3 -W 2 "$LAB_PEER_IP"
}
wait_until "${STATION_TIMEOUT:-480}" station_finished_or_gone
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
