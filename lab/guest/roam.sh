# Roaming between two access points of one network, as shell functions shared by the three-VM
# scripts (roam-ap.sh in VMs 10.0.0.1 and 10.0.0.2, roam-sta.sh in VM 10.0.0.3) and the one-VM
# baseline (local-roam.sh): `. "$LAB_GUEST_DIR/roam.sh"` after prelude.sh.
#
# The network: SSID lab-roam, WPA2-PSK with FT-PSK (802.11r) offered beside it, one mobility
# domain; AP N has the BSSID 02:00:00:77:00:0N, AP 1 on channel 1 (2412 MHz), AP 2 on channel 11
# (2462 MHz). Both APs bridge their wlan0 into br0, and the two bridges share one Ethernet (the
# distribution system), so the station's address stays reachable whichever AP it is with:
# the gateway it pings, 192.168.77.1, is AP 1's bridge. hostapd sends a Layer 2 Update frame on
# its bridge when a station associates, which moves the station's address in every bridge and
# switch on the way.
#
# The cases a station runs, one after the other, in one wpa_supplicant (ft first: hostapd 2.10
# refuses an FT authentication with status 53 from a station it still holds from an earlier
# WPA-PSK association, and a station that roams leaves its old AP without a deauthentication, so
# after the cmd case every FT roam to AP 2 was refused, in one VM too; for the same reason the
# station leaves an AP with `wpa_cli disconnect` before the ft case and when its first connection
# was not AP 1):
#   cmd     `wpa_cli roam` to AP 2, then back to AP 1 (full authentication, 4-way handshake)
#   bgscan  wpa_supplicant's own roaming: bgscan="simple:5:-65:30" set on the network, then AP 1
#           fades (roam_fade 1, which each script defines: the link model across VMs; it sets
#           ROAM_APPLIED_AT when the fade took effect; roam_fade none undoes it) and the station
#           must move to AP 2 by itself (ROAM_BGSCAN_TIMEOUT, default 120 s)
#   ft      key_mgmt=FT-PSK: a new association (FT's initial mobility domain association), then
#           `wpa_cli roam` to the other AP and back, each an FT authentication over the air
#           (ft_over_ds=0; ft_psk_generate_local=1, so the APs need no key holders' exchange)
# Each roam is timed from its trigger to wpa_supplicant's CTRL-EVENT-CONNECTED with the new BSSID,
# while the station pings the gateway every 0.1 s (from 2 s before the trigger to 5 s after the
# connection); then 20 more pings.

ROAM_SSID=lab-roam
ROAM_MOBILITY_DOMAIN=a1b2
ROAM_GATEWAY_IP=192.168.77.1
ROAM_BGSCAN="simple:5:-65:30"
ROAM_CASES=${ROAM_CASES:-ft cmd bgscan}

roam_bssid() { echo "02:00:00:77:00:0$1"; }
roam_freq() { case $1 in 1) echo 2412 ;; 2) echo 2462 ;; *) fail "no AP $1" ;; esac; }

# roam_ap_config N IFACE BRIDGE: hostapd's configuration for AP N.
roam_ap_config() {
  cat <<EOF
interface=$2
bridge=$3
driver=nl80211
ctrl_interface=/run/hostapd-$1
ssid=$ROAM_SSID
hw_mode=g
channel=$((($(roam_freq "$1") - 2407) / 5))
ieee80211n=1
wpa=2
wpa_key_mgmt=WPA-PSK FT-PSK
rsn_pairwise=CCMP
wpa_passphrase=$PASSPHRASE
mobility_domain=$ROAM_MOBILITY_DOMAIN
ft_over_ds=0
ft_psk_generate_local=1
nas_identifier=ap$1.$ROAM_SSID
EOF
}

# roam_make_bridge [ADDRESS...]: br0 with the given addresses; an interface hostapd adds (bridge=)
# joins it. It keeps the address it is given (eth0's, in the VMs): a bridge takes its lowest port's
# address by default, which would be the AP's BSSID.
roam_make_bridge() {
  local address
  ip link add br0 type bridge || fail "cannot create br0"
  for address in "$@"; do ip addr add "$address" dev br0; done
  ip link set br0 up
}

# roam_start_ap N IFACE: hostapd for AP N on IFACE (which must have AP N's address already);
# waits until it beacons. Logs to $LAB_SHARE/hostapd-N.log.
roam_start_ap() {
  roam_ap_config "$1" "$2" br0 >"/run/hostapd-$1.conf"
  # HOSTAPD_DEBUG=1 (a lab knob) logs hostapd's debug messages (-d): FT's key derivations, ...
  hostapd -B -t ${HOSTAPD_DEBUG:+-d} -P "/run/hostapd-$1.pid" -f "$LAB_SHARE/hostapd-$1.log" "/run/hostapd-$1.conf" ||
    fail "hostapd did not start (AP $1)"
  wait_until 60 sh -c "hostapd_cli -p /run/hostapd-$1 -i $2 status | grep -q '^state=ENABLED'" ||
    fail "hostapd never reached state ENABLED (AP $1, see hostapd-$1.log)"
  log "access point $1 ($(roam_bssid "$1")) up on $2, $(roam_freq "$1") MHz"
}
roam_stop_ap() {
  [ -e "/run/hostapd-$1.pid" ] || return 0
  kill -TERM "$(cat "/run/hostapd-$1.pid")" 2>/dev/null
  wait_until 10 test ! -e "/run/hostapd-$1.pid" || log "hostapd (AP $1) did not stop within 10 s"
}

# --- The station ----------------------------------------------------------------------------------
# ROAM_STA_IFACE is the station's interface; NETNS_EXEC prefixes its commands (prelude.sh).

ROAM_STA_LOG=$LAB_SHARE/wpa_supplicant.log

roam_wpa() { $NETNS_EXEC wpa_cli -p /run/wpa_supplicant -i "$ROAM_STA_IFACE" "$@"; }

# roam_start_station: wpa_supplicant with the network (WPA-PSK first; the ft case changes it), and
# returns at once; sets ROAM_STA_STARTED.
roam_start_station() {
  cat >/run/wpa_supplicant.conf <<EOF
ctrl_interface=/run/wpa_supplicant
network={
  ssid="$ROAM_SSID"
  psk="$PASSPHRASE"
  key_mgmt=WPA-PSK
}
EOF
  ROAM_STA_STARTED=$(now)
  $NETNS_EXEC wpa_supplicant -B -t ${WPA_DEBUG:+-d} -i "$ROAM_STA_IFACE" -c /run/wpa_supplicant.conf \
    -f "$ROAM_STA_LOG" -P /run/wpa_supplicant.pid || fail "wpa_supplicant did not start"
}
roam_stop_station() {
  [ -e /run/wpa_supplicant.pid ] || return 0
  roam_wpa terminate >/dev/null 2>&1
  wait_until 10 test ! -e /run/wpa_supplicant.pid || log "wpa_supplicant did not stop within 10 s"
}

# roam_status_field NAME: a field of `wpa_cli status` (bssid, key_mgmt, wpa_state, ...).
roam_status_field() { roam_wpa status | sed -n "s/^$1=//p"; }
roam_completed() { [ "$(roam_status_field wpa_state)" = COMPLETED ]; }
roam_completed_with() { roam_completed && [ "$(roam_status_field bssid)" = "$1" ]; }

# roam_connected_at SINCE BSSID: the log time of the first CTRL-EVENT-CONNECTED with BSSID at or
# after SINCE (a `now` reading; wpa_supplicant -t stamps lines with the same wall clock); false if none.
roam_connected_at() {
  awk -v since="$1" -v bssid="$2" '
    index($0, "CTRL-EVENT-CONNECTED - Connection to " bssid) && $1 + 0 >= since { sub(/:$/, "", $1); print $1; found = 1; exit }
    END { exit !found }' "$ROAM_STA_LOG"
}
# roam_first_after SINCE TEXT: the log time of the first line containing TEXT at or after SINCE.
roam_first_after() {
  awk -v since="$1" -v text="$2" '
    index($0, text) && $1 + 0 >= since { sub(/:$/, "", $1); print $1; found = 1; exit }
    END { exit !found }' "$ROAM_STA_LOG"
}
# roam_count_after SINCE TEXT: log lines containing TEXT at or after SINCE.
roam_count_after() {
  awk -v since="$1" -v text="$2" 'index($0, text) && $1 + 0 >= since { n++ } END { print n + 0 }' "$ROAM_STA_LOG"
}
roam_diff() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# roam_scan_for BSSID: a scan of BSSID's channel only, so wpa_supplicant's table has a fresh entry
# for it (an entry not seen in a scan for 180 s is dropped, and `wpa_cli roam` then fails); waits
# until the entry is younger than the scan (CTRL-EVENT-SCAN-RESULTS goes to the control interface
# only, not to the log), and scans again if it did not come, 4 scans at most, as a user would.
# Outside the timed roam: a user scans (or has scanned) before choosing an AP. Why again: a scan
# off the operating channel dwells ~30 ms there, and one in a fresh-session final run missed the
# other AP's beacons and its probe answer (2026-12-03).
roam_scan_for() {
  local start freq try
  freq=$(roam_freq "${1: -1}")
  for try in 1 2 3 4; do
    start=$SECONDS
    roam_wpa scan "freq=$freq" | grep -q OK || log "scan on $freq MHz refused (try $try)"
    wait_until 10 roam_bss_seen_since "$1" "$start" && return 0
    log "no fresh scan entry for $1 within 10 s of scan $try on $freq MHz"
  done
  return 1
}
# roam_bss_seen_since BSSID START: wpa_supplicant saw BSSID no longer ago than SECONDS - START.
roam_bss_seen_since() {
  local age
  age=$(roam_wpa bss "$1" | sed -n 's/^age=//p')
  [ -n "$age" ] && [ "$age" -le $((SECONDS - $2)) ]
}

# roam_measure NAME TO_BSSID TRIES TRIGGER...: pings the gateway every 0.1 s, runs TRIGGER 2 s in
# (it starts the roam and returns), waits for the connection to TO_BSSID (ROAM_TIMEOUT per try,
# default 40 s); if it did not come, waits for the station to be connected anywhere again and runs
# TRIGGER again, TRIES times at most (as a user repeats `wpa_cli roam`). Then pings 5 s more and 20
# pings 0.2 s apart. The roam time runs from the first trigger. Appends the roam's JSON to ROAM_RESULTS.
ROAM_RESULTS=()
roam_measure() {
  local name=$1 to=$2 tries=$3 from pinger t0 connected auth roam=null to_auth=null after key_mgmt try=1
  local handshakes handshake_line="WPA: Key negotiation completed" debug_raised=false
  shift 3
  from=$(roam_status_field bssid)
  # An FT roam logs "Key negotiation completed" too, with no 4-way handshake: for FT the log's debug
  # lines say whether one ran (its message 1), so the roam runs at wpa_supplicant's debug level.
  if [ "$(roam_status_field key_mgmt)" = FT-PSK ] && roam_wpa log_level DEBUG | grep -q OK; then
    debug_raised=true handshake_line="RX message 1 of 4-Way Handshake"
  fi
  $NETNS_EXEC ping -D -i 0.1 -W 1 "$ROAM_GATEWAY_IP" >"$LAB_SHARE/ping-roam-$name.txt" &
  pinger=$!
  sleep 2
  t0=$(now)
  log "roam $name: from ${from:-nowhere} to $to"
  ROAM_APPLIED_AT=
  "$@"
  # A trigger that takes its time (the link model's CLI) says when it took effect.
  [ -n "$ROAM_APPLIED_AT" ] && t0=$ROAM_APPLIED_AT
  until wait_until "${ROAM_TIMEOUT:-40}" roam_connected_at "$t0" "$to"; do
    [ "$try" -lt "$tries" ] || break
    log "roam $name: not connected to $to after try $try; trying again"
    try=$((try + 1))
    wait_until 60 roam_completed || log "roam $name: not connected anywhere either"
    roam_scan_for "$to"
    "$@"
  done
  if connected=$(roam_connected_at "$t0" "$to"); then
    roam=$(roam_diff "$t0" "$connected")
    # The decision and the exchange apart: trigger to the first authentication frame, then to connected.
    auth=$(roam_first_after "$t0" "Trying to authenticate with $to")
    [ -n "$auth" ] && to_auth=$(roam_diff "$t0" "$auth")
    log "roam $name: connected to $to $roam s after the trigger, try $try (authentication started after $to_auth s)"
  else
    log "roam $name: never connected to $to in $try tries of ${ROAM_TIMEOUT:-40} s"
  fi
  sleep 5
  kill -INT "$pinger"
  wait "$pinger"
  ping_gaps "$LAB_SHARE/ping-roam-$name.txt"
  after=$(roam_status_field bssid)
  key_mgmt=$(roam_status_field key_mgmt)
  ping_peer "$ROAM_GATEWAY_IP" 20
  cp "$LAB_SHARE/ping.txt" "$LAB_SHARE/ping-after-$name.txt"
  handshakes=$(roam_count_after "$t0" "$handshake_line")
  if $debug_raised && [ -z "${WPA_DEBUG:-}" ]; then roam_wpa log_level INFO >/dev/null; fi
  ROAM_RESULTS+=("$(printf '{"name": "%s", "from_bssid": "%s", "to_bssid": "%s", "bssid_after": "%s", "key_mgmt": "%s", "roam_seconds": %s, "auth_after_seconds": %s, "tries": %s, "handshakes": %s, "disconnects": %s, "rejects": %s, "pings_during": %s, "lost_during": %s, "longest_gap_pings": %s, "ping_transmitted": %s, "ping_received": %s}' \
    "$name" "$from" "$to" "$after" "$key_mgmt" "$roam" "$to_auth" "$try" \
    "$handshakes" "$(roam_count_after "$t0" CTRL-EVENT-DISCONNECTED)" \
    "$(($(roam_count_after "$t0" CTRL-EVENT-AUTH-REJECT) + $(roam_count_after "$t0" CTRL-EVENT-ASSOC-REJECT)))" \
    "$PINGS_SENT" "$((PINGS_SENT - PINGS_RECEIVED))" "$LONGEST_GAP" "$PING_TRANSMITTED" "$PING_RECEIVED")")
  log "roam $name: ${ROAM_RESULTS[-1]}"
}

roam_command() { roam_wpa roam "$1" | grep -q OK || log "wpa_cli roam $1 refused"; }

# roam_join: waits for the first connection; if it is not AP 1 (the link makes AP 1 the stronger),
# roams there first so every case starts from AP 1. Sets ROAM_ASSOC_SECONDS, ROAM_FIRST_BSSID and
# ROAM_BOTH_SEEN.
roam_join() {
  ROAM_ASSOC_SECONDS=null ROAM_FIRST_BSSID=
  wait_until "${ASSOC_TIMEOUT:-240}" roam_completed || fail "the station never connected"
  ROAM_ASSOC_SECONDS=$(seconds_since "$ROAM_STA_STARTED")
  ROAM_FIRST_BSSID=$(roam_status_field bssid)
  # Started together, the station's first useful scan may hold one AP only (the other VM's agent or
  # hostapd not up yet): its choice says something of the link model only if both were there.
  ROAM_BOTH_SEEN=false
  roam_wpa bss "$(roam_bssid 1)" | grep -q '^bssid=' && roam_wpa bss "$(roam_bssid 2)" | grep -q '^bssid=' &&
    ROAM_BOTH_SEEN=true
  log "station connected to $ROAM_FIRST_BSSID after $ROAM_ASSOC_SECONDS s (both APs in its table: $ROAM_BOTH_SEEN)"
  if [ "$ROAM_FIRST_BSSID" != "$(roam_bssid 1)" ]; then
    # Leaves AP 2 with a deauthentication (`wpa_cli disconnect`), not a roam: a roam leaves the
    # station in AP 2's table, and hostapd 2.10 then refuses the ft case's FT authentication with
    # status 53 three times out of three (CI, 2026-12-03: first connection to AP 2, ft-to-2 never).
    roam_wpa disconnect >/dev/null
    roam_scan_for "$(roam_bssid 1)"
    roam_wpa bssid 0 "$(roam_bssid 1)" | grep -q OK || log "cannot pin the network to AP 1"
    roam_wpa reconnect >/dev/null
    wait_until 120 roam_completed_with "$(roam_bssid 1)" || fail "the station never reached AP 1"
    roam_wpa bssid 0 00:00:00:00:00:00 >/dev/null
  fi
  # The gateway answers before anything is timed (ARP resolved, bridges learned).
  wait_until 60 $NETNS_EXEC ping -c 1 -W 1 "$ROAM_GATEWAY_IP" || log "the gateway does not answer"
}

# roam_case CASE: runs one case from AP 1; each ends back on AP 1 (bgscan: on AP 2, then put back).
roam_case() {
  local ap1 ap2
  ap1=$(roam_bssid 1) ap2=$(roam_bssid 2)
  case $1 in
    cmd)
      roam_scan_for "$ap2"
      roam_measure cmd-to-2 "$ap2" 3 roam_command "$ap2"
      # Back only from AP 2 (a roam that did not get there leaves the station on AP 1).
      if [ "$(roam_status_field bssid)" = "$ap2" ]; then
        roam_scan_for "$ap1"
        roam_measure cmd-to-1 "$ap1" 3 roam_command "$ap1"
      fi
      ;;
    bgscan)
      roam_wpa set_network 0 bgscan "\"$ROAM_BGSCAN\"" | grep -q OK || log "bgscan refused"
      ROAM_TIMEOUT=${ROAM_BGSCAN_TIMEOUT:-120} roam_measure bgscan-to-2 "$ap2" 1 roam_fade 1
      roam_wpa set_network 0 bgscan '""' >/dev/null
      roam_fade none
      roam_scan_for "$ap1"
      roam_command "$ap1"
      wait_until 120 roam_completed_with "$ap1" || log "the station did not get back to AP 1"
      ;;
    ft)
      local since
      # Leaves the current AP with a deauthentication first, so that neither AP holds the station
      # from a WPA-PSK association when the FT roams come (status 53, see the top of this file).
      roam_wpa disconnect >/dev/null
      since=$(now)
      roam_wpa set_network 0 key_mgmt FT-PSK | grep -q OK || log "key_mgmt FT-PSK refused"
      roam_wpa reconnect >/dev/null
      # The new association's own 4-way handshake (FT-PSK's initial mobility domain association).
      wait_until 120 roam_first_after "$since" CTRL-EVENT-CONNECTED || log "no connection after switching to FT-PSK"
      wait_until 60 roam_completed || log "not connected with FT-PSK"
      log "FT-PSK: connected to $(roam_status_field bssid), key_mgmt $(roam_status_field key_mgmt)"
      local first other
      first=$(roam_status_field bssid)
      if [ "$first" = "$ap1" ]; then other=$ap2; else other=$ap1; fi
      roam_scan_for "$other"
      roam_measure ft-to-"${other: -1}" "$other" 3 roam_command "$other"
      # Back only from where that roam went (a failed FT roam leaves the station on $first).
      if [ "$(roam_status_field bssid)" = "$other" ]; then
        roam_scan_for "$first"
        roam_measure ft-to-"${first: -1}" "$first" 3 roam_command "$first"
      fi
      # Back to WPA-PSK on AP 1 for the cases after this one.
      since=$(now)
      roam_wpa set_network 0 key_mgmt WPA-PSK >/dev/null
      roam_wpa reassociate >/dev/null
      wait_until 120 roam_first_after "$since" CTRL-EVENT-CONNECTED || log "no connection after going back to WPA-PSK"
      if ! roam_completed_with "$ap1"; then
        roam_scan_for "$ap1"
        roam_command "$ap1"
        wait_until 120 roam_completed_with "$ap1" || log "the station did not get back to AP 1"
      fi
      ;;
    *) fail "no roaming case $1" ;;
  esac
}

# roam_results_json: the station's cases as a JSON array.
roam_results_json() { (IFS=,; echo "[${ROAM_RESULTS[*]}]"); }
