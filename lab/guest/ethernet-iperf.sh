#!/bin/bash
# Two VMs linked by Ethernet, no Wi-Fi at all: iperf3 TCP from vm2 to vm1 over eth0. The ceiling of
# the link the tunnel rides on, for comparing tunnel throughput with.
# Writes iperf3.json and (on the client, vm2) results.json to $LAB_SHARE.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

serve_flags
wait_for_peer
if [ "$LAB_NAME" = vm1 ]; then
  iperf3 -s -B "$LAB_IP" -D -I /run/iperf3.pid
  raise_flag iperf3-ready
  wait_for_peer_flag iperf3-done 200
else
  wait_for_peer_flag iperf3-ready 100
  iperf3_client "$LAB_PEER_IP" "${IPERF3_SECONDS:-5}"
  echo "{ \"bits_per_second\": $BITS_PER_SECOND }" >"$LAB_SHARE/results.json"
  raise_flag iperf3-done
  wait_until_peer_saw_flag iperf3-done 30
fi
