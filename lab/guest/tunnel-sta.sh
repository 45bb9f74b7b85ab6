#!/bin/bash
# Tunnel lab, station side (with tunnel-ap.sh in VM 10.0.0.1 and any number of other stations; one
# hwsim radio per VM, so stations hear the AP only through the wifi-tunnel agents over eth0).
#
# By default everything starts at once, as a booting VM starts its services: the agent (one --peer
# per other VM) and wpa_supplicant are launched together and nobody waits for the agent.
# START_ORDER=paced is the old order, kept as a labelled bench row: wait for the agent's
# "listening on UDP" and for the AP's "ap-ready" flag, then start wpa_supplicant.
#
# The station's address is set by hand before anything starts (02:00:00:77:00:NN for VM 10.0.0.NN,
# or STA_RADIO_MAC), as a lab does; with STA_UNIQUE_MACS=1 the agent's --unique-macs sets it, which
# must happen before wpa_supplicant brings wlan0 up, so the station then waits for that one line
# (what the unit's Before=wpa_supplicant.service ordering does under systemd).
#
# Then: time wpa_supplicant start to wpa_state=COMPLETED, check the 4-way handshake, ping the AP 20
# times, ping every other station 10 times through the AP (STATION_PEERS: their eth0 addresses),
# iperf3 against the AP, stay associated IDLE_SECONDS, and count CTRL-EVENT-BEACON-LOSS throughout
# (and during iperf3 alone). RSS_SAMPLES=1 records the agent's memory in agent-rss.txt, with the
# iperf3 run's start and end marked (in the AP's file too, as it sees our flags).
# Writes radios-before.txt / radios-after.txt, wlan0-address.txt, agent.log, wpa_supplicant.log,
# wpa-status.txt, link.txt (iw dev wlan0 link), ping.txt, ping-<ip>.txt, iperf3.json, acks.json and results.json to $LAB_SHARE.
# SECURITY=sae (for every VM) makes the network WPA3-SAE. RESTART_AGENT=station (or ap) SIGKILLs
# and relaunches this VM's agent (or the AP VM's) after the pings and times the recovery.
# Exit status 0 = results recorded (results.json says whether the Wi-Fi link worked).
set -u
. "$LAB_GUEST_DIR/prelude.sh"

AP_ETH_IP=${AP_ETH_IP:-10.0.0.1}
AP_WLAN_IP=$(wlan_ip_of "$AP_ETH_IP")
STA_WLAN_IP=$(wlan_ip_of "$LAB_IP")
START_ORDER=${START_ORDER:-together}
# The other stations: every other VM but the AP.
STATION_PEERS=${STATION_PEERS:-$(for ip in $LAB_PEER_IPS; do [ "$ip" = "$AP_ETH_IP" ] || echo "$ip"; done)}

load_hwsim 1
ip link set wlan0 down
if [ "${STA_UNIQUE_MACS:-0}" = 1 ]; then
  AGENT_ARGS="${AGENT_ARGS:-} --unique-macs"
else
  ip link set wlan0 address "${STA_RADIO_MAC:-02:00:00:77:00:$(printf %02x "${LAB_IP##*.}")}" ||
    fail "cannot change wlan0's MAC"
fi
ip addr add "$STA_WLAN_IP/24" dev wlan0
serve_flags
# What an operator sees (status over the control socket, /metrics), checked by test/vm/tunnel.test.ts.
METRICS_PORT=9811
AGENT_ARGS="${AGENT_ARGS:-} --metrics $METRICS_PORT"

# probe_acks: null-data frames from wlan0's address to the AP and to an address nobody has, injected
# through a monitor interface on wlan0's radio; acks.json says which were acknowledged (only the AP's,
# through the agent's ACK proxy, should be).
probe_acks() {
  local phy station_mac ap_mac
  phy=$(phy_of wlan0)
  station_mac=$(cat /sys/class/net/wlan0/address)
  ap_mac=$(wpa_cli -p /run/wpa_supplicant -i wlan0 status | sed -n 's/^bssid=//p')
  iw phy "$phy" interface add ackprobe0 type monitor && ip link set ackprobe0 up || return 1
  node "$LAB_CHECKOUT/dist/lab/ack-probe.js" ackprobe0 "$station_mac" "$ap_mac" 02:de:ad:00:00:01 \
    >"$LAB_SHARE/acks.json" 2>"$LAB_SHARE/ack-probe.log"
  echo "$ap_mac" >"$LAB_SHARE/ap-address.txt"
  iw dev ackprobe0 del
  log "ack probe: $(cat "$LAB_SHARE/acks.json")"
}

# restart_and_time WHO: SIGKILL and relaunch the agent of this VM (WHO=station) or of the AP's VM
# (WHO=ap, asked for with flag restart-agent), then time until wlan0 is associated and pings the AP
# again: sets RESTART_SECONDS (null if that never came within 90 s).
restart_and_time() {
  local start
  if [ "$1" = station ]; then
    start=$(now)
    kill_and_relaunch_agent
  else
    # The clock starts when the AP says its agent is dead (flag agent-killed), not when we asked:
    # until then the old agent still carries the traffic. (It reads the flag up to ~1 s late.)
    raise_flag restart-agent
    wait_for_peer_flag agent-killed 120 "$AP_ETH_IP"
    start=$(now)
  fi
  RESTART_SECONDS=null
  if wait_until 90 associated_and_pinging; then RESTART_SECONDS=$(seconds_since "$start"); fi
  log "after restarting the $1's agent: associated and pinging again after $RESTART_SECONDS s"
}
associated_and_pinging() { station_completed wlan0 && ping -c 1 -W 1 "$AP_WLAN_IP"; }

radio_snapshot >"$LAB_SHARE/radios-before.txt"
agent_started=false
if [ "$START_ORDER" = paced ]; then
  AGENT_READY_PATTERN='listening on UDP' start_agent && agent_started=true
  wait_for_peer 120 "$AP_ETH_IP"
  wait_for_peer_flag ap-ready 300 "$AP_ETH_IP"
elif [ "${STA_UNIQUE_MACS:-0}" = 1 ]; then
  AGENT_READY_PATTERN='unique-macs: wlan0 now uses|listening on UDP' start_agent && agent_started=true
else
  launch_agent
fi
cat /sys/class/net/wlan0/address >"$LAB_SHARE/wlan0-address.txt"

RESTART_SECONDS=null
ASSOC_TIMEOUT=${ASSOC_TIMEOUT:-240}
if start_station wlan0; then
  # What the station reports of its AP (signal, rate): the link's signal with --medium netlink.
  iw dev wlan0 link >"$LAB_SHARE/link.txt" 2>&1
  station_pings
  [ -n "${RESTART_AGENT:-}" ] && restart_and_time "$RESTART_AGENT"
  station_load
  probe_acks
fi
agent_alive && agent_started=true
AGENT_READY_SECONDS=$(agent_ready_seconds)
agent_alive && operator_snapshot
station_wind_down

stop_agent
# LAB_DOCTOR=1: the preflight with this agent's configuration, now that its UDP port is free and
# while the AP's agent still runs (the AP stops it once it sees station-done).
DOCTOR_EXIT=null
[ "${LAB_DOCTOR:-}" = 1 ] && run_doctor
raise_flag station-done
radio_snapshot >"$LAB_SHARE/radios-after.txt"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "start_order": "$START_ORDER",
  "agent_started": $agent_started,
  "agent_ready_seconds": $AGENT_READY_SECONDS,
$(station_results_json)
  "restart_seconds": $RESTART_SECONDS,
  "doctor_exit": $DOCTOR_EXIT,
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
# The AP polls for "station-done"; stay reachable until it has seen it.
wait_until_peer_saw_flag station-done 60
