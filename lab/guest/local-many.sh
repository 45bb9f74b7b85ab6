#!/bin/bash
# One VM, an AP and STATIONS stations (default 2) on hwsim radios of one kernel, no tunnel: the
# baseline a tunnel lab with the same number of VMs is compared with. hostapd and every
# wpa_supplicant start at the same moment, each station in its own network namespace (so pings
# cross the air); each station's association time, beacon losses and pings to the AP are recorded.
# Writes $LAB_SHARE/results.json: {"stations": [{"assoc_seconds", "beacon_loss", "ping_transmitted",
# "ping_received"}, ...]} and per-station wpa_supplicant-N.log.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

STATIONS=${STATIONS:-2}
load_hwsim $((STATIONS + 1))

for n in $(seq 1 "$STATIONS"); do
  ip netns add "sta$n"
  iw phy "$(phy_of "wlan$n")" set netns name "sta$n" || fail "cannot move wlan$n's radio into netns sta$n"
  ip netns exec "sta$n" ip link set lo up
  ip netns exec "sta$n" ip addr add "192.168.77.$((n + 1))/24" dev "wlan$n"
done

station_network >/run/wpa_supplicant-many.conf

# Everything at once, as a booting VM starts its services.
start=$(now)
for n in $(seq 1 "$STATIONS"); do
  ip netns exec "sta$n" wpa_supplicant -B -t -i "wlan$n" -c /run/wpa_supplicant-many.conf -C "/run/wpa-sta$n" \
    -f "$LAB_SHARE/wpa_supplicant-$n.log" -P "/run/wpa-sta$n.pid" || fail "wpa_supplicant $n did not start"
done
start_ap wlan0
ip addr add "$AP_WLAN_IP/24" dev wlan0

completed() { ip netns exec "sta$1" wpa_cli -p "/run/wpa-sta$1" -i "wlan$1" status | grep -q '^wpa_state=COMPLETED'; }
declare -A assoc=()
all_completed() {
  local n pending=0
  for n in $(seq 1 "$STATIONS"); do
    [ -n "${assoc[$n]:-}" ] && continue
    if completed "$n"; then assoc[$n]=$(seconds_since "$start"); else pending=1; fi
  done
  [ "$pending" = 0 ]
}
wait_until "${ASSOC_TIMEOUT:-240}" all_completed || log "not every station associated"

entries=()
for n in $(seq 1 "$STATIONS"); do
  sent=0 received=0
  if [ -n "${assoc[$n]:-}" ]; then
    ip netns exec "sta$n" ping -c 20 -i 0.2 -W 2 "$AP_WLAN_IP" >"$LAB_SHARE/ping-$n.txt"
    read -r sent received < <(awk '/packets transmitted/ { print $1, $4 }' "$LAB_SHARE/ping-$n.txt")
  fi
  log "station $n: associated in ${assoc[$n]:-never} s, ping ${received:-0}/${sent:-0}"
  entries+=("{\"assoc_seconds\": ${assoc[$n]:-null}, \"beacon_loss\": $(count_in "$LAB_SHARE/wpa_supplicant-$n.log" CTRL-EVENT-BEACON-LOSS), \"ping_transmitted\": ${sent:-0}, \"ping_received\": ${received:-0}}")
done

(
  IFS=,
  echo "{\"stations\": [${entries[*]}]}"
) >"$LAB_SHARE/results.json"
cat "$LAB_SHARE/results.json"
