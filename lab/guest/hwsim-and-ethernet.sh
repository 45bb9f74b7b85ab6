#!/bin/bash
# Smoke test of the lab itself, run in two VMs linked by Ethernet: hwsim loads and shows its
# interfaces, each VM pings the other over eth0, and the flag handshake between them works.
# Writes $LAB_SHARE/interfaces.txt and $LAB_SHARE/results.json.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim "$LAB_RADIOS"
ls /sys/class/net >"$LAB_SHARE/interfaces.txt"
serve_flags
wait_for_peer
ping_peer "$LAB_PEER_IP" 5
raise_flag pinged
# Stay up until the peer has pinged us too and knows that we are done.
wait_for_peer_flag pinged 120
wait_until_peer_saw_flag pinged 60

cat >"$LAB_SHARE/results.json" <<JSON
{
  "ping_transmitted": $PING_TRANSMITTED,
  "ping_received": $PING_RECEIVED
}
JSON
