#!/bin/bash
# Two-VM tunnel scenario, station side (pair with tunnel-ap.sh). Gives its radio a MAC of its own
# (every VM's first hwsim radio is 02:00:00:00:00:00; with STA_UNIQUE_MACS=1 the agent's --unique-macs
# does it, else STA_RADIO_MAC by hand), starts the agent, waits for the AP's
# "ap-ready" flag, then times wpa_supplicant to wpa_state=COMPLETED, checks the 4-way handshake,
# pings the AP 20 times and runs iperf3 against it, all over the tunnelled air.
# Writes radios-before.txt / radios-after.txt (around the agent's life; they should be equal),
# wlan0-address.txt, agent.log, wpa_supplicant.log, wpa-status.txt, ping.txt, iperf3.json, acks.json and
# results.json to $LAB_SHARE. SECURITY=sae (for both VMs) makes the network WPA3-SAE.
# Exit status 0 = results recorded (results.json says whether the Wi-Fi link worked).
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim 1
ip link set wlan0 down
if [ "${STA_UNIQUE_MACS:-0}" = 1 ]; then
  # The agent gives wlan0 an address of its own (it is down until wpa_supplicant starts). It does so
  # during start-up, which can outlast start_agent's fixed settle time under TCG (measured: 0.5 s
  # late), so wait for the line it logs once started.
  AGENT_ARGS="${AGENT_ARGS:-} --unique-macs"
  AGENT_READY_PATTERN=${AGENT_READY_PATTERN:-listening on UDP}
else
  ip link set wlan0 address "${STA_RADIO_MAC:-02:00:00:00:aa:01}" || fail "cannot change wlan0's MAC"
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

radio_snapshot >"$LAB_SHARE/radios-before.txt"
agent_started=false
start_agent && agent_started=true
cat /sys/class/net/wlan0/address >"$LAB_SHARE/wlan0-address.txt"
wait_for_peer
wait_for_peer_flag ap-ready 300

associated=false
handshake_completed=false
ASSOC_SECONDS=null PING_TRANSMITTED=0 PING_RECEIVED=0 BITS_PER_SECOND=null
if $agent_started && start_station wlan0; then
  associated=true
  wpa_cli -p /run/wpa_supplicant -i wlan0 status >"$LAB_SHARE/wpa-status.txt"
  grep -q "WPA: Key negotiation completed" "$LAB_SHARE/wpa_supplicant.log" && handshake_completed=true
  ping_peer "$AP_WLAN_IP" 20
  iperf3_client "$AP_WLAN_IP" "${IPERF3_SECONDS:-5}"
  probe_acks
fi
wpa_cli -p /run/wpa_supplicant -i wlan0 terminate >/dev/null 2>&1
wait_until 10 test ! -e /run/wpa_supplicant.pid

raise_flag station-done
stop_agent
radio_snapshot >"$LAB_SHARE/radios-after.txt"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "agent_started": $agent_started,
  "associated": $associated,
  "assoc_seconds": $ASSOC_SECONDS,
  "handshake_completed": $handshake_completed,
  "ping_transmitted": $PING_TRANSMITTED,
  "ping_received": $PING_RECEIVED,
  "bits_per_second": $BITS_PER_SECOND,
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
# The AP polls for "station-done"; stay reachable until it has seen it.
wait_until_peer_saw_flag station-done 60
