#!/bin/bash
# Wi-Fi scenes across two VMs, access point side (VM 10.0.0.1; scenes-sta.sh in VM 10.0.0.2; one
# hwsim radio each, so the station hears this AP only through the wifi-tunnel agents over eth0).
# For each scene of SCENES (scenes.sh; default all, in that order) it raises flag go-SCENE and
# starts hostapd with the scene's network (the first one together with the agent, as a booting VM
# starts its services), then waits for the station's done-SCENE. The chanswitch scene instead
# waits for the station's pinging-chanswitch, has hostapd announce the switch to 149, and raises
# switched-chanswitch once hostapd runs there; lossy keeps the open network as it is (the station's
# agent makes the link lossy).
# Writes radios-before.txt / radios-after.txt, agent.log, hostapd-SCENE.log and results.json to
# $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/scenes.sh"

SCENES=${SCENES:-5ghz chanswitch open lossy eap vht80 iwd-wpa2 iwd-wpa3}
STATION_ETH_IP=$LAB_PEER_IP
AP_WLAN_IP=$(wlan_ip_of "$LAB_IP")

load_hwsim 1
set_country
serve_flags
radio_snapshot >"$LAB_SHARE/radios-before.txt"
ip addr add "$AP_WLAN_IP/24" dev wlan0
iperf3 -s -B "$AP_WLAN_IP" -p 5201 -D -I /run/iperf3.pid
launch_agent
wait_for_peer 180 "$STATION_ETH_IP"

served=0
for scene in $SCENES; do
  case $scene in
    chanswitch)
      wait_for_peer_flag pinging-chanswitch 300 "$STATION_ETH_IP"
      scene_chan_switch wlan0 "$(scene_freq chanswitch)" || log "hostapd never reached $(scene_freq chanswitch) MHz"
      raise_flag switched-chanswitch
      ;;
    lossy) ;;
    *)
      raise_flag "go-$scene"
      scene_start_ap "$scene" wlan0
      ;;
  esac
  wait_for_peer_flag "done-$scene" 600 "$STATION_ETH_IP"
  served=$((served + 1))
done
wait_until 300 peer_flag_or_gone station-done "$STATION_ETH_IP" || log "the station neither finished nor vanished"
agent_started=false
agent_alive && agent_started=true
stop_agent
scene_stop_ap
radio_snapshot >"$LAB_SHARE/radios-after.txt"

cat >"$LAB_SHARE/results.json" <<JSON
{
  "agent_started": $agent_started,
  "scenes_served": $served,
  "agent_exit_code": $AGENT_EXIT_CODE
}
JSON
cat "$LAB_SHARE/results.json"
