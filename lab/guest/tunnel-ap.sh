#!/bin/bash
# Tunnel lab, access point side (VM 10.0.0.1, with tunnel-sta.sh in every other VM; one hwsim radio
# per VM, so the only way a station can hear this AP is through the wifi-tunnel agents over eth0).
# Runs hostapd (WPA2-PSK, or SAE with SECURITY=sae) on wlan0 with 192.168.77.1 and an iperf3 server,
# and the agent alongside, one --peer per other VM. By default hostapd and the agent start at the
# same moment, as a booting VM starts its services; START_ORDER=paced starts the agent first and
# waits for it (the labelled bench row). Stays up until every station (STATION_PEERS, their eth0
# addresses; default every other VM) has raised flag "station-done" or stopped answering on eth0,
# or STATION_TIMEOUT seconds (default 600) pass.
# Writes radios-before.txt / radios-after.txt (around the agent's life; they should be equal),
# agent.log, hostapd.log and results.json to $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

START_ORDER=${START_ORDER:-together}
STATION_PEERS=${STATION_PEERS:-$LAB_PEER_IPS}
AP_WLAN_IP=$(wlan_ip_of "$LAB_IP")

load_hwsim 1
serve_flags
# What an operator sees (status over the control socket, /metrics), checked by test/vm/tunnel.test.ts.
METRICS_PORT=9811
AGENT_ARGS="${AGENT_ARGS:-} --metrics $METRICS_PORT"
radio_snapshot >"$LAB_SHARE/radios-before.txt"
agent_started=false
if [ "$START_ORDER" = paced ]; then
  AGENT_READY_PATTERN='listening on UDP' start_agent && agent_started=true
  start_ap wlan0
else
  launch_agent
  start_ap wlan0
fi
serve_stations

# A station may ask for this agent to be killed and relaunched (the peer-restart test), once.
declare -A restarted=() iperf_start=() iperf_end=()
station_poll() {
  if [ -z "${restarted[$1]:-}" ] && peer_has_flag restart-agent "$1"; then
    restarted[$1]=1
    kill_and_relaunch_agent
    raise_flag agent-killed
  fi
  # RSS_SAMPLES=1: mark a station's iperf3 run in our agent's memory record as we see it.
  if [ "${RSS_SAMPLES:-0}" = 1 ]; then
    [ -z "${iperf_start[$1]:-}" ] && peer_has_flag iperf-start "$1" && iperf_start[$1]=1 && rss_mark iperf-start
    [ -z "${iperf_end[$1]:-}" ] && peer_has_flag iperf-end "$1" && iperf_end[$1]=1 && rss_mark iperf-end
  fi
  return 0
}
wait_for_stations "${STATION_TIMEOUT:-600}"
agent_alive && agent_started=true
AGENT_READY_SECONDS=$(agent_ready_seconds)
agent_alive && operator_snapshot
AUTHENTICATED=$(count_in "$LAB_SHARE/hostapd.log" ' authenticated')

stop_agent
# hostapd started with the agent, after the "before" snapshot; stopping it too puts wlan0 back in
# managed mode, so the snapshots compare what the agent leaves behind.
kill -TERM "$(cat /run/hostapd.pid)" 2>/dev/null
wait_until 10 test ! -e /run/hostapd.pid || log "hostapd did not stop within 10 s"
radio_snapshot >"$LAB_SHARE/radios-after.txt"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "start_order": "$START_ORDER",
  "agent_started": $agent_started,
  "agent_ready_seconds": $AGENT_READY_SECONDS,
  "stations_done": $STATIONS_DONE,
  "station_done": $([ "$STATIONS_DONE" -ge 1 ] && echo true || echo false),
  "authentications": $AUTHENTICATED,
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
