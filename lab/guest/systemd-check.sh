#!/bin/bash
# systemd lab, check step: run at boot by lab-check.service (After=multi-user.target, installed by
# systemd-image.sh) once systemd has started wifi-tunnel and this VM's Wi-Fi daemon by itself.
# Records what the units did, then, for SYSTEMD_ROLE=sta: association, the 4-way handshake and
# ping to the AP, then a [Peer] added to /etc/wifi-tunnel/wifi-tunnel.conf and `systemctl reload`
# (the agent adds it; the station stays associated and pings again); for both: the journal holds
# the agent's lines with their syslog priorities and no timestamps of their own, SIGUSR1 logs the
# counters, `systemctl stop wifi-tunnel` ends it cleanly and leaves the radios and interfaces as they
# were before it started. The AP also runs the template unit wifi-tunnel@hub30 from
# /etc/wifi-tunnel/hub30.conf (a host-side airport agent, --iface none) and reloads it.
# Writes results.json, journal.txt, radios-after.txt and exit-status to $LAB_SHARE, then powers off.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

AP_WLAN_IP=192.168.77.1
STA_WLAN_IP=192.168.77.2

agent_log() { journalctl -q -o cat --no-pager _SYSTEMD_UNIT=wifi-tunnel.service; }
agent_logged() { agent_log | grep -q -- "$1"; }
prop() { systemctl show -P "$2" "$1"; }
# Radios and interfaces, the part of `iw` the agent adds to and must remove again.
snapshot() {
  iw phy | grep '^Wiphy'
  iw dev | grep Interface
}
handshake_logged() {
  journalctl -q -o cat --no-pager _SYSTEMD_UNIT=wpa_supplicant@wlan0.service | grep -q "Key negotiation completed"
}
json_bool() { if "$@" >/dev/null 2>&1; then echo true; else echo false; fi; }
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
number_or_null() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] && echo "$1" || echo null; }

DAEMON=hostapd.service
[ "$SYSTEMD_ROLE" = sta ] && DAEMON=wpa_supplicant@wlan0.service
ASSOCIATED=false HANDSHAKE=false PING_TRANSMITTED=0 PING_RECEIVED=0 PEER_DONE=false
RELOAD_LOGGED=false RELOAD_ADDED=false PING_AFTER_RELOAD=0 COUNTERS_LOGGED=false
STOP_RESULT=none STOP_STATUS=null RADIOS_SAME=false JOURNAL_PRIORITIES=false
TEMPLATE_ACTIVE=false TEMPLATE_FIRST_LINE="" TEMPLATE_RELOADED=false TEMPLATE_STOP_STATUS=null

finish() {
  local status=$1
  journalctl -b --no-pager >"$LAB_SHARE/journal.txt" 2>&1
  cat >"$LAB_SHARE/results.json" <<JSON
{
  "agent_active": $AGENT_ACTIVE,
  "agent_type": $(json_string "$AGENT_TYPE"),
  "first_line": $(json_string "$FIRST_LINE"),
  "ready_seconds": $(number_or_null "$READY_SECONDS"),
  "status_text": $(json_string "$STATUS_TEXT"),
  "daemon_active": $DAEMON_ACTIVE,
  "daemon_started_after_agent_ready": $DAEMON_AFTER_AGENT,
  "unique_mac_set": $UNIQUE_MAC_SET,
  "rmem_max": $(cat /proc/sys/net/core/rmem_max),
  "wmem_max": $(cat /proc/sys/net/core/wmem_max),
  "buffers_short_logged": $BUFFERS_SHORT,
  "associated": $ASSOCIATED,
  "handshake_completed": $HANDSHAKE,
  "ping_transmitted": $PING_TRANSMITTED,
  "ping_received": $PING_RECEIVED,
  "peer_done": $PEER_DONE,
  "reload_logged": $RELOAD_LOGGED,
  "reload_added_peer": $RELOAD_ADDED,
  "ping_received_after_reload": $PING_AFTER_RELOAD,
  "counters_logged": $COUNTERS_LOGGED,
  "journal_priorities": $JOURNAL_PRIORITIES,
  "template_active": $TEMPLATE_ACTIVE,
  "template_first_line": $(json_string "$TEMPLATE_FIRST_LINE"),
  "template_reloaded": $TEMPLATE_RELOADED,
  "template_stop_exit_status": $TEMPLATE_STOP_STATUS,
  "stop_result": $(json_string "$STOP_RESULT"),
  "stop_exit_status": $STOP_STATUS,
  "radios_same_after_stop": $RADIOS_SAME,
  "uptime_seconds": $(cut -d' ' -f1 /proc/uptime)
}
JSON
  echo "$status" >"$LAB_SHARE/exit-status"
  log "checks done (status $status), powering off"
  sync
  echo o >/proc/sysrq-trigger
  sleep 10
}
trap 'finish $?' EXIT

# What systemd did by itself: the agent is a started Type=notify unit, its first line says how
# long it took, and the daemon left "inactive" only after the agent sent READY=1.
AGENT_ACTIVE=$(json_bool systemctl is-active --quiet wifi-tunnel.service)
AGENT_TYPE=$(prop wifi-tunnel.service Type)
FIRST_LINE=$(agent_log | head -n 1)
READY_SECONDS=$(sed -n 's/.* ready in \([0-9.]*\) s.*/\1/p' <<<"$FIRST_LINE")
STATUS_TEXT=$(prop wifi-tunnel.service StatusText)
DAEMON_ACTIVE=$(json_bool systemctl is-active --quiet "$DAEMON")
agent_ready=$(prop wifi-tunnel.service ActiveEnterTimestampMonotonic)
daemon_start=$(prop "$DAEMON" InactiveExitTimestampMonotonic)
DAEMON_AFTER_AGENT=$(json_bool test "$agent_ready" -gt 0 -a "$daemon_start" -ge "$agent_ready")
UNIQUE_MAC_SET=$(json_bool agent_logged "--unique-macs: wlan0 now uses")
# The unit's ExecStartPre raised the socket buffer caps the sandboxed agent cannot touch; the agent
# warns only if its socket still got less than it asked for.
BUFFERS_SHORT=$(json_bool agent_logged "the tunnel socket got")
log "agent active=$AGENT_ACTIVE type=$AGENT_TYPE; $FIRST_LINE; $DAEMON active=$DAEMON_ACTIVE, started after READY=1: $DAEMON_AFTER_AGENT"
serve_flags

case $SYSTEMD_ROLE in
  ap)
    ip addr add "$AP_WLAN_IP/24" dev wlan0
    raise_flag ap-ready
    # The template unit: one agent per /etc/wifi-tunnel/NAME.conf, here a host-side airport hub.
    # Started now, without waiting, so its start overlaps the wait for the station.
    install -m 0644 "$LAB_CHECKOUT/systemd/wifi-tunnel@.service" /etc/systemd/system/
    printf '[Agent]\nIface = none\nAirportListen = 30\nListen = 127.0.0.1:18300\n\n[Peer]\nEndpoint = 127.0.0.1:18301\n' \
      >/etc/wifi-tunnel/hub30.conf
    systemctl daemon-reload
    systemctl start --no-block wifi-tunnel@hub30.service
    wait_until 300 peer_has_flag sta-done && PEER_DONE=true
    log "station done: $PEER_DONE"
    ;;
  sta)
    if wait_until 180 station_completed wlan0; then
      ASSOCIATED=true
      log "associated at uptime $(cut -d' ' -f1 /proc/uptime) s"
    fi
    HANDSHAKE=$(json_bool handshake_logged)
    ip addr add "$STA_WLAN_IP/24" dev wlan0
    wait_for_peer_flag ap-ready 120
    ping_peer "$AP_WLAN_IP" 10
    PING_TRANSMITTED=${PING_TRANSMITTED:-0} PING_RECEIVED=${PING_RECEIVED:-0}
    # A peer added to the config file while the agent runs: reload adds it and the AP's session,
    # and the association over it, carry on (five more pings).
    printf '\n[Peer]\nName = late\nEndpoint = 10.0.0.9\n' >>/etc/wifi-tunnel/wifi-tunnel.conf
    systemctl reload wifi-tunnel.service
    wait_until 15 agent_logged "reload: /etc/wifi-tunnel/wifi-tunnel.conf: added 10.0.0.9:8211; 1 peer(s) carried on untouched" &&
      RELOAD_ADDED=true RELOAD_LOGGED=true
    first_transmitted=$PING_TRANSMITTED first_received=$PING_RECEIVED
    ping_peer "$AP_WLAN_IP" 5
    PING_AFTER_RELOAD=${PING_RECEIVED:-0}
    PING_TRANSMITTED=$first_transmitted PING_RECEIVED=$first_received
    raise_flag sta-done
    wait_until_peer_saw_flag sta-done 60 && PEER_DONE=true
    ;;
esac

if [ "$SYSTEMD_ROLE" = ap ]; then
  systemctl reload wifi-tunnel.service
  wait_until 15 agent_logged "reload: /etc/wifi-tunnel/wifi-tunnel.conf: peers unchanged; 1 peer(s) carried on untouched" &&
    RELOAD_LOGGED=true
  log "reload with the file unchanged logged: $RELOAD_LOGGED"
fi
systemctl kill -s USR1 wifi-tunnel.service
wait_until 15 agent_logged "counters (SIGUSR1)" && COUNTERS_LOGGED=true
log "SIGUSR1 logged the counters: $COUNTERS_LOGGED"
# journald took each line's priority from its "<N>" prefix (info 6, warn 4, error 3), and the
# agent added no timestamp of its own.
journal_priorities() {
  local unit=_SYSTEMD_UNIT=wifi-tunnel.service
  journalctl -q -o cat --no-pager -p 6..6 $unit | grep -q '^info: wifi-tunnel .* ready in ' || return 1
  ! journalctl -q -o cat --no-pager -p 6..6 $unit | grep -qv '^info: ' || return 1
  ! journalctl -q -o cat --no-pager -p 4..4 $unit | grep -qv '^warn: ' || return 1
  ! journalctl -q -o cat --no-pager -p 0..3 $unit | grep -qv '^error: ' || return 1
  ! journalctl -q -o cat --no-pager $unit | grep -qE '^(<[0-9]>|[0-9]{4}-[0-9]{2}-[0-9]{2}T)'
}
JOURNAL_PRIORITIES=$(json_bool journal_priorities)

# The template instance started while the AP waited for the station: check it, reload it, stop it.
if [ "$SYSTEMD_ROLE" = ap ]; then
  template_log() { journalctl -q -o cat --no-pager _SYSTEMD_UNIT=wifi-tunnel@hub30.service; }
  template_logged() { template_log | grep -q -- "$1"; }
  wait_until 60 template_logged " ready in " || log "the template instance never logged its ready line"
  TEMPLATE_ACTIVE=$(json_bool systemctl is-active --quiet wifi-tunnel@hub30.service)
  TEMPLATE_FIRST_LINE=$(template_log | head -n 1)
  printf '\n[Peer]\nEndpoint = 127.0.0.1:18302\n' >>/etc/wifi-tunnel/hub30.conf
  systemctl reload wifi-tunnel@hub30.service
  wait_until 15 template_logged "added 127.0.0.1:18302; 1 peer(s) carried on untouched" && TEMPLATE_RELOADED=true
  systemctl stop wifi-tunnel@hub30.service
  TEMPLATE_STOP_STATUS=$(number_or_null "$(prop wifi-tunnel@hub30.service ExecMainStatus)")
  log "template unit: active=$TEMPLATE_ACTIVE; $TEMPLATE_FIRST_LINE; reloaded=$TEMPLATE_RELOADED; exit $TEMPLATE_STOP_STATUS"
fi

systemctl stop wifi-tunnel.service
STOP_RESULT=$(prop wifi-tunnel.service Result)
STOP_STATUS=$(number_or_null "$(prop wifi-tunnel.service ExecMainStatus)")
snapshot >"$LAB_SHARE/radios-after.txt"
RADIOS_SAME=$(json_bool cmp -s "$LAB_SHARE/radios-before.txt" "$LAB_SHARE/radios-after.txt")
log "reload: $RELOAD_LOGGED (added a peer: $RELOAD_ADDED, pings after: $PING_AFTER_RELOAD); counters: $COUNTERS_LOGGED; journal priorities: $JOURNAL_PRIORITIES; stop: $STOP_RESULT, exit $STOP_STATUS; radios as before: $RADIOS_SAME"
exit 0
