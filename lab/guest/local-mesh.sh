#!/bin/bash
# One VM, three hwsim radios, no tunnel: the mesh cases of mesh.sh (MESH_CASES, default "open sae")
# with each radio in a network namespace of its own (m1, m2, m3, so pings cross the air), all
# three nodes launched at the same moment. The baseline the three-VM mesh (mesh-node.sh) is
# compared with.
# Writes $LAB_SHARE/results.json: {"cases": [{"case", "node", "address", "pairs": [...],
# "estab_peers": [...]}, ...]} (one entry per case and node) and the daemons' logs.
set -u
. "$LAB_GUEST_DIR/prelude.sh"
. "$LAB_GUEST_DIR/mesh.sh"

MESH_CASES=${MESH_CASES:-open sae}
NODES="1 2 3"
load_hwsim 3
for n in $NODES; do
  ip netns add "m$n"
  iw phy "$(phy_of "wlan$((n - 1))")" set netns name "m$n" || fail "cannot move wlan$((n - 1))'s radio into netns m$n"
  ip netns exec "m$n" ip link set lo up
  NETNS_EXEC="ip netns exec m$n" mesh_set_address "wlan$((n - 1))" "$n"
  NETNS_EXEC="ip netns exec m$n" mesh_make_iface "wlan$((n - 1))" "$n"
done

results=()
for case in $MESH_CASES; do
  nodes=()
  for n in $NODES; do
    (
      NETNS_EXEC="ip netns exec m$n"
      mesh_launch "$case" "$n"
      # shellcheck disable=SC2046 # the other nodes' numbers, as words
      mesh_measure "$case" "$n" $(for p in $NODES; do [ "$p" = "$n" ] || echo "$p"; done)
      echo "$MESH_CASE_JSON" >"/run/mesh-$case-$n.json"
    ) &
    nodes+=($!)
  done
  wait "${nodes[@]}"
  for n in $NODES; do
    results+=("$(cat "/run/mesh-$case-$n.json" 2>/dev/null || echo null)")
    NETNS_EXEC="ip netns exec m$n" mesh_leave "$case" "$n"
  done
done

{
  echo '{"cases": ['
  (IFS=,; echo "${results[*]}")
  echo ']}'
} >"$LAB_SHARE/results.json"
cat "$LAB_SHARE/results.json"
