#!/bin/bash
# 802.11s mesh across VMs: one node of the mesh per VM (three VMs on the lab's switch, one hwsim
# radio each, so nodes hear each other only through the wifi-tunnel agents over eth0). VM 10.0.0.N
# is node N: its wlan0 becomes mesh0 with 02:00:00:77:00:0N and 10.99.0.N/24 (mesh.sh). For each case of
# MESH_CASES (default "open sae") the nodes meet at a barrier (flag ready-CASE, so they launch
# within about a second of each other), then each launches the case's mesh (the first case
# together with the agent, as a booting VM starts its services: nobody waits for the agent), times
# the first answer from every other node, pings each 10 times, records its peer links, raises
# done-CASE and leaves the mesh once every other node is done too.
# The agent runs with $AGENT_ARGS (launch_agent). MESH_CAPTURE=1 also records hwsim0 into
# hwsim0.pcap (tcpdump).
# Writes radios-before.txt / radios-after.txt (wlan0 before it became mesh0 and the agent started,
# after both are undone), agent.log, wpa_supplicant-CASE-N.log, mesh-CASE-N-*.txt and results.json ({"node", "cases",
# "agent_started", "agent_exit_code"}) to $LAB_SHARE. Exit status 0 = results recorded.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/mesh.sh"

MESH_CASES=${MESH_CASES:-open sae}
NODE=${LAB_IP##*.}
PEER_NODES=$(for ip in $LAB_PEER_IPS; do echo "${ip##*.}"; done)

load_hwsim 1
mesh_set_address wlan0 "$NODE"
serve_flags
radio_snapshot >"$LAB_SHARE/radios-before.txt"
mesh_make_iface wlan0 "$NODE"
for ip in $LAB_PEER_IPS; do wait_for_peer 180 "$ip"; done
if [ "${MESH_CAPTURE:-0}" = 1 ]; then
  ip link set hwsim0 up
  tcpdump -i hwsim0 -w "$LAB_SHARE/hwsim0.pcap" >/dev/null 2>&1 &
  CAPTURE_PID=$!
fi

results=()
agent_launched=false
for case in $MESH_CASES; do
  raise_flag "ready-$case"
  for ip in $LAB_PEER_IPS; do wait_for_peer_flag "ready-$case" 600 "$ip"; done
  if [ "$agent_launched" = false ]; then
    launch_agent
    agent_launched=true
  fi
  mesh_launch "$case" "$NODE"
  # shellcheck disable=SC2086 # the other nodes' numbers, as words
  mesh_measure "$case" "$NODE" $PEER_NODES
  results+=("$MESH_CASE_JSON")
  raise_flag "done-$case"
  for ip in $LAB_PEER_IPS; do
    wait_until 600 peer_flag_or_gone "done-$case" "$ip" || log "node $ip neither finished $case nor vanished"
  done
  mesh_leave "$case" "$NODE"
done

agent_started=false
agent_alive && agent_started=true
stop_agent
[ -n "${CAPTURE_PID:-}" ] && kill "$CAPTURE_PID"
mesh_unmake_iface wlan0
radio_snapshot >"$LAB_SHARE/radios-after.txt"

{
  printf '{"node": %s, "cases": [' "$NODE"
  (IFS=,; echo "${results[*]}")
  printf '], "agent_started": %s, "agent_exit_code": %s}\n' "$agent_started" "$AGENT_EXIT_CODE"
} >"$LAB_SHARE/results.json"
cat "$LAB_SHARE/results.json"
# Stay reachable until every other node is finished (or gone): they may still ask for our flags.
# A node that powers off between our ping and our question leaves the TCP connect hanging for two
# minutes (measured: the last VM of a bench run powered off 130 s after the others), so each
# question gets 10 s at most here.
finished_or_gone() {
  ! ping -q -c 2 -W 1 "$1" >/dev/null 2>&1 ||
    timeout 10 bash -c 'exec 3<>"/dev/tcp/$0/8080" && printf "GET /finished HTTP/1.0\r\n\r\n" >&3 &&
      read -r -t 5 _ status _ <&3 && [ "$status" = 200 ]' "$1"
}
raise_flag finished
for ip in $LAB_PEER_IPS; do wait_until 120 finished_or_gone "$ip"; done
