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
# iperf3 against the AP, stay associated IDLE_SECONDS, and count CTRL-EVENT-BEACON-LOSS throughout.
# Writes radios-before.txt / radios-after.txt, wlan0-address.txt, agent.log, wpa_supplicant.log,
# wpa-status.txt, ping.txt, ping-<ip>.txt, iperf3.json, acks.json and results.json to $LAB_SHARE.
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

associated_or_gave_up() { peer_has_flag associated "$1" || peer_has_flag pings-done "$1"; }

# ping_stations: 10 pings to every other station's Wi-Fi address, once it says it is associated.
# Sets STATION_PINGS_SENT / STATION_PINGS_RECEIVED (summed over the stations).
ping_stations() {
  local peer wlan sent received
  STATION_PINGS_SENT=0 STATION_PINGS_RECEIVED=0
  for peer in ${STATION_PEERS:-}; do
    # A station that gave up raises pings-done without associated: skip it rather than wait.
    wait_until 300 associated_or_gave_up "$peer" || { log "station $peer neither associated nor gave up"; continue; }
    peer_has_flag associated "$peer" || { log "station $peer never associated"; continue; }
    wlan=$(wlan_ip_of "$peer")
    ping -c 10 -i 0.2 -W 2 "$wlan" >"$LAB_SHARE/ping-$wlan.txt"
    read -r sent received < <(awk '/packets transmitted/ { print $1, $4 }' "$LAB_SHARE/ping-$wlan.txt")
    log "ping station $wlan: ${received:-0} of ${sent:-0} answered"
    STATION_PINGS_SENT=$((STATION_PINGS_SENT + ${sent:-0}))
    STATION_PINGS_RECEIVED=$((STATION_PINGS_RECEIVED + ${received:-0}))
  done
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

associated=false
handshake_completed=false
ASSOC_SECONDS=null PING_TRANSMITTED=0 PING_RECEIVED=0 BITS_PER_SECOND=null
STATION_PINGS_SENT=0 STATION_PINGS_RECEIVED=0 RESTART_SECONDS=null
ASSOC_TIMEOUT=${ASSOC_TIMEOUT:-240}
if start_station wlan0; then
  associated=true
  raise_flag associated
  wpa_cli -p /run/wpa_supplicant -i wlan0 status >"$LAB_SHARE/wpa-status.txt"
  grep -q "WPA: Key negotiation completed" "$LAB_SHARE/wpa_supplicant.log" && handshake_completed=true
  ping_peer "$AP_WLAN_IP" 20
  ping_stations
  raise_flag pings-done
  # iperf3 fills the air: pings of other stations would drop behind it, so wait for them first.
  for peer in ${STATION_PEERS:-}; do
    wait_until 300 peer_flag_or_gone pings-done "$peer" || log "station $peer neither pinged nor vanished"
  done
  [ -n "${RESTART_AGENT:-}" ] && restart_and_time "$RESTART_AGENT"
  IPERF3_ARGS="${IPERF3_ARGS:-} -p $((5200 + ${LAB_IP##*.}))" iperf3_client "$AP_WLAN_IP" "${IPERF3_SECONDS:-5}"
  if [ "${IDLE_SECONDS:-0}" -gt 0 ]; then
    log "staying associated and idle for $IDLE_SECONDS s"
    sleep "$IDLE_SECONDS"
  fi
  probe_acks
fi
agent_alive && agent_started=true
AGENT_READY_SECONDS=$(agent_ready_seconds)
BEACON_LOSS=$(count_in "$LAB_SHARE/wpa_supplicant.log" CTRL-EVENT-BEACON-LOSS)
raise_flag pings-done # also when association failed: nobody should wait for us then
# Other stations may still be pinging us, or asking for our flags: stay associated and reachable
# until each is done (or gone).
for peer in ${STATION_PEERS:-}; do
  wait_until 300 peer_flag_or_gone pings-done "$peer" || log "station $peer neither finished nor vanished"
done
still_associated=false
station_completed wlan0 && still_associated=true
wpa_cli -p /run/wpa_supplicant -i wlan0 terminate >/dev/null 2>&1
wait_until 10 test ! -e /run/wpa_supplicant.pid

raise_flag station-done
stop_agent
radio_snapshot >"$LAB_SHARE/radios-after.txt"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "start_order": "$START_ORDER",
  "agent_started": $agent_started,
  "agent_ready_seconds": $AGENT_READY_SECONDS,
  "associated": $associated,
  "assoc_seconds": $ASSOC_SECONDS,
  "handshake_completed": $handshake_completed,
  "ping_transmitted": $PING_TRANSMITTED,
  "ping_received": $PING_RECEIVED,
  "station_pings_sent": $STATION_PINGS_SENT,
  "station_pings_received": $STATION_PINGS_RECEIVED,
  "bits_per_second": $BITS_PER_SECOND,
  "beacon_loss": $BEACON_LOSS,
  "still_associated": $still_associated,
  "restart_seconds": $RESTART_SECONDS,
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
# The AP polls for "station-done"; stay reachable until it has seen it.
wait_until_peer_saw_flag station-done 60
