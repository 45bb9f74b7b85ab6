#!/bin/bash
# One VM, two hwsim radios, no tunnel: hostapd on wlan0, wpa_supplicant on wlan1 in its own network
# namespace (so ping and iperf3 really cross the air instead of the local routing table). Proves
# mac80211_hwsim works here and gives the baseline the tunnel is compared with.
# Writes $LAB_SHARE/results.json. LAB_CAPTURE=1 also records hwsim0 from before association until
# after the pings (into $LAB_SHARE/hwsim0.pcap), for test fixtures.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim 2
ip netns add sta
iw phy "$(phy_of wlan1)" set netns name sta || fail "cannot move wlan1's radio into netns sta"
NETNS_EXEC="ip netns exec sta"
$NETNS_EXEC ip link set lo up
$NETNS_EXEC ip addr add "$STA_WLAN_IP/24" dev wlan1

start_ap wlan0
ip addr add "$AP_WLAN_IP/24" dev wlan0
iperf3 -s -B "$AP_WLAN_IP" -D -I /run/iperf3.pid

if [ "${LAB_CAPTURE:-0}" = 1 ]; then
  ip link set hwsim0 up
  tcpdump -i hwsim0 -U -w "$LAB_SHARE/hwsim0.pcap" 2>"$LAB_SHARE/tcpdump.log" &
  capture_pid=$!
  sleep 1 # tcpdump needs a moment before it captures
fi

start_station wlan1 || fail "no association"
grep -q "WPA: Key negotiation completed" "$LAB_SHARE/wpa_supplicant.log" || fail "no 4-way handshake in the log"
ping_peer "$AP_WLAN_IP" 20

if [ "${LAB_CAPTURE:-0}" = 1 ]; then
  kill -INT "$capture_pid"
  wait "$capture_pid"
fi

iperf3_client "$AP_WLAN_IP" "${IPERF3_SECONDS:-5}"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "assoc_seconds": $ASSOC_SECONDS,
  "ping_transmitted": $PING_TRANSMITTED,
  "ping_received": $PING_RECEIVED,
  "bits_per_second": $BITS_PER_SECOND
}
JSON
cat "$LAB_SHARE/results.json"
