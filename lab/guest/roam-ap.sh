#!/bin/bash
# Roaming across VMs, access point side: VM 10.0.0.N (N = 1 or 2) is AP N of roam.sh's network
# (BSSID 02:00:00:77:00:0N, channel 1 or 11), one hwsim radio, so the station in VM 10.0.0.3
# (roam-sta.sh) hears it only through the wifi-tunnel agents. eth0 goes into br0 with its address
# (and 192.168.77.N): the two APs' bridges share the lab's Ethernet, the distribution system
# through which the station reaches the gateway (192.168.77.1, AP 1's bridge) from either AP.
# The agent ($AGENT_ARGS) and hostapd start at the same moment, as a booting VM starts its
# services. Stays up until the station has raised flag station-done or stopped answering on eth0.
# Writes radios-before.txt / radios-after.txt, agent.log, hostapd-N.log and results.json to
# $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/roam.sh"

AP=${LAB_IP##*.}
STATION_PEERS=${STATION_PEERS:-10.0.0.3}

load_hwsim 1
ip link set wlan0 down
ip link set wlan0 address "$(roam_bssid "$AP")" || fail "cannot change wlan0's MAC"
# eth0's address moves to the bridge, which keeps eth0's MAC (the agents' UDP leaves from it).
ip addr flush dev eth0
roam_make_bridge "$LAB_IP/24" "192.168.77.$AP/24"
ip link set br0 address "$(cat /sys/class/net/eth0/address)"
ip link set eth0 master br0 || fail "cannot bridge eth0"
serve_flags
radio_snapshot >"$LAB_SHARE/radios-before.txt"
launch_agent
roam_start_ap "$AP" wlan0
wait_for_stations "${STATION_TIMEOUT:-900}"
agent_started=false
agent_alive && agent_started=true
stop_agent
roam_stop_ap "$AP"
radio_snapshot >"$LAB_SHARE/radios-after.txt"

log="$LAB_SHARE/hostapd-$AP.log"
cat >"$LAB_SHARE/results.json" <<JSON
{
  "ap": $AP,
  "agent_started": $agent_started,
  "stations_done": $STATIONS_DONE,
  "associations": $(count_in "$log" ' associated'),
  "handshakes": $(count_in "$log" 'pairwise key handshake completed'),
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
