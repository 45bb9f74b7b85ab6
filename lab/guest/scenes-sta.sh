#!/bin/bash
# Wi-Fi scenes across two VMs, station side (VM 10.0.0.2, with scenes-ap.sh in VM 10.0.0.1). The
# agent starts at once; for each scene of SCENES (scenes.sh) the station daemon (wpa_supplicant or
# iwd) starts when the AP raises go-SCENE, i.e. together with the scene's hostapd. Each scene times
# the connection, pings the AP 20 times and runs iperf3; chanswitch pings every 0.1 s through
# the AP's channel switch and counts what was lost; lossy has this VM's agent lose 30% of the tries
# toward the AP's VM (wifi-tunnel set peer) while it pings. The address is set by hand (02:00:00:77:00:02)
# before anything starts.
# Writes radios-before.txt / radios-after.txt, agent.log, the daemons' logs, ping-SCENE.txt,
# iperf3-SCENE.json and results.json ({"scenes": [...], "agent_exit_code"}) to $LAB_SHARE.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/scenes.sh"

SCENES=${SCENES:-5ghz chanswitch open lossy eap vht80 iwd-wpa2 iwd-wpa3}
AP_ETH_IP=$LAB_PEER_IP
AP_WLAN_IP=$(wlan_ip_of "$AP_ETH_IP")

load_hwsim 1
ip link set wlan0 down
ip link set wlan0 address "02:00:00:77:00:$(printf %02x "${LAB_IP##*.}")" || fail "cannot change wlan0's MAC"
ip addr add "$(wlan_ip_of "$LAB_IP")/24" dev wlan0
set_country
start_dbus
serve_flags
radio_snapshot >"$LAB_SHARE/radios-before.txt"
launch_agent

# The chanswitch scene's switch, seen from here: tell the AP we are pinging, wait until it switched.
ask_for_switch() {
  raise_flag pinging-chanswitch
  wait_for_peer_flag switched-chanswitch 60 "$AP_ETH_IP"
}

results=()
for scene in $SCENES; do
  case $scene in
    chanswitch) scene_ping_through_switch wlan0 "$AP_WLAN_IP" ask_for_switch ;;
    lossy) scene_lossy wlan0 "$AP_WLAN_IP" "$AP_ETH_IP" ;;
    *)
      wait_for_peer_flag "go-$scene" 600 "$AP_ETH_IP"
      scene_join "$scene" wlan0 "$AP_WLAN_IP"
      ;;
  esac
  log "scene result: $SCENE_JSON"
  results+=("$SCENE_JSON")
  raise_flag "done-$scene"
done
scene_stop_station wlan0
raise_flag station-done
agent_started=false
agent_alive && agent_started=true
stop_agent
radio_snapshot >"$LAB_SHARE/radios-after.txt"

{
  echo '{"scenes": ['
  (IFS=,; echo "${results[*]}")
  printf '], "agent_started": %s, "agent_exit_code": %s}\n' "$agent_started" "$AGENT_EXIT_CODE"
} >"$LAB_SHARE/results.json"
cat "$LAB_SHARE/results.json"
wait_until_peer_saw_flag station-done 60
