#!/bin/bash
# vwifi lab, access point side (VM 10.0.0.1, with vwifi-sta.sh in every other VM): the same AP as
# tunnel-ap.sh, with vwifi (VWIFI_DIR, scripts/build-vwifi.sh) as the medium instead of
# wifi-tunnel. vwifi's README runs vwifi-server on the host; the lab's VMs reach each other and not
# the host, so it runs here, in the AP's VM, and the stations' clients connect to it over eth0
# (TCP 8212). hwsim is loaded with radios=0; `vwifi-client 127.0.0.1 --number 1 --mac
# 02:00:00:77:00:01` creates wlan0, and hostapd starts as soon as it exists, server, client and
# hostapd together, as a booting VM starts its services.
# Stays up until every station (STATION_PEERS, default every other VM) has raised flag
# "station-done" or stopped answering on eth0, or STATION_TIMEOUT seconds (default 600) pass.
# Writes vwifi-server.log, vwifi-client.log, hostapd.log and results.json (with the CPU seconds of
# vwifi-server and vwifi-client) to $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

STATION_PEERS=${STATION_PEERS:-$LAB_PEER_IPS}
AP_WLAN_IP=$(wlan_ip_of "$LAB_IP")

load_hwsim 0
serve_flags
launch_vwifi vwifi-server
SERVER_PID=$VWIFI_PID
launch_vwifi_client 127.0.0.1 02:00:00:77:00:01
start_ap wlan0
serve_stations

wait_for_stations "${STATION_TIMEOUT:-600}"
AUTHENTICATED=$(count_in "$LAB_SHARE/hostapd.log" ' authenticated')
CLIENT_READY_SECONDS=$(client_ready_seconds)
SERVER_CPU_SECONDS=$(cpu_seconds "$SERVER_PID")
CLIENT_CPU_SECONDS=$(cpu_seconds "$CLIENT_PID")
kill -TERM "$(cat /run/hostapd.pid)" 2>/dev/null
stop_process "$CLIENT_PID" vwifi-client
client_exit_code=$STOPPED_EXIT_CODE
stop_process "$SERVER_PID" vwifi-server

cat >"$LAB_SHARE/results.json" <<JSON
{
  "client_ready_seconds": $CLIENT_READY_SECONDS,
  "stations_done": $STATIONS_DONE,
  "authentications": $AUTHENTICATED,
  "server_cpu_seconds": $SERVER_CPU_SECONDS,
  "vwifi_cpu_seconds": $CLIENT_CPU_SECONDS,
  "client_exit_code": $client_exit_code,
  "server_exit_code": $STOPPED_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
