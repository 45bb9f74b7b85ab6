#!/bin/bash
# Roaming across VMs, station side (VM 10.0.0.3, with roam-ap.sh in VMs 10.0.0.1 and 10.0.0.2):
# wpa_supplicant on wlan0 (02:00:00:77:00:03, 192.168.77.3), one hwsim radio, so it hears the two
# APs only through the wifi-tunnel agents. The agent ($AGENT_ARGS) and wpa_supplicant start at the
# same moment. The agent's link model makes AP 1 the stronger at first (Signal = -50 for peer
# 10.0.0.1, -60 for 10.0.0.2); the bgscan case fades AP 1 to -85 dBm and raises AP 2 to -40 with
# `wifi-tunnel set peer` (the README's roaming recipe). Then the cases of roam.sh (ROAM_CASES).
# Writes radios-before.txt / radios-after.txt, agent.log, wpa_supplicant.log, ping-*.txt and
# results.json to $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/roam.sh"

ROAM_STA_IFACE=wlan0
WIFI_TUNNEL=${WIFI_TUNNEL_CMD:-$LAB_CHECKOUT/dist/bundle/wifi-tunnel.cjs}
# ROAM_SIGNAL_1/ROAM_SIGNAL_2 (lab knobs) set the first link; swapped, the station joins AP 2 first.
ROAM_SIGNAL_1=${ROAM_SIGNAL_1:--50} ROAM_SIGNAL_2=${ROAM_SIGNAL_2:--60}
export AGENT_PEER_KEYS_1="Signal = $ROAM_SIGNAL_1" AGENT_PEER_KEYS_2="Signal = $ROAM_SIGNAL_2"

load_hwsim 1
ip link set wlan0 down
ip link set wlan0 address 02:00:00:77:00:03 || fail "cannot change wlan0's MAC"
ip addr add 192.168.77.3/24 dev wlan0
serve_flags
radio_snapshot >"$LAB_SHARE/radios-before.txt"

# roam_fade 1: AP 1 fades and AP 2 grows, as the station hears them; none: back to the start.
# Both changes at once (each CLI run takes a second or more in a TCG guest).
roam_fade() {
  local one two setter
  case $1 in
    1) one=-85 two=-40 ;;
    none) one=$ROAM_SIGNAL_1 two=$ROAM_SIGNAL_2 ;;
  esac
  # shellcheck disable=SC2086 # the command string is split into words on purpose
  $WIFI_TUNNEL set peer 10.0.0.1 signal "$one" >>"$LAB_SHARE/set-peer.txt" 2>&1 &
  setter=$!
  # shellcheck disable=SC2086
  $WIFI_TUNNEL set peer 10.0.0.2 signal "$two" >>"$LAB_SHARE/set-peer.txt" 2>&1
  # That one only: a bare `wait` would wait for roam_measure's pinger too.
  wait "$setter"
  ROAM_APPLIED_AT=$(now)
  log "link: AP 1 at $one dBm, AP 2 at $two dBm"
}

launch_agent
roam_start_station
roam_join
for c in $ROAM_CASES; do roam_case "$c"; done
$NETNS_EXEC iw dev wlan0 link >"$LAB_SHARE/link.txt" 2>&1
roam_stop_station
raise_flag station-done
agent_started=false
agent_alive && agent_started=true
stop_agent
radio_snapshot >"$LAB_SHARE/radios-after.txt"

printf '{"assoc_seconds": %s, "first_bssid": "%s", "both_seen_at_first": %s, "roams": %s, "agent_started": %s, "agent_exit_code": %s}\n' \
  "$ROAM_ASSOC_SECONDS" "$ROAM_FIRST_BSSID" "$ROAM_BOTH_SEEN" "$(roam_results_json)" "$agent_started" "$AGENT_EXIT_CODE" >"$LAB_SHARE/results.json"
cat "$LAB_SHARE/results.json"
wait_until_peer_saw_flag station-done 60 10.0.0.1 10.0.0.2
