#!/bin/bash
# vwifi lab, station side (with vwifi-ap.sh in VM 10.0.0.1 and any number of other stations): the
# same station as tunnel-sta.sh, with vwifi (VWIFI_DIR, scripts/build-vwifi.sh) as the medium
# instead of wifi-tunnel. hwsim is loaded with radios=0 and `vwifi-client AP_ETH_IP --number 1
# --mac 02:00:00:77:00:NN` creates the radio (wlan0, VM 10.0.0.NN) and connects to the
# vwifi-server in the AP's VM over TCP; wpa_supplicant starts as soon as wlan0 exists, while the
# client is still connecting, as a booting VM starts its services.
#
# Then, as tunnel-sta.sh: wpa_supplicant start to wpa_state=COMPLETED, the 4-way handshake, 20
# pings to the AP, 10 to every other station, iperf3 (IPERF3_ARGS, IPERF3_SECONDS), IDLE_SECONDS,
# CTRL-EVENT-BEACON-LOSS throughout; and the CPU seconds vwifi-client used. Writes
# vwifi-client.log, wpa_supplicant.log, ping*.txt, iperf3.json and results.json to $LAB_SHARE.
# Exit status 0 = results recorded (results.json says whether the Wi-Fi link worked).
set -u
. "$LAB_GUEST_DIR/prelude.sh"

AP_ETH_IP=${AP_ETH_IP:-10.0.0.1}
AP_WLAN_IP=$(wlan_ip_of "$AP_ETH_IP")
STA_WLAN_IP=$(wlan_ip_of "$LAB_IP")
STATION_PEERS=${STATION_PEERS:-$(for ip in $LAB_PEER_IPS; do [ "$ip" = "$AP_ETH_IP" ] || echo "$ip"; done)}

load_hwsim 0
serve_flags
launch_vwifi_client "$AP_ETH_IP" "02:00:00:77:00:$(printf %02x "${LAB_IP##*.}")"
ip addr add "$STA_WLAN_IP/24" dev wlan0

ASSOC_TIMEOUT=${ASSOC_TIMEOUT:-240}
if start_station wlan0; then
  station_pings
  station_load
fi
station_wind_down
CLIENT_READY_SECONDS=$(client_ready_seconds)
CLIENT_CPU_SECONDS=$(cpu_seconds "$CLIENT_PID")
raise_flag station-done
stop_process "$CLIENT_PID" vwifi-client

cat >"$LAB_SHARE/results.json" <<JSON
{
  "client_ready_seconds": $CLIENT_READY_SECONDS,
$(station_results_json)
  "vwifi_cpu_seconds": $CLIENT_CPU_SECONDS,
  "client_exit_code": $STOPPED_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
# The AP polls for "station-done"; stay reachable until it has seen it.
wait_until_peer_saw_flag station-done 60
