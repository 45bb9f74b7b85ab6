# Shared by the guest scripts (bash, run as root inside a lab VM): `. "$LAB_GUEST_DIR/prelude.sh"`.
# vm.ts provides LAB_SHARE (results go there), LAB_RADIOS, and with Ethernet LAB_IP, LAB_PEER_IPS
# (every other VM) and LAB_PEER_IP (the first of them).

# LAB_XTRACE=1 traces every command into $LAB_SHARE/xtrace.log, for debugging a scenario.
if [ "${LAB_XTRACE:-0}" = 1 ]; then
  exec {BASH_XTRACEFD}>>"$LAB_SHARE/xtrace.log"
  set -x
fi

# Keep kernel chatter (regulatory.db, hwsim) from interleaving with our console output.
dmesg -n 1

# Fixed Wi-Fi test network used by every scenario. SECURITY=sae makes it WPA3-Personal (SAE with
# management frame protection required) instead of WPA2-PSK.
SECURITY=${SECURITY:-wpa2}
case $SECURITY in
  wpa2) SSID=lab-wpa2 AP_KEY_MGMT=WPA-PSK STA_KEY_MGMT=WPA-PSK PMF=0 ;;
  sae) SSID=lab-wpa3 AP_KEY_MGMT=SAE STA_KEY_MGMT=SAE PMF=2 ;;
  *) echo "prelude: SECURITY must be wpa2 or sae, not $SECURITY" >&2 && exit 1 ;;
esac
PASSPHRASE=correct-horse-battery
CHANNEL=6 # 2437 MHz
# WIFI_MODE=n makes the AP 802.11n (HT20 and WMM: QoS data, and the block-ack sessions mac80211
# opens for it), as most labs run; g (the default) is plain 802.11g.
WIFI_MODE=${WIFI_MODE:-g}
case $WIFI_MODE in
  g) AP_HT_LINES="" ;;
  n) AP_HT_LINES=$'ieee80211n=1\nwmm_enabled=1' ;;
  *) echo "prelude: WIFI_MODE must be g or n, not $WIFI_MODE" >&2 && exit 1 ;;
esac
AP_WLAN_IP=192.168.77.1
STA_WLAN_IP=192.168.77.2

now() { date +%s.%N; }

# log MESSAGE: to the console (stderr) and to $LAB_SHARE/guest.log, with a wall-clock timestamp.
log() {
  printf '%s %s: %s\n' "$(date +%H:%M:%S.%3N)" "$(hostname)" "$*" | tee -a "$LAB_SHARE/guest.log" >&2
}

fail() {
  log "FAILED: $*"
  exit 1
}

# seconds_since START: elapsed seconds since a `now` reading, to the millisecond.
seconds_since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.3f", end - start }'; }

# wait_until TIMEOUT_SECONDS COMMAND...: polls COMMAND every 0.1 s; false if it never succeeded.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# load_hwsim [RADIOS]: loads mac80211_hwsim and waits for wlan0..wlanN-1 and hwsim0 to appear.
load_hwsim() {
  local radios=${1:-$LAB_RADIOS} i
  modprobe mac80211_hwsim radios="$radios" || fail "modprobe mac80211_hwsim radios=$radios"
  for i in $(seq 0 $((radios - 1))) hwsim0; do
    case $i in hwsim0) ;; *) i=wlan$i ;; esac
    wait_until 10 test -e "/sys/class/net/$i" || fail "interface $i did not appear"
  done
  log "mac80211_hwsim loaded: $radios radios"
}

# phy_of IFACE: the wiphy name (phy0, ...) an interface belongs to.
phy_of() { cat "/sys/class/net/$1/phy80211/name"; }

# radio_snapshot: the radios and their interfaces, without link-state details (channel, txpower,
# ssid) that change with association. Two snapshots differ only if radios or interfaces were
# created, deleted, renamed, retyped or re-addressed.
radio_snapshot() {
  iw phy | grep '^Wiphy'
  iw dev | grep -E '^phy#|Interface|ifindex|addr|type'
}

# --- Wi-Fi roles (hostapd, wpa_supplicant) ------------------------------------------------------
# Measurements land in global variables (no subshells, so `fail` really ends the script).
# NETNS_EXEC prefixes the station's commands, e.g. "ip netns exec sta" when its radio lives there.

NETNS_EXEC=""

# ap_config IFACE: the lab network's hostapd configuration for IFACE.
ap_config() {
  cat <<EOF
interface=$1
driver=nl80211
ssid=$SSID
hw_mode=g
channel=$CHANNEL
wpa=2
wpa_key_mgmt=$AP_KEY_MGMT
rsn_pairwise=CCMP
ieee80211w=$PMF
wpa_passphrase=$PASSPHRASE
ctrl_interface=/run/hostapd
${AP_HT_LINES}
EOF
}

# start_ap IFACE: WPA2-PSK (or SAE, see SECURITY) access point on $CHANNEL, waits until it beacons; logs to the share.
start_ap() {
  ap_config "$1" >/run/hostapd.conf
  hostapd -B -t -P /run/hostapd.pid -f "$LAB_SHARE/hostapd.log" /run/hostapd.conf || fail "hostapd did not start"
  wait_until 20 ap_enabled "$1" || fail "hostapd never reached state ENABLED"
  log "access point $SSID up on $1, channel $CHANNEL"
}
ap_enabled() { hostapd_cli -p /run/hostapd -i "$1" status | grep -q '^state=ENABLED'; }

# station_network: the lab network's wpa_supplicant network block.
station_network() {
  cat <<EOF
network={
  ssid="$SSID"
  psk="$PASSPHRASE"
  key_mgmt=$STA_KEY_MGMT
  ieee80211w=$PMF
}
EOF
}

# start_station IFACE: runs wpa_supplicant; sets ASSOC_SECONDS to the time from its start to
# wpa_state=COMPLETED, or returns false if that never came.
start_station() {
  {
    echo "ctrl_interface=/run/wpa_supplicant"
    station_network
  } >/run/wpa_supplicant.conf
  local start
  start=$(now)
  ASSOC_SECONDS=null
  # STA_CAPTURE=1 (a lab knob) records what the station's radio receives: a monitor interface on
  # its phy sees every frame mac80211 is handed, with hwsim's receive time.
  if [ -n "${STA_CAPTURE:-}" ]; then
    local phy
    phy=$(cat "/sys/class/net/$1/phy80211/name")
    $NETNS_EXEC iw phy "$phy" interface add stamon0 type monitor && $NETNS_EXEC ip link set stamon0 up
    $NETNS_EXEC tcpdump -i stamon0 -U -w "$LAB_SHARE/sta-rx.pcap" >/dev/null 2>&1 &
    sleep 1
  fi
  # STA_FTRACE=1 (a lab knob) traces mac80211's beacon monitor on the station: which received beacons
  # reset it, when its timer fires, when the interface's work runs (sta-ftrace.txt).
  if [ -n "${STA_FTRACE:-}" ]; then
    local t=/sys/kernel/tracing
    [ -e $t/trace ] || mount -t tracefs nodev $t
    echo 0 >$t/tracing_on
    echo function >$t/current_tracer
    # STA_FTRACE_FUNCS (a lab knob) traces other kernel functions instead (space-separated).
    # shellcheck disable=SC2086 # the list is split into words on purpose
    printf '%s\n' ${STA_FTRACE_FUNCS:-ieee80211_rx_mgmt_beacon ieee80211_sta_reset_beacon_monitor ieee80211_sta_bcn_mon_timer \
      ieee80211_beacon_connection_loss_work ieee80211_mgd_probe_ap ieee80211_iface_work \
      ieee80211_sta_rx_queued_mgmt hwsim_cloned_frame_received_nl ieee80211_sta_work \
      ieee80211_add_key ieee80211_change_station ieee80211_sta_rx_notify __ieee80211_flush_queues \
      mac80211_hwsim_flush ieee80211_sta_monitor_work ieee80211_sta_conn_mon_timer \
      hwsim_tx_info_frame_received_nl mac80211_hwsim_tx_frame_nl} >$t/set_ftrace_filter
    echo 65536 >$t/buffer_size_kb
    echo 1 >$t/tracing_on
    echo "wall clock $(date +%s.%N)" >$t/trace_marker
    cat $t/trace_pipe >"$LAB_SHARE/sta-ftrace.txt" &
  fi
  # WPA_DEBUG=1 (a lab knob) logs wpa_supplicant's debug messages: scans, their results, its decisions.
  $NETNS_EXEC wpa_supplicant -B -t ${WPA_DEBUG:+-d} -i "$1" -c /run/wpa_supplicant.conf -f "$LAB_SHARE/wpa_supplicant.log" \
    -P /run/wpa_supplicant.pid || fail "wpa_supplicant did not start"
  if ! wait_until "${ASSOC_TIMEOUT:-120}" station_completed "$1"; then
    log "station never reached wpa_state=COMPLETED"
    return 1
  fi
  ASSOC_SECONDS=$(seconds_since "$start")
  log "station associated and keyed in $ASSOC_SECONDS s"
}
station_completed() { $NETNS_EXEC wpa_cli -p /run/wpa_supplicant -i "$1" status | grep -q '^wpa_state=COMPLETED'; }

# ping_peer ADDRESS COUNT: COUNT pings 0.2 s apart (PING_ARGS adds options); sets PING_TRANSMITTED
# and PING_RECEIVED.
ping_peer() {
  # shellcheck disable=SC2086 # PING_ARGS is split into words on purpose
  $NETNS_EXEC ping -c "$2" -i 0.2 -W 2 ${PING_ARGS:-} "$1" >"$LAB_SHARE/ping.txt"
  read -r PING_TRANSMITTED PING_RECEIVED < <(awk '/packets transmitted/ { print $1, $4 }' "$LAB_SHARE/ping.txt")
  log "ping $1: $PING_RECEIVED of $PING_TRANSMITTED answered"
}

# ping_gaps FILE: what a ping run (ping -D, with its summary) in FILE says: sets PINGS_SENT,
# PINGS_RECEIVED and LONGEST_GAP, the longest run of unanswered pings (x the interval: how long
# traffic stopped), a run at the end included.
ping_gaps() {
  read -r PINGS_SENT PINGS_RECEIVED < <(awk '/packets transmitted/ { print $1, $4 }' "$1")
  PINGS_SENT=${PINGS_SENT:-0} PINGS_RECEIVED=${PINGS_RECEIVED:-0}
  LONGEST_GAP=$(awk -F'icmp_seq=' -v sent="$PINGS_SENT" '/icmp_seq=/ { split($2, f, " "); s = f[1] + 0; if (s - last - 1 > max) max = s - last - 1; if (s > last) last = s }
    END { if (sent - last > max) max = sent - last; print max + 0 }' "$1")
}

# iperf3_client SERVER SECONDS: a TCP run (IPERF3_ARGS adds options, e.g. "-u -b 10M"); keeps the JSON report in the share and sets
# BITS_PER_SECOND to what the server received (null if the run failed).
# LAB_SAMPLER=COMMAND runs COMMAND (e.g. "ss -uamn; tc -s qdisc show dev wlan0") each second of the
# run into $LAB_SHARE/samples.txt, for looking into what holds a flow back.
iperf3_client() {
  BITS_PER_SECOND=null
  local sampler=""
  if [ -n "${LAB_SAMPLER:-}" ]; then
    while :; do
      echo "== $(now)"
      $NETNS_EXEC bash -c "$LAB_SAMPLER"
      sleep 1
    done >>"$LAB_SHARE/samples.txt" 2>&1 &
    sampler=$!
  fi
  # shellcheck disable=SC2086 # IPERF3_ARGS is split into words on purpose
  # Bounded: on a link that died, iperf3 waits for its control connection for ever, and the VM's
  # timeout then takes every log with it.
  local status=0
  timeout -k 10 $(($2 + 90)) $NETNS_EXEC iperf3 -c "$1" -t "$2" ${IPERF3_ARGS:-} -J >"$LAB_SHARE/iperf3.json" || status=$?
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  [ "$status" = 0 ] || { log "iperf3 client failed (exit $status)"; return 1; }
  BITS_PER_SECOND=$(awk '/"sum_received"/ { inside = 1 }
    inside && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2; exit }' "$LAB_SHARE/iperf3.json")
  BITS_PER_SECOND=${BITS_PER_SECOND:-null}
  log "iperf3 to $1: $BITS_PER_SECOND bit/s"
}

# --- Coordination between two VMs over eth0 ----------------------------------------------------
# Each VM answers HTTP on its eth0 address, port 8080: GET /NAME is 200 once it has raised flag
# NAME, and the server then marks NAME as seen. Waiting until the peer has seen our last flag
# before powering off means neither VM vanishes while the other still polls it. (node serves,
# bash's /dev/tcp asks: the static busybox's httpd and wget crash in this userland.)

FLAGS=/run/lab-flags

serve_flags() {
  mkdir -p "$FLAGS"
  node -e '
    const [dir, host] = process.argv.slice(1);
    const { existsSync, writeFileSync } = require("node:fs");
    const flagPath = (url) => dir + "/" + url.replace(/[^a-z0-9-]/g, "");
    require("node:http")
      .createServer((request, response) => {
        const path = flagPath(request.url);
        const raised = existsSync(path);
        // .seen: some peer saw it; .seen-IP: that peer did (a station of two APs waits for both).
        if (raised) {
          writeFileSync(path + ".seen", "");
          writeFileSync(path + ".seen-" + request.socket.remoteAddress.replace(/^::ffff:/, ""), "");
        }
        response.writeHead(raised ? 200 : 404).end();
      })
      .listen(8080, host);' "$FLAGS" "$LAB_IP" &
}
raise_flag() {
  touch "$FLAGS/$1"
  log "raised flag $1"
}
# peer_has_flag NAME [IP]: whether the VM at IP (default LAB_PEER_IP) has raised flag NAME.
peer_has_flag() {
  local status
  exec 3<>"/dev/tcp/${2:-$LAB_PEER_IP}/8080" || return 1
  printf 'GET /%s HTTP/1.0\r\n\r\n' "$1" >&3
  read -r -t 5 _ status _ <&3
  exec 3<&-
  [ "$status" = 200 ]
}

# wait_for_peer_flag NAME [TIMEOUT [IP]]
wait_for_peer_flag() {
  wait_until "${2:-300}" peer_has_flag "$1" "${3:-$LAB_PEER_IP}" || fail "peer ${3:-$LAB_PEER_IP} never raised flag $1"
  log "peer ${3:-$LAB_PEER_IP} raised flag $1"
}

# peer_answers IP: one ping to the VM at IP; peer_silent_long IP: it has not answered one for
# PEER_GONE_SECONDS (default 30) in a row. A guest busy with iperf3 under TCG can leave two pings
# a second apart unanswered: in a CI run (2026-12-03) the soak's AP took its station for gone that
# way 30 s into iperf3, stopped hostapd and its agent, and the station's iperf3 waited on a dead
# link until the VM's 900 s timeout.
declare -A PEER_SILENT_SINCE=()
peer_answers() {
  if ping -q -c 1 -W 2 "$1" >/dev/null 2>&1; then
    unset "PEER_SILENT_SINCE[$1]"
    return 0
  fi
  : "${PEER_SILENT_SINCE[$1]:=$SECONDS}"
  return 1
}
peer_silent_long() { [ -n "${PEER_SILENT_SINCE[$1]:-}" ] && [ $((SECONDS - PEER_SILENT_SINCE[$1])) -ge "${PEER_GONE_SECONDS:-30}" ]; }

# peer_flag_or_gone NAME IP: the VM at IP raised flag NAME, or has stopped answering on eth0.
# Ping first: asking a powered-off VM over TCP hangs for the 2-minute connect timeout (measured).
peer_flag_or_gone() {
  if peer_answers "$2"; then peer_has_flag "$1" "$2"; else peer_silent_long "$2"; fi
}

# wlan_ip_of ETH_IP: the lab gives VM 10.0.0.N the Wi-Fi address 192.168.77.N (the AP is VM 1).
wlan_ip_of() { echo "192.168.77.${1##*.}"; }

# wait_until_peer_saw_flag NAME [TIMEOUT [IP...]]: until a peer (each IP given) has asked for flag
# NAME; returns false (without failing) if one never did. Powering off after the first of two APs
# saw it left the other finding the station gone (roam.test, CI on 1360eb9: stations_done 0).
wait_until_peer_saw_flag() {
  local name=$1 timeout=${2:-60} ip
  shift 2 2>/dev/null || shift $#
  [ $# -gt 0 ] || set -- ""
  for ip in "$@"; do
    wait_until "$timeout" test -e "$FLAGS/$name.seen${ip:+-$ip}" || { log "peer ${ip:-(any)} never saw flag $name"; return 1; }
  done
}

# wait_for_peer [TIMEOUT [IP]]: until the peer's eth0 answers ping.
wait_for_peer() {
  local ip=${2:-$LAB_PEER_IP}
  wait_until "${1:-120}" ping -c 1 -W 1 "$ip" || fail "peer $ip never answered ping"
  log "peer $ip answers on eth0"
}

# serve_stations: the AP's wlan0 gets AP_WLAN_IP and one iperf3 server per station (an iperf3
# server runs one test at a time): port 5200 + the station's last octet, so stations measure at
# the same time, sharing the air. Then raises flag ap-ready.
serve_stations() {
  local peer
  ip addr add "$AP_WLAN_IP/24" dev wlan0
  for peer in $STATION_PEERS; do
    iperf3 -s -B "$AP_WLAN_IP" -p $((5200 + ${peer##*.})) -D -I "/run/iperf3-${peer##*.}.pid"
  done
  raise_flag ap-ready
}

# wait_for_stations TIMEOUT: the AP's wait until every station (STATION_PEERS, their eth0
# addresses) has raised flag station-done or vanished (its script failed and the VM powered off),
# TIMEOUT seconds at most; sets STATIONS_DONE. The stations boot when we do, so "gone" counts only
# once each has answered. Once seen done or gone a station is not asked again: asking a powered-off
# VM over TCP hangs for the kernel's 2-minute connect timeout (measured), so ping comes first.
# A scenario may define station_poll PEER, called for every pending station on every round.
declare -A STATION_FINISHED=()
stations_finished_or_gone() {
  local peer pending=0
  for peer in $STATION_PEERS; do
    [ -n "${STATION_FINISHED[$peer]:-}" ] && continue
    declare -F station_poll >/dev/null && station_poll "$peer"
    if ! peer_answers "$peer"; then
      if peer_silent_long "$peer"; then STATION_FINISHED[$peer]=gone; else pending=1; fi
    elif peer_has_flag station-done "$peer"; then
      STATION_FINISHED[$peer]=done
    else
      pending=1
    fi
  done
  [ "$pending" = 0 ]
}
wait_for_stations() {
  local peer
  for peer in $STATION_PEERS; do wait_for_peer 180 "$peer"; done
  wait_until "$1" stations_finished_or_gone
  STATIONS_DONE=0
  for peer in $STATION_PEERS; do [ "${STATION_FINISHED[$peer]:-}" = done ] && STATIONS_DONE=$((STATIONS_DONE + 1)); done
  log "stations done: $STATIONS_DONE of $(echo $STATION_PEERS | wc -w)"
}

# --- Stations of one lab (STATION_PEERS: the other stations' eth0 addresses) ---------------------

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

# wait_for_stations_flag NAME: until every other station has raised flag NAME or vanished.
wait_for_stations_flag() {
  local peer
  for peer in ${STATION_PEERS:-}; do
    wait_until 300 peer_flag_or_gone "$1" "$peer" || log "station $peer neither raised $1 nor vanished"
  done
}

# A station's run once start_station has succeeded, in three parts so a scenario can act between
# them (the restart test kills an agent before the load). Their figures land in these globals,
# which station_results_json prints.
ASSOCIATED=false HANDSHAKE_COMPLETED=false PING_TRANSMITTED=0 PING_RECEIVED=0 BITS_PER_SECOND=null
STATION_PINGS_SENT=0 STATION_PINGS_RECEIVED=0 BEACON_LOSS=0 STILL_ASSOCIATED=false BEACON_LOSS_IPERF=null
MEDIUM_CPU_IPERF=null IPERF_BYTES=null

# station_pings: the 4-way handshake checked, 20 pings to AP_WLAN_IP, 10 to every other station;
# then waits for the other stations' pings (iperf3 fills the air: pings behind it would drop).
station_pings() {
  ASSOCIATED=true
  raise_flag associated
  wpa_cli -p /run/wpa_supplicant -i wlan0 status >"$LAB_SHARE/wpa-status.txt"
  grep -q "WPA: Key negotiation completed" "$LAB_SHARE/wpa_supplicant.log" && HANDSHAKE_COMPLETED=true
  ping_peer "$AP_WLAN_IP" 20
  ping_stations
  raise_flag pings-done
  wait_for_stations_flag pings-done
}

# station_load: iperf3 against the AP's server for this station (port 5200 + last octet) for
# IPERF3_SECONDS (default 5), then IDLE_SECONDS (default 0) associated and idle. Sets
# BEACON_LOSS_IPERF (CTRL-EVENT-BEACON-LOSS during iperf3 alone); raises flags iperf-start and
# iperf-end, and marks both in the agent's memory record (RSS_SAMPLES=1). Also the CPU seconds this
# VM's medium process (the agent, AGENT_PID, or vwifi-client, CLIENT_PID) used during iperf3 alone
# (MEDIUM_CPU_IPERF) and the bytes iperf3 sent (IPERF_BYTES): what the medium costs the sending
# guest per byte.
station_load() {
  # Beacon losses during iperf3 alone: the air is full, and every queue in front of a beacon grows.
  local beacon_loss_before medium_pid=${AGENT_PID:-${CLIENT_PID:-}} cpu_before
  beacon_loss_before=$(count_in "$LAB_SHARE/wpa_supplicant.log" CTRL-EVENT-BEACON-LOSS)
  cpu_before=$(cpu_seconds "$medium_pid")
  rss_mark iperf-start
  raise_flag iperf-start
  IPERF3_ARGS="${IPERF3_ARGS:-} -p $((5200 + ${LAB_IP##*.}))" iperf3_client "$AP_WLAN_IP" "${IPERF3_SECONDS:-5}"
  MEDIUM_CPU_IPERF=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$medium_pid")" \
    'BEGIN { if (a == "null" || b == "null") print "null"; else printf "%.2f", b - a }')
  IPERF_BYTES=$(awk '/"sum_sent"/ { inside = 1 } inside && /"bytes"/ { gsub(/[^0-9]/, "", $2); print $2; exit }' \
    "$LAB_SHARE/iperf3.json" 2>/dev/null)
  IPERF_BYTES=${IPERF_BYTES:-null}
  rss_mark iperf-end
  raise_flag iperf-end
  BEACON_LOSS_IPERF=$(($(count_in "$LAB_SHARE/wpa_supplicant.log" CTRL-EVENT-BEACON-LOSS) - beacon_loss_before))
  if [ "${IDLE_SECONDS:-0}" -gt 0 ]; then
    log "staying associated and idle for $IDLE_SECONDS s"
    sleep "$IDLE_SECONDS"
  fi
}

# station_wind_down: counts CTRL-EVENT-BEACON-LOSS, raises pings-done (also when association
# failed: nobody should wait for us then), stays associated and reachable until every other
# station is done (or gone), notes whether wlan0 is still associated and stops wpa_supplicant.
station_wind_down() {
  BEACON_LOSS=$(count_in "$LAB_SHARE/wpa_supplicant.log" CTRL-EVENT-BEACON-LOSS)
  raise_flag pings-done
  wait_for_stations_flag pings-done
  station_completed wlan0 && STILL_ASSOCIATED=true
  wpa_cli -p /run/wpa_supplicant -i wlan0 terminate >/dev/null 2>&1
  wait_until 10 test ! -e /run/wpa_supplicant.pid
}

# station_results_json: the station's figures as results.json lines (each ending in a comma).
station_results_json() {
  cat <<JSON
  "associated": $ASSOCIATED,
  "assoc_seconds": $ASSOC_SECONDS,
  "handshake_completed": $HANDSHAKE_COMPLETED,
  "ping_transmitted": $PING_TRANSMITTED,
  "ping_received": $PING_RECEIVED,
  "station_pings_sent": $STATION_PINGS_SENT,
  "station_pings_received": $STATION_PINGS_RECEIVED,
  "bits_per_second": $BITS_PER_SECOND,
  "beacon_loss": $BEACON_LOSS,
  "beacon_loss_iperf": ${BEACON_LOSS_IPERF:-null},
  "medium_cpu_iperf_seconds": $MEDIUM_CPU_IPERF,
  "iperf_bytes": $IPERF_BYTES,
  "still_associated": $STILL_ASSOCIATED,
JSON
}

# count_in FILE PATTERN: lines of FILE matching PATTERN (0 when there is no file).
count_in() {
  local n
  n=$(grep -c -- "$2" "$1" 2>/dev/null)
  echo "${n:-0}"
}

# --- The wifi-tunnel agent ----------------------------------------------------------------------

# launch_agent: starts the agent in the background and returns at once, as systemd starts a unit
# next to hostapd and wpa_supplicant, with --iface hwsim0 and one peer per address in AGENT_PEER
# (default: every other VM, LAB_PEER_IPS), plus $AGENT_ARGS; output in $LAB_SHARE/agent.log; sets
# AGENT_PID and AGENT_LAUNCHED (a `now` reading). The checkout's own agent reads those from a
# config file, $LAB_SHARE/agent.conf ([Agent] Iface, one [Peer] Endpoint each), as an installed
# one does; another build (WIFI_TUNNEL_CMD, e.g. an older one in a bench) gets them as flags.
launch_agent() {
  local cmd=${WIFI_TUNNEL_CMD:-$LAB_CHECKOUT/dist/bundle/wifi-tunnel.cjs} peer peers=() source
  if [ -z "${WIFI_TUNNEL_CMD:-}" ]; then
    write_agent_config >"$LAB_SHARE/agent.conf"
    source=(--config "$LAB_SHARE/agent.conf")
  else
    for peer in ${AGENT_PEER:-${LAB_PEER_IPS:-$LAB_PEER_IP}}; do peers+=(--peer "$peer"); done
    source=("${peers[@]}" --iface hwsim0)
  fi
  # GUEST_SOCKET_BUFFER_MAX=BYTES (a lab knob): net.core.rmem_max and wmem_max, which cap the
  # agent's 4 MiB socket buffers (Debian's default 212992).
  if [ -n "${GUEST_SOCKET_BUFFER_MAX:-}" ]; then
    sysctl -q -w net.core.rmem_max="$GUEST_SOCKET_BUFFER_MAX" net.core.wmem_max="$GUEST_SOCKET_BUFFER_MAX"
  fi
  # AGENT_CPU_PROF=1: V8's CPU profiler on every agent thread, one .cpuprofile per thread and run
  # in $LAB_SHARE/cpu-prof (written when the agent exits; open in Chrome DevTools).
  local profiler=()
  if [ "${AGENT_CPU_PROF:-0}" = 1 ]; then
    mkdir -p "$LAB_SHARE/cpu-prof"
    profiler=(node --max-semi-space-size=1 --cpu-prof --cpu-prof-dir="$LAB_SHARE/cpu-prof")
  fi
  log "starting agent: ${profiler[*]} $cmd ${source[*]} ${AGENT_ARGS:-} (peers ${AGENT_PEER:-${LAB_PEER_IPS:-$LAB_PEER_IP}})"
  AGENT_LAUNCHED=$(now)
  # shellcheck disable=SC2086 # the command string and AGENT_ARGS are split into words on purpose
  "${profiler[@]}" $cmd "${source[@]}" ${AGENT_ARGS:-} >"$LAB_SHARE/agent.log" 2>&1 &
  AGENT_PID=$!
  sample_agent_rss
}

# write_agent_config: the agent's config file (README.md, "Config file") for launch_agent.
write_agent_config() {
  local peer
  printf '# written by lab/guest/prelude.sh for %s\n[Agent]\nIface = hwsim0\n' "$LAB_NAME"
  # AGENT_PEER_KEYS (a lab knob, e.g. "Signal = -61"): more keys for every [Peer] section;
  # AGENT_PEER_KEYS_N for the peer whose address ends in .N alone (the roaming lab's two APs).
  local only
  for peer in ${AGENT_PEER:-${LAB_PEER_IPS:-$LAB_PEER_IP}}; do
    printf '\n[Peer]\nEndpoint = %s\n' "$peer"
    [ -n "${AGENT_PEER_KEYS:-}" ] && printf '%s\n' "$AGENT_PEER_KEYS"
    only=${peer%%:*}
    only=AGENT_PEER_KEYS_${only##*.}
    [[ $only =~ ^AGENT_PEER_KEYS_[0-9]+$ ]] && [ -n "${!only:-}" ] && printf '%s\n' "${!only}"
  done
  return 0
}

# run_doctor: `wifi-tunnel doctor` with the agent's configuration (agent.conf and AGENT_ARGS), to
# $LAB_SHARE/doctor.txt; sets DOCTOR_EXIT. Needs the agent's UDP port free (stop the agent first)
# and the peers' agents running, since it says HELLO to them from that port.
run_doctor() {
  local cmd=${WIFI_TUNNEL_CMD:-$LAB_CHECKOUT/dist/bundle/wifi-tunnel.cjs}
  # shellcheck disable=SC2086 # as in launch_agent
  $cmd doctor --config "$LAB_SHARE/agent.conf" ${AGENT_ARGS:-} >"$LAB_SHARE/doctor.txt" 2>&1
  DOCTOR_EXIT=$?
  log "doctor exited with status $DOCTOR_EXIT: $(tail -n 1 "$LAB_SHARE/doctor.txt")"
}

# start_agent: launch_agent, then waits until the agent is ready: until its log matches
# AGENT_READY_PATTERN (an extended regexp) if that is set, else AGENT_SETTLE_SECONDS (default 5).
# Returns false if the agent is not running by then. Only the paced bench row and scenarios that
# need the agent first (--unique-macs before wlan0 goes up) wait like this.
start_agent() {
  launch_agent
  if [ -n "${AGENT_READY_PATTERN:-}" ]; then
    wait_until 120 agent_says_ready || log "agent log never matched /$AGENT_READY_PATTERN/"
  else
    sleep "${AGENT_SETTLE_SECONDS:-5}"
  fi
  agent_alive
}
agent_says_ready() { grep -Eq "$AGENT_READY_PATTERN" "$LAB_SHARE/agent.log" || ! kill -0 "$AGENT_PID"; }

# agent_alive: true if the agent still runs (logs it either way).
agent_alive() {
  if ! kill -0 "$AGENT_PID" 2>/dev/null; then
    log "agent is not running (see agent.log)"
    return 1
  fi
  log "agent running, pid $AGENT_PID"
}

# agent_ready_seconds: from launch_agent to the agent's "listening on UDP" line (null if never).
agent_ready_seconds() {
  local stamp
  stamp=$(grep -m1 'listening on UDP' "$LAB_SHARE/agent.log" 2>/dev/null | cut -d' ' -f1)
  [ -n "$stamp" ] || { echo null; return; }
  awk -v start="$AGENT_LAUNCHED" -v end="$(date -d "$stamp" +%s.%N)" 'BEGIN { printf "%.3f", end - start }'
}

# operator_snapshot: what an operator sees of the running agent, for the VM tests to check against
# what happened: `wifi-tunnel status --json` (status.json, and the text form in status.txt) over the
# control socket, then /metrics (metrics.txt) fetched with Node's own fetch (no curl in the lab),
# when the agent was given --metrics METRICS_PORT.
operator_snapshot() {
  local cmd=${WIFI_TUNNEL_CMD:-$LAB_CHECKOUT/dist/bundle/wifi-tunnel.cjs}
  $cmd status --json >"$LAB_SHARE/status.json" 2>"$LAB_SHARE/status.err" || log "status failed: $(cat "$LAB_SHARE/status.err")"
  $cmd status >"$LAB_SHARE/status.txt" 2>>"$LAB_SHARE/status.err"
  [ -n "${METRICS_PORT:-}" ] || return 0
  node -e 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); })' \
    "http://127.0.0.1:$METRICS_PORT/metrics" >"$LAB_SHARE/metrics.txt" 2>>"$LAB_SHARE/status.err" ||
    log "fetching /metrics failed: $(cat "$LAB_SHARE/status.err")"
}

# kill_and_relaunch_agent: SIGKILL the agent (as a crash or an OOM kill would), keep its log as
# agent-killed.log, and launch a new one at once (as systemd's Restart= would).
kill_and_relaunch_agent() {
  kill -KILL "$AGENT_PID" 2>/dev/null
  wait "$AGENT_PID" 2>/dev/null
  mv "$LAB_SHARE/agent.log" "$LAB_SHARE/agent-killed.log"
  log "agent killed (SIGKILL); launching it again"
  launch_agent
}

# sample_agent_rss: with RSS_SAMPLES=1, records the agent's resident memory every RSS_INTERVAL
# seconds (default 5) into $LAB_SHARE/agent-rss.txt as "UPTIME KB" lines, in the background, for as
# long as that agent runs; rss_mark NAME adds an "UPTIME NAME" line (e.g. iperf-start) to the file.
sample_agent_rss() {
  [ "${RSS_SAMPLES:-0}" = 1 ] || return 0
  (
    while [ -r "/proc/$AGENT_PID/status" ]; do
      echo "$(cut -d' ' -f1 /proc/uptime) $(awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT_PID/status")"
      sleep "${RSS_INTERVAL:-5}"
    done >>"$LAB_SHARE/agent-rss.txt"
  ) 2>/dev/null &
}
rss_mark() { [ "${RSS_SAMPLES:-0}" = 1 ] && echo "$(cut -d' ' -f1 /proc/uptime) $1" >>"$LAB_SHARE/agent-rss.txt"; return 0; }

# stop_agent: stop_process for the agent; sets AGENT_EXIT_CODE (137 = killed). Keeps the guest's
# UDP counters in udp-counters.txt (/proc/net/snmp: RcvbufErrors are datagrams a full socket
# buffer dropped, in this guest).
stop_agent() {
  stop_process "$AGENT_PID" agent
  AGENT_EXIT_CODE=$STOPPED_EXIT_CODE
  grep '^Udp:' /proc/net/snmp >"$LAB_SHARE/udp-counters.txt"
}

# stop_process PID NAME: SIGTERM, up to 10 s to exit (then SIGKILL); sets STOPPED_EXIT_CODE.
stop_process() {
  kill -TERM "$1" 2>/dev/null || log "$2 had already exited before SIGTERM"
  (sleep 10 && log "$2 ignored SIGTERM for 10 s: killing it" && kill -KILL "$1") 2>/dev/null &
  local watchdog=$!
  wait "$1"
  STOPPED_EXIT_CODE=$?
  kill "$watchdog" 2>/dev/null
  log "$2 exited with status $STOPPED_EXIT_CODE"
}

# --- vwifi, the peer system the benches compare with --------------------------------------------
# Raizo62/vwifi built by scripts/build-vwifi.sh into VWIFI_DIR (a host path; guests see the host's
# root). vwifi-server relays every frame a vwifi-client sends it to all other clients over TCP
# (port 8212); each vwifi-client registers with hwsim as its medium (HWSIM_CMD_REGISTER, like
# wmediumd), sends what the local radios transmit to the server, hands received frames to the
# radios and reports every frame it sent as acknowledged.

# stamp_lines: stdin to stdout, each line prefixed with the time ($EPOCHREALTIME, no fork per
# line): vwifi's own output has no timestamps.
stamp_lines() {
  local line
  while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}

# launch_vwifi PROGRAM ARGS...: starts $VWIFI_DIR/PROGRAM in the background and returns at once,
# its output stamped into $LAB_SHARE/PROGRAM.log; sets VWIFI_PID and VWIFI_LAUNCHED (a `now`).
launch_vwifi() {
  local program=$1
  shift
  [ -x "${VWIFI_DIR:-}/$program" ] || fail "no $program in VWIFI_DIR=${VWIFI_DIR:-} (scripts/build-vwifi.sh)"
  log "starting $program $*"
  VWIFI_LAUNCHED=$(now)
  "$VWIFI_DIR/$program" "$@" > >(stamp_lines >"$LAB_SHARE/$program.log") 2>&1 &
  VWIFI_PID=$!
}

# launch_vwifi_client SERVER MAC: `vwifi-client SERVER --number 1 --mac MAC`, which creates the
# VM's one radio (hwsim is loaded with radios=0) with address MAC, then connects to the server
# (retrying every 2 s until it answers). Waits for wlan0, which the client creates before it
# connects, as a Wi-Fi daemon's unit waits for its device; sets CLIENT_PID and CLIENT_LAUNCHED.
launch_vwifi_client() {
  launch_vwifi vwifi-client "$1" --number 1 --mac "$2"
  CLIENT_PID=$VWIFI_PID CLIENT_LAUNCHED=$VWIFI_LAUNCHED
  wait_until 20 test -e /sys/class/net/wlan0 || fail "vwifi-client created no wlan0 (see vwifi-client.log)"
  log "vwifi-client made wlan0 ($(cat /sys/class/net/wlan0/address)) in $(seconds_since "$CLIENT_LAUNCHED") s"
}

# client_ready_seconds: from launching vwifi-client to its "Connection to Server Ok" (null if never).
client_ready_seconds() {
  local stamp
  stamp=$(grep -m1 'Connection to Server Ok' "$LAB_SHARE/vwifi-client.log" 2>/dev/null | cut -d' ' -f1)
  [ -n "$stamp" ] || { echo null; return; }
  awk -v start="$CLIENT_LAUNCHED" -v end="$stamp" 'BEGIN { printf "%.3f", end - start }'
}

# cpu_seconds PID: user + system CPU the process (all its threads) has used so far (null if gone).
cpu_seconds() {
  awk -v tck="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / tck }' "/proc/$1/stat" 2>/dev/null || echo null
}
