#!/bin/bash
# One VM, two hwsim radios, no tunnel: the scenes of scenes.sh (SCENES, default all; lossy is skipped) with
# hostapd on wlan0 and the station on wlan1 in its own network namespace, one after the other. The
# baseline the two-VM scenes (scenes-ap.sh, scenes-sta.sh) are compared with.
# Writes $LAB_SHARE/results.json: {"scenes": [{"scene", "freq_mhz", "assoc_seconds", ...}, ...]}.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/scenes.sh"

SCENES=${SCENES:-5ghz chanswitch open lossy eap vht80 iwd-wpa2 iwd-wpa3}
load_hwsim 2
set_country
start_dbus
ip netns add sta
iw phy "$(phy_of wlan1)" set netns name sta || fail "cannot move wlan1's radio into netns sta"
NETNS_EXEC="ip netns exec sta"
$NETNS_EXEC ip link set lo up
$NETNS_EXEC ip addr add "$STA_WLAN_IP/24" dev wlan1
ip addr add "$AP_WLAN_IP/24" dev wlan0
iperf3 -s -B "$AP_WLAN_IP" -D -I /run/iperf3.pid

results=()
for scene in $SCENES; do
  case $scene in
    chanswitch) scene_ping_through_switch wlan1 "$AP_WLAN_IP" scene_chan_switch wlan0 "$(scene_freq chanswitch)" ;;
    # No agent here to make a link lossy (hwsim alone delivers every frame).
    lossy) continue ;;
    *)
      scene_start_ap "$scene" wlan0
      scene_join "$scene" wlan1 "$AP_WLAN_IP"
      ;;
  esac
  log "scene result: $SCENE_JSON"
  results+=("$SCENE_JSON")
done
scene_stop_station wlan1
scene_stop_ap

{
  echo '{"scenes": ['
  (IFS=,; echo "${results[*]}")
  echo ']}'
} >"$LAB_SHARE/results.json"
cat "$LAB_SHARE/results.json"
