#!/bin/bash
# One VM, three hwsim radios, no tunnel: the roaming cases of roam.sh (ROAM_CASES) with AP 1 on
# wlan0 and AP 2 on wlan1 (both bridged into one br0, which has the gateway's address) and the
# station on wlan2 in its own network namespace. The baseline the three-VM lab (roam-ap.sh,
# roam-sta.sh) is compared with. Everything starts at once, as in the lab.
#
# AP 1 fades here by its transmit power: hwsim's own medium gives every frame the transmitter's
# power - 50 dBm, and mac80211 takes no power below 0 dBm, so AP 1 can only fall from -30 to -50
# dBm while AP 2 stays at -30 (in the lab the link model takes it to -85 dBm, AP 2 to -40).
# Writes $LAB_SHARE/results.json: {"assoc_seconds", "first_bssid", "both_seen_at_first", "roams": [...]} and the daemons' logs.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/roam.sh"

load_hwsim 3
for n in 1 2; do
  ip link set "wlan$((n - 1))" down
  ip link set "wlan$((n - 1))" address "$(roam_bssid "$n")" || fail "cannot change wlan$((n - 1))'s MAC"
done
roam_make_bridge "$ROAM_GATEWAY_IP/24"
ip netns add sta
iw phy "$(phy_of wlan2)" set netns name sta || fail "cannot move wlan2's radio into netns sta"
NETNS_EXEC="ip netns exec sta"
ROAM_STA_IFACE=wlan2
$NETNS_EXEC ip link set lo up
$NETNS_EXEC ip link set wlan2 address 02:00:00:77:00:03
$NETNS_EXEC ip addr add 192.168.77.3/24 dev wlan2

roam_fade() {
  case $1 in
    1) iw dev wlan0 set txpower fixed 0 ;;
    none) iw dev wlan0 set txpower auto ;;
  esac
  ROAM_APPLIED_AT=$(now)
  log "AP 1's transmit power: $(iw dev wlan0 info | sed -n 's/^\s*txpower //p')"
}

roam_start_station
roam_start_ap 1 wlan0
roam_start_ap 2 wlan1
roam_join
for c in $ROAM_CASES; do roam_case "$c"; done
roam_stop_station
roam_stop_ap 1
roam_stop_ap 2

printf '{"assoc_seconds": %s, "first_bssid": "%s", "both_seen_at_first": %s, "roams": %s}\n' \
  "$ROAM_ASSOC_SECONDS" "$ROAM_FIRST_BSSID" "$ROAM_BOTH_SEEN" "$(roam_results_json)" >"$LAB_SHARE/results.json"
cat "$LAB_SHARE/results.json"
