# The Wi-Fi scenes a lab tests beyond one WPA2 network on channel 6, as shell functions shared by
# the two-VM scripts (scenes-ap.sh, scenes-sta.sh) and the one-VM baseline (local-scenes.sh):
# `. "$LAB_GUEST_DIR/scenes.sh"` after prelude.sh. One scene is one network the AP offers and one
# way the station joins it:
#
#   5ghz        WPA2-PSK on channel 36 (5180 MHz), HT20, country US; wpa_supplicant
#   chanswitch  the 5ghz network, still associated: hostapd announces a switch to channel 149
#               (5745 MHz, chan_switch with 10 beacons' notice) while the station pings
#   open        an open network on channel 1 (2412 MHz), HT20; wpa_supplicant
#   eap         WPA2-Enterprise on channel 36: EAP-PEAP/MSCHAPv2 against hostapd's internal EAP
#               server, the station checking the server's certificate (EAP_CERTS: ca.pem,
#               server.pem, server.key, made by lab/eap-certs.ts)
#   iwd-wpa2    WPA2-PSK on channel 149; iwd as the station (D-Bus started for it)
#   iwd-wpa3    WPA3-SAE (PMF required) on channel 36; iwd
#
# Every scene but chanswitch starts a new hostapd and a new station daemon. The regulatory domain
# is US in every VM (wireless-regdb's database; `iw reg set` here, country_code in hostapd): the
# world domain marks every 5 GHz channel no-IR, where hostapd refuses to start and mac80211 drops
# injected frames.

SCENE_COUNTRY=US
SCENE_EAP_IDENTITY=lab-user
SCENE_EAP_PASSWORD=lab-password-1

# scene_freq SCENE: the centre frequency the scene's network starts on.
scene_freq() {
  case $1 in
    5ghz | eap | iwd-wpa3) echo 5180 ;;
    chanswitch | iwd-wpa2) echo 5745 ;;
    open) echo 2412 ;;
    *) fail "no scene $1" ;;
  esac
}
# channel_of MHZ: the IEEE channel number.
channel_of() { if [ "$1" -lt 5000 ]; then echo $((($1 - 2407) / 5)); else echo $((($1 - 5000) / 5)); fi; }

scene_ssid() { echo "lab-$1"; }

# set_country: the regulatory domain every scene needs, waiting until the kernel has taken it
# (it loads regulatory.db as firmware, asynchronously).
set_country() {
  iw reg set "$SCENE_COUNTRY" || fail "iw reg set $SCENE_COUNTRY"
  wait_until 10 sh -c "iw reg get | grep -q 'country $SCENE_COUNTRY'" ||
    fail "the kernel never took country $SCENE_COUNTRY (is wireless-regdb installed?)"
  log "regulatory domain $SCENE_COUNTRY"
}

# scene_ap_config SCENE IFACE: hostapd's configuration.
scene_ap_config() {
  local freq channel mode
  freq=$(scene_freq "$1")
  channel=$(channel_of "$freq")
  if [ "$freq" -lt 5000 ]; then mode=g; else mode=a; fi
  cat <<EOF
interface=$2
driver=nl80211
ctrl_interface=/run/hostapd
ssid=$(scene_ssid "$1")
hw_mode=$mode
channel=$channel
country_code=$SCENE_COUNTRY
ieee80211d=1
ieee80211n=1
EOF
  case $1 in
    5ghz | iwd-wpa2)
      printf 'wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_passphrase=%s\n' "$PASSPHRASE" ;;
    iwd-wpa3)
      printf 'wpa=2\nwpa_key_mgmt=SAE\nrsn_pairwise=CCMP\nieee80211w=2\nsae_password=%s\n' "$PASSPHRASE" ;;
    open) ;;
    eap)
      printf '* PEAP\n"%s" MSCHAPV2 "%s" [2]\n' "$SCENE_EAP_IDENTITY" "$SCENE_EAP_PASSWORD" >/run/hostapd-eap-users
      cat <<EOF
wpa=2
wpa_key_mgmt=WPA-EAP
rsn_pairwise=CCMP
ieee8021x=1
eap_server=1
eap_user_file=/run/hostapd-eap-users
ca_cert=$EAP_CERTS/ca.pem
server_cert=$EAP_CERTS/server.pem
private_key=$EAP_CERTS/server.key
EOF
      ;;
  esac
}

# scene_start_ap SCENE IFACE: (re)starts hostapd with the scene's network; waits until it beacons.
scene_start_ap() {
  scene_stop_ap
  scene_ap_config "$1" "$2" >/run/hostapd.conf
  hostapd -B -t -P /run/hostapd.pid -f "$LAB_SHARE/hostapd-$1.log" /run/hostapd.conf || fail "hostapd did not start ($1)"
  wait_until 30 ap_enabled "$2" || fail "hostapd never reached state ENABLED ($1, see hostapd-$1.log)"
  log "access point $(scene_ssid "$1") up on $2, $(scene_freq "$1") MHz"
}
scene_stop_ap() {
  [ -e /run/hostapd.pid ] || return 0
  kill -TERM "$(cat /run/hostapd.pid)" 2>/dev/null
  wait_until 10 test ! -e /run/hostapd.pid || log "hostapd did not stop within 10 s"
}

# scene_chan_switch IFACE MHZ: announces a switch 10 beacons (1 s) ahead; true once hostapd runs on
# MHZ. The agents create radios for the new channel when the announcement arrives; with 5 beacons'
# notice on a host at load 13, creating them took longer and the station lost its AP once in four
# runs (beacon loss, then a new association).
scene_chan_switch() {
  hostapd_cli -p /run/hostapd -i "$1" chan_switch 10 "$2" ht | grep -q OK || fail "hostapd refused chan_switch $2"
  log "hostapd announced a switch to $2 MHz"
  wait_until 20 sh -c "hostapd_cli -p /run/hostapd -i $1 status | grep -q '^freq=$2$'"
}

# --- The station side ---------------------------------------------------------------------------
# Uses NETNS_EXEC like prelude.sh. The station daemon of a scene: wpa_supplicant, or iwd.

scene_uses_iwd() { case $1 in iwd-*) true ;; *) false ;; esac; }

scene_sta_network() {
  local ssid
  ssid=$(scene_ssid "$1")
  case $1 in
    5ghz | chanswitch) printf 'network={\n  ssid="%s"\n  psk="%s"\n  key_mgmt=WPA-PSK\n}\n' "$ssid" "$PASSPHRASE" ;;
    open) printf 'network={\n  ssid="%s"\n  key_mgmt=NONE\n}\n' "$ssid" ;;
    eap)
      cat <<EOF
network={
  ssid="$ssid"
  key_mgmt=WPA-EAP
  eap=PEAP
  identity="$SCENE_EAP_IDENTITY"
  password="$SCENE_EAP_PASSWORD"
  ca_cert="$EAP_CERTS/ca.pem"
  phase2="auth=MSCHAPV2"
}
EOF
      ;;
  esac
}

# scene_start_station SCENE IFACE: starts the scene's station daemon and returns at once; sets
# SCENE_STA_STARTED (a `now` reading).
scene_start_station() {
  scene_stop_station "$2"
  SCENE_STA_STARTED=$(now)
  if scene_uses_iwd "$1"; then
    mkdir -p /var/lib/iwd /etc/iwd
    # The address is set by the lab (and the agent acknowledges for it): iwd keeps hwsim's default
    # interface instead of recreating it with the radio's permanent address, and leaves IP alone.
    printf '[General]\nEnableNetworkConfiguration=false\nUseDefaultInterface=true\n' >/etc/iwd/main.conf
    printf '[Security]\nPassphrase=%s\n' "$PASSPHRASE" >"/var/lib/iwd/$(scene_ssid "$1").psk"
    rm -f /run/iwd-stop
    supervise_iwd "$1" &
    SCENE_IWD_PID=$!
  else
    {
      echo "ctrl_interface=/run/wpa_supplicant"
      echo "country=$SCENE_COUNTRY"
      scene_sta_network "$1"
    } >/run/wpa_supplicant.conf
    $NETNS_EXEC wpa_supplicant -B -t -i "$2" -c /run/wpa_supplicant.conf -f "$LAB_SHARE/wpa_supplicant-$1.log" \
      -P /run/wpa_supplicant.pid || fail "wpa_supplicant did not start ($1)"
  fi
}

# supervise_iwd SCENE: runs iwd and starts it again whenever it exits unasked (until /run/iwd-stop
# exists), as systemd restarts Debian's iwd.service.
supervise_iwd() {
  local status
  while :; do
    wait_until 30 bus_answers || log "the system bus does not answer"
    $NETNS_EXEC /usr/libexec/iwd >>"$LAB_SHARE/iwd-$1.log" 2>&1 &
    echo $! >/run/iwd.pid
    wait $!
    status=$?
    [ ! -e /run/iwd-stop ] || break
    log "iwd exited with status $status: starting it again"
    sleep 1
  done
}
iwd_on_bus() {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    string:net.connman.iwd 2>/dev/null | grep -q 'boolean true'
}
bus_answers() { dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.ListNames; }

# start_dbus: the system bus iwd talks to its clients on, started as early as a booting VM does.
start_dbus() {
  mkdir -p /run/dbus
  dbus-daemon --system --fork || fail "dbus-daemon did not start"
}

scene_stop_station() {
  if [ -n "${SCENE_IWD_PID:-}" ]; then
    touch /run/iwd-stop
    kill -TERM "$(cat /run/iwd.pid)" 2>/dev/null
    wait "$SCENE_IWD_PID" 2>/dev/null
    SCENE_IWD_PID=
  fi
  if [ -e /run/wpa_supplicant.pid ]; then
    $NETNS_EXEC wpa_cli -p /run/wpa_supplicant -i "$1" terminate >/dev/null 2>&1
    wait_until 10 test ! -e /run/wpa_supplicant.pid || log "wpa_supplicant did not stop within 10 s"
  fi
}

# scene_station_connected SCENE IFACE: associated and keyed (wpa_state=COMPLETED; iwd: connected).
scene_station_connected() {
  if scene_uses_iwd "$1"; then
    # Only once our iwd owns its bus name: asking net.connman.iwd before that makes dbus-daemon
    # start one of its own (Debian's activation file), outside the station's namespace, and ours
    # then quits with "Name request failed" (measured: in every try of the one-VM baseline).
    iwd_on_bus && $NETNS_EXEC iwctl station "$2" show 2>/dev/null | grep -Eq 'State +connected'
  else
    $NETNS_EXEC wpa_cli -p /run/wpa_supplicant -i "$2" status | grep -q '^wpa_state=COMPLETED'
  fi
}

# scene_station_freq IFACE: the frequency the station is associated on (empty if none).
scene_station_freq() { $NETNS_EXEC iw dev "$1" link | sed -n 's/^\s*freq: \([0-9]*\).*/\1/p'; }

# scene_beacon_loss SCENE: CTRL-EVENT-BEACON-LOSS lines in the scene's wpa_supplicant log so far
# (the chanswitch scene runs in the 5ghz scene's wpa_supplicant); null for iwd, which does not log
# beacon loss without its debug output.
scene_beacon_loss() {
  case $1 in
    iwd-*) echo null ;;
    chanswitch) count_in "$LAB_SHARE/wpa_supplicant-5ghz.log" CTRL-EVENT-BEACON-LOSS ;;
    *) count_in "$LAB_SHARE/wpa_supplicant-$1.log" CTRL-EVENT-BEACON-LOSS ;;
  esac
}

# scene_join SCENE IFACE AP_IP: starts the station daemon, waits for the connection, pings AP_IP
# 20 times and runs iperf3 against it (IPERF3_PORT); sets SCENE_JSON to the scene's results.
scene_join() {
  local assoc=null freq=null
  PING_TRANSMITTED=0 PING_RECEIVED=0 BITS_PER_SECOND=null
  scene_start_station "$1" "$2"
  if wait_until "${ASSOC_TIMEOUT:-240}" scene_station_connected "$1" "$2"; then
    assoc=$(seconds_since "$SCENE_STA_STARTED")
    freq=$(scene_station_freq "$2")
    log "scene $1: connected on ${freq:-?} MHz after $assoc s"
    # The signal the station's kernel reports for its AP (what hwsim gave the received frames).
    $NETNS_EXEC iw dev "$2" link >"$LAB_SHARE/link-$1.txt" 2>&1
    ping_peer "$3" 20
    cp "$LAB_SHARE/ping.txt" "$LAB_SHARE/ping-$1.txt"
    IPERF3_ARGS="-p ${IPERF3_PORT:-5201}" iperf3_client "$3" "${IPERF3_SECONDS:-5}"
    cp "$LAB_SHARE/iperf3.json" "$LAB_SHARE/iperf3-$1.json" 2>/dev/null
  else
    log "scene $1: the station never connected"
  fi
  SCENE_JSON=$(printf '{"scene": "%s", "freq_mhz": %s, "assoc_seconds": %s, "ping_transmitted": %s, "ping_received": %s, "bits_per_second": %s, "beacon_loss": %s}' \
    "$1" "${freq:-null}" "$assoc" "$PING_TRANSMITTED" "$PING_RECEIVED" "$BITS_PER_SECOND" "$(scene_beacon_loss "$1")")
}

# scene_ping_through_switch IFACE AP_IP SWITCH_COMMAND...: pings AP_IP every 0.1 s for 15 s while
# SWITCH_COMMAND runs (it makes or waits for the AP's switch), then 20 more pings; sets SCENE_JSON:
# the frequency after, the pings lost during the switch and the longest run of lost ones (x 0.1 s:
# how long traffic stopped).
scene_ping_through_switch() {
  local iface=$1 ap_ip=$2 pinger freq gap lost sent before
  shift 2
  before=$(scene_beacon_loss chanswitch)
  $NETNS_EXEC ping -D -c 150 -i 0.1 -W 1 "$ap_ip" >"$LAB_SHARE/ping-chanswitch-during.txt" &
  pinger=$!
  sleep 2
  "$@"
  wait "$pinger"
  # A station that lost its AP at the switch associates again (on the new channel): give it time,
  # and count it (disconnects).
  wait_until 90 scene_station_connected 5ghz "$iface" || log "scene chanswitch: the station is not connected again"
  ping_gaps "$LAB_SHARE/ping-chanswitch-during.txt"
  sent=$PINGS_SENT lost=$((PINGS_SENT - PINGS_RECEIVED)) gap=$LONGEST_GAP
  freq=$(scene_station_freq "$iface")
  log "scene chanswitch: now on ${freq:-?} MHz; $lost of $sent pings lost during the switch, longest gap $gap"
  ping_peer "$ap_ip" 20
  cp "$LAB_SHARE/ping.txt" "$LAB_SHARE/ping-chanswitch.txt"
  SCENE_JSON=$(printf '{"scene": "chanswitch", "freq_mhz": %s, "pings_during": %s, "lost_during": %s, "longest_gap_pings": %s, "disconnects": %s, "ping_transmitted": %s, "ping_received": %s, "beacon_loss": %s}' \
    "${freq:-null}" "${sent:-0}" "$lost" "$gap" "$(count_in "$LAB_SHARE/wpa_supplicant-5ghz.log" CTRL-EVENT-DISCONNECTED)" \
    "$PING_TRANSMITTED" "$PING_RECEIVED" "$(($(scene_beacon_loss chanswitch) - before))")
}
