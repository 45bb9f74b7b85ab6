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
#   vht80       WPA2-PSK on channel 36 as an 80 MHz VHT channel (5170-5250 MHz, centre segment 42,
#               HT40+ for its primary 40); wpa_supplicant. hwsim's 5 GHz band advertises VHT up to
#               160 MHz (`iw phy`, kept in the share as phy-vht80.txt)
#   lossy       the open network, still associated, across VMs only (it needs the agent): the
#               station's agent is told `set peer AP loss 30%` and the station pings; with the agent
#               as hwsim's medium the lost tries must come back as retries, not as lost pings
#
# Every scene but chanswitch and lossy starts a new hostapd and a new station daemon. The regulatory
# domain is US in every VM (wireless-regdb's database; `iw reg set` here, country_code in hostapd):
# the world domain marks every 5 GHz channel no-IR, where hostapd refuses to start and mac80211
# drops injected frames.

SCENE_COUNTRY=US
SCENE_EAP_IDENTITY=lab-user
SCENE_EAP_PASSWORD=lab-password-1

# scene_freq SCENE: the centre frequency the scene's network starts on.
scene_freq() {
  case $1 in
    5ghz | eap | iwd-wpa3 | vht80) echo 5180 ;;
    chanswitch | iwd-wpa2) echo 5745 ;;
    open | lossy) echo 2412 ;;
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
    vht80)
      printf 'wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_passphrase=%s\n' "$PASSPHRASE"
      # 80 MHz on 36-48: the primary channel 36 with its HT40 partner 40 above, segment centre 42
      # (5210 MHz). The regulatory domain US allows 80 MHz there (5170-5250 @ 80).
      printf 'ht_capab=[HT40+]\nieee80211ac=1\nvht_oper_chwidth=1\nvht_oper_centr_freq_seg0_idx=42\n' ;;
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
  # What hostapd and the kernel made of the configuration (channel width, secondary channel).
  { hostapd_cli -p /run/hostapd -i "$2" status; iw dev "$2" info; } >"$LAB_SHARE/ap-status-$1.txt" 2>&1
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
    5ghz | chanswitch | vht80) printf 'network={\n  ssid="%s"\n  psk="%s"\n  key_mgmt=WPA-PSK\n}\n' "$ssid" "$PASSPHRASE" ;;
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
# scene_station_width IFACE: the width in MHz of the station's channel (`iw dev IFACE info`: "width:
# 80 MHz"), empty if none.
scene_station_width() { $NETNS_EXEC iw dev "$1" info | sed -n 's/.*width: \([0-9]*\) MHz.*/\1/p'; }
# scene_tx_bitrate IFACE: the rate of the station's last frame to its AP (`iw dev IFACE link`), e.g.
# "1560.0 MBit/s VHT-MCS 9 80MHz VHT-NSS 4": rate control's choice, so it shows the width the
# station really transmits with.
scene_tx_bitrate() { $NETNS_EXEC iw dev "$1" link | sed -n 's/^\s*tx bitrate: \(.*\)$/\1/p' | tr -d '"'; }

# Pings as voice (TOS 0xc0: priority 6, AC_VO): rate control (minstrel_ht) opens no block-ack
# session for voice, so each frame's tries reach the station's counters. A frame of an aggregation
# session (every best-effort TID once traffic started) is reported by hwsim without A-MPDU status,
# and mac80211 then ignores its rates: neither `tx retries` nor `tx bitrate` see it (measured: 1
# retry counted over ~40 best-effort pings at 30% loss per try; after iperf3 on VHT80 `tx bitrate`
# still showed a 20 MHz rate of the association's first frames).
SCENE_VOICE=0xc0

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
  local assoc=null freq=null width=null bitrate=[]
  PING_TRANSMITTED=0 PING_RECEIVED=0 BITS_PER_SECOND=null
  # What the station's radio offers (VHT Capabilities, widths): its namespace shows only its own.
  [ "$1" != vht80 ] || $NETNS_EXEC iw phy >"$LAB_SHARE/phy-vht80.txt" 2>&1
  scene_start_station "$1" "$2"
  if wait_until "${ASSOC_TIMEOUT:-240}" scene_station_connected "$1" "$2"; then
    assoc=$(seconds_since "$SCENE_STA_STARTED")
    freq=$(scene_station_freq "$2")
    width=$(scene_station_width "$2")
    log "scene $1: connected on ${freq:-?} MHz (${width:-?} MHz wide) after $assoc s"
    # The signal the station's kernel reports for its AP (what hwsim gave the received frames).
    $NETNS_EXEC iw dev "$2" link >"$LAB_SHARE/link-$1.txt" 2>&1
    ping_peer "$3" 20
    cp "$LAB_SHARE/ping.txt" "$LAB_SHARE/ping-$1.txt"
    IPERF3_ARGS="-p ${IPERF3_PORT:-5201}" iperf3_client "$3" "${IPERF3_SECONDS:-5}"
    cp "$LAB_SHARE/iperf3.json" "$LAB_SHARE/iperf3-$1.json" 2>/dev/null
    # Each voice ping (outside any block-ack session) makes the rate its frame got through the
    # station's tx bitrate. Rate control still climbs through these (only frames outside a session
    # report their rates to it) and mixes widths: on VHT80 the first samples were 20 and 40 MHz
    # rates, 2 of 5 were 80 MHz (two VMs; one VM: 40 MHz), so eight samples.
    bitrate=
    for _ in 1 2 3 4 5 6 7 8; do
      $NETNS_EXEC ping -Q "$SCENE_VOICE" -c 1 -W 2 "$3" >/dev/null 2>&1
      bitrate="$bitrate${bitrate:+, }\"$(scene_tx_bitrate "$2")\""
    done
    bitrate="[$bitrate]"
    # The station's view of its AP too: beacons received and lost ("beacon rx", "beacon loss").
    { $NETNS_EXEC iw dev "$2" info; $NETNS_EXEC iw dev "$2" link; $NETNS_EXEC iw dev "$2" station dump; } \
      >"$LAB_SHARE/link-$1-after.txt" 2>&1
  else
    log "scene $1: the station never connected"
  fi
  SCENE_JSON=$(printf '{"scene": "%s", "freq_mhz": %s, "width_mhz": %s, "tx_bitrates": %s, "assoc_seconds": %s, "ping_transmitted": %s, "ping_received": %s, "bits_per_second": %s, "beacon_loss": %s}' \
    "$1" "${freq:-null}" "${width:-null}" "$bitrate" "$assoc" "$PING_TRANSMITTED" "$PING_RECEIVED" "$BITS_PER_SECOND" "$(scene_beacon_loss "$1")")
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

# --- The lossy scene (two VMs: the loss is the station's agent's) --------------------------------

SCENE_LOSS_PERCENT=30

# scene_tx_counters IFACE: "PACKETS RETRIES FAILED", what the station's kernel counts for its one
# peer, the AP (`iw dev IFACE station dump`: tx packets, tx retries, tx failed).
scene_tx_counters() {
  $NETNS_EXEC iw dev "$1" station dump |
    awk '/tx packets:/ { p = $3 } /tx retries:/ { r = $3 } /tx failed:/ { f = $3 } END { print p + 0, r + 0, f + 0 }'
}

# scene_link_counters PEER FILE: `wifi-tunnel status --json` into FILE, then "DROPPED LINK_LOST
# TRIES_LOST LOSS": PEER's frames the agent dropped on receipt (peers[].link.dropped), the frames
# its medium lost on every try and the tries it lost toward lossy peers (the media's link-lost,
# link-tries-lost), and PEER's loss in percent.
scene_link_counters() {
  scene_cli status --json >"$2" 2>&1 || log "status failed: $(head -c 300 "$2")"
  node -e '
    const [file, peer] = process.argv.slice(1);
    try {
      const status = JSON.parse(require("node:fs").readFileSync(file, "utf8"));
      const p = status.peers.find((x) => x.endpoint.split(":")[0] === peer || x.name === peer);
      const sum = (name) => status.media.reduce((n, m) => n + (m.counters[name] ?? 0), 0);
      console.log(p?.link.dropped ?? "null", sum("link-lost"), sum("link-tries-lost"), p?.link.lossPercent ?? "null");
    } catch { console.log("null null null null"); }' "$2" "$1"
}

# scene_cli ARGS...: the agent's command line, niced: a CLI's start costs 7-10 s of the VM's one
# vCPU, and at normal priority it held up the agent long enough for the station to lose its AP
# (beacon loss during a `status`, once in the first run).
scene_cli() {
  # shellcheck disable=SC2086 # the command string is split into words on purpose
  nice -n 19 ${WIFI_TUNNEL_CMD:-$LAB_CHECKOUT/dist/bundle/wifi-tunnel.cjs} "$@"
}

# delta BEFORE AFTER: AFTER - BEFORE, null if either is.
delta() { if [ "$1" = null ] || [ "$2" = null ]; then echo null; else echo $(($2 - $1)); fi; }

# scene_lossy IFACE AP_IP PEER: the open scene's station, still associated. 20 voice pings (see
# SCENE_VOICE) on the clean link, then `wifi-tunnel set peer PEER loss 30%` and 50 voice pings 0.2 s
# apart, then loss 0% again. Sets SCENE_JSON: the lossy pings, the station's tx packets / retries /
# failed for its AP during each run, and what the agent counted around the lossy run: tries lost,
# frames lost on every try, and the AP's frames dropped on receipt (its beacons: group frames are
# lost there). Honest loss costs retries: the pings come back while tx retries grow.
# A station that lost its AP meanwhile (beacon loss on a loaded host, then its probe's ACK too
# late: in each of the first three runs 20-28 s after the open scene's association, before or
# without any loss set, once the link's loss) measures nothing about the loss: once it is back,
# the scene measures again, three attempts at most; `attempts` and `disconnects` say so.
scene_lossy() {
  local iface=$1 ap_ip=$2 peer=$3 attempt disconnects
  disconnects=$(count_in "$LAB_SHARE/wpa_supplicant-open.log" CTRL-EVENT-DISCONNECTED)
  for attempt in 1 2 3; do
    wait_until 120 scene_station_connected open "$iface" || log "scene lossy: the station is not connected to the open network"
    scene_lossy_once "$iface" "$ap_ip" "$peer" "$attempt" && break
    log "scene lossy: the station lost its AP during attempt $attempt"
  done
  SCENE_JSON="${SCENE_JSON%\}}, \"attempts\": $attempt, \"disconnects\": $(($(count_in "$LAB_SHARE/wpa_supplicant-open.log" CTRL-EVENT-DISCONNECTED) - disconnects))}"
}

# scene_lossy_once IFACE AP_IP PEER ATTEMPT: one measurement of scene_lossy (files ...-ATTEMPT);
# false if the station lost its AP meanwhile.
scene_lossy_once() {
  local iface=$1 ap_ip=$2 peer=$3 n=$4
  local freq p0 r0 f0 cpk crt cfl p1 r1 f1 p2 r2 f2 d1 l1 t1 d2 l2 t2 loss_set loss_after clean_sent clean_received beacons disconnects
  beacons=$(scene_beacon_loss open)
  disconnects=$(count_in "$LAB_SHARE/wpa_supplicant-open.log" CTRL-EVENT-DISCONNECTED)
  freq=$(scene_station_freq "$iface")
  read -r p0 r0 f0 < <(scene_tx_counters "$iface")
  PING_ARGS="-Q $SCENE_VOICE" ping_peer "$ap_ip" 20
  cp "$LAB_SHARE/ping.txt" "$LAB_SHARE/ping-lossy-clean-$n.txt"
  clean_sent=$PING_TRANSMITTED clean_received=$PING_RECEIVED
  read -r cpk crt cfl < <(scene_tx_counters "$iface")
  read -r d1 l1 t1 _ < <(scene_link_counters "$peer" "$LAB_SHARE/status-lossy-before-$n.json")
  scene_cli set peer "$peer" loss "$SCENE_LOSS_PERCENT%" >"$LAB_SHARE/set-lossy-$n.txt" 2>&1 ||
    log "scene lossy: set peer $peer loss $SCENE_LOSS_PERCENT% failed: $(cat "$LAB_SHARE/set-lossy-$n.txt")"
  log "scene lossy: $(tail -n 1 "$LAB_SHARE/set-lossy-$n.txt")"
  read -r p1 r1 f1 < <(scene_tx_counters "$iface")
  PING_ARGS="-Q $SCENE_VOICE" ping_peer "$ap_ip" 50
  cp "$LAB_SHARE/ping.txt" "$LAB_SHARE/ping-lossy-$n.txt"
  read -r p2 r2 f2 < <(scene_tx_counters "$iface")
  read -r d2 l2 t2 loss_set < <(scene_link_counters "$peer" "$LAB_SHARE/status-lossy-after-$n.json")
  scene_cli set peer "$peer" loss 0% >>"$LAB_SHARE/set-lossy-$n.txt" 2>&1 || log "scene lossy: set peer $peer loss 0% failed"
  loss_after=$(tail -n 1 "$LAB_SHARE/set-lossy-$n.txt" | sed -n 's/.*loss \([0-9.]*\)%$/\1/p')
  log "scene lossy: clean $clean_received/$clean_sent, tx $((cpk - p0)) retries $((crt - r0)); at $loss_set% $PING_RECEIVED/$PING_TRANSMITTED," \
    "tx $((p2 - p1)) retries $((r2 - r1)) failed $((f2 - f1)); agent: tries lost $(delta "$t1" "$t2")," \
    "frames lost $(delta "$l1" "$l2"), dropped on receipt $(delta "$d1" "$d2")"
  SCENE_JSON=$(printf '{"scene": "lossy", "freq_mhz": %s, "loss_percent": %s, "loss_percent_after": %s, "ping_transmitted": %s, "ping_received": %s, "clean_ping_transmitted": %s, "clean_ping_received": %s, "clean_tx_packets": %s, "clean_tx_retries": %s, "clean_tx_failed": %s, "tx_packets": %s, "tx_retries": %s, "tx_failed": %s, "link_tries_lost": %s, "link_lost": %s, "link_dropped": %s, "beacon_loss": %s}' \
    "${freq:-null}" "${loss_set:-null}" "${loss_after:-null}" "$PING_TRANSMITTED" "$PING_RECEIVED" "${clean_sent:-0}" "${clean_received:-0}" \
    "$((cpk - p0))" "$((crt - r0))" "$((cfl - f0))" "$((p2 - p1))" "$((r2 - r1))" "$((f2 - f1))" \
    "$(delta "$t1" "$t2")" "$(delta "$l1" "$l2")" "$(delta "$d1" "$d2")" "$(($(scene_beacon_loss open) - beacons))")
  [ "$(count_in "$LAB_SHARE/wpa_supplicant-open.log" CTRL-EVENT-DISCONNECTED)" = "$disconnects" ]
}
