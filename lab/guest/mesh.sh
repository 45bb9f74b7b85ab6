# 802.11s mesh as shell functions shared by the three-VM script (mesh-node.sh) and the one-VM
# baseline (local-mesh.sh): `. "$LAB_GUEST_DIR/mesh.sh"` after prelude.sh. A node is one hwsim
# radio whose interface is the mesh point mesh0: node N has address 02:00:00:77:00:0N and IPv4
# 10.99.0.N/24 on mesh0. The cases, one after the other on the same mesh0:
#
#   open          the kernel's own mesh (its peering manager, no daemon): `iw dev mesh0 mesh join
#                 lab-mesh-open freq 2412` (+ MESH_OPEN_PARAMS, e.g. "mesh_retry_timeout=1000")
#   sae           wpa_supplicant's secured mesh: mode=5, key_mgmt=SAE, mesh_fwding=1 on mesh0 (SAE
#                 and AMPE peering in wpa_supplicant, user_mpm), with the peering timers at 1 s
#                 (dot11MeshRetryTimeout, dot11MeshConfirmTimeout), which a tunnel needs
#   sae-defaults  the same with wpa_supplicant's default timers (40 ms; bench/mesh.ts shows why not)
#
# Uses NETNS_EXEC like prelude.sh (the baseline puts each node's radio in a network namespace).
# Each case: launch (join / start wpa_supplicant), then every node pings every other node once a
# second until one answers (the time from launch to that first answer, per pair), then 10 pings
# 0.2 s apart per pair, and the mesh peer links from `iw dev mesh0 station dump`.

MESH_FREQ=${MESH_FREQ:-2412}
MESH_PASSPHRASE=$PASSPHRASE
# How long a node tries for a peer's first answer, from its launch.
MESH_FIRST_PING_TIMEOUT=${MESH_FIRST_PING_TIMEOUT:-240}

mesh_ip_of() { echo "10.99.0.$1"; }
mesh_mac_of() { printf '02:00:00:77:00:%02x\n' "$1"; }
mesh_id_of() { echo "lab-mesh-$1"; }

# mesh_set_address WLAN N: node N's address on WLAN (down). Every VM's first hwsim radio has the
# same permanent address, 02:00:00:00:00:00: two VMs with it never hear each other.
mesh_set_address() {
  $NETNS_EXEC ip link set "$1" down
  $NETNS_EXEC ip link set "$1" address "$(mesh_mac_of "$2")" || fail "cannot set $1's address"
}

# mesh_make_iface WLAN N: WLAN becomes the mesh point mesh0 (renamed, `iw dev mesh0 set type mp`)
# with node N's IPv4, still down. One interface per radio: an interface added beside WLAN would
# take the radio's permanent address, and WLAN would keep it, equal in every VM.
mesh_make_iface() {
  $NETNS_EXEC ip link set "$1" name mesh0 || fail "cannot rename $1 to mesh0"
  $NETNS_EXEC iw dev mesh0 set type mp || fail "cannot make mesh0 a mesh point"
  $NETNS_EXEC ip addr add "$(mesh_ip_of "$2")/24" dev mesh0
}

# mesh_unmake_iface WLAN: mesh0 back to the managed interface WLAN, as it was before mesh_make_iface.
mesh_unmake_iface() {
  $NETNS_EXEC ip link set mesh0 down
  $NETNS_EXEC ip addr flush dev mesh0
  $NETNS_EXEC iw dev mesh0 set type managed
  $NETNS_EXEC ip link set mesh0 name "$1"
}

# mesh_sae_config CASE N: wpa_supplicant's configuration for the SAE mesh, node N. wpa_supplicant
# resends a peering Open every dot11MeshRetryTimeout (default 40 ms), twice at most, and waits as
# long for the peer's Confirm: across VMs a round trip took 20-390 ms (pings in the open case, a
# quiet host), so with the defaults most peerings closed with reason 56 (MESH-MAX-RETRIES) and
# started over; one second each lets a tunnel's round trip fit.
mesh_sae_config() {
  local timers=""
  [ "$1" = sae ] && timers=$'\n  dot11MeshRetryTimeout=1000\n  dot11MeshConfirmTimeout=1000'
  cat <<EOF
ctrl_interface=/run/wpa-mesh-$2
mesh_fwding=1
network={
  ssid="$(mesh_id_of "$1")"
  mode=5
  frequency=$MESH_FREQ
  key_mgmt=SAE
  psk="$MESH_PASSPHRASE"$timers
}
EOF
}

# mesh_launch CASE N: joins the case's mesh on mesh0 and returns at once; sets MESH_LAUNCHED.
mesh_launch() {
  MESH_LAUNCHED=$(now)
  case $1 in
    open)
      # wpa_supplicant leaves mesh0 managed when it exits (an earlier SAE case).
      $NETNS_EXEC iw dev mesh0 set type mp || fail "cannot make mesh0 a mesh point"
      $NETNS_EXEC ip link set mesh0 up || fail "cannot bring mesh0 up"
      # shellcheck disable=SC2086 # MESH_OPEN_PARAMS: mesh parameters as words, e.g. mesh_retry_timeout=1000
      $NETNS_EXEC iw dev mesh0 mesh join "$(mesh_id_of "$1")" freq "$MESH_FREQ" ${MESH_OPEN_PARAMS:-} || fail "iw mesh join failed"
      ;;
    sae | sae-defaults)
      mesh_sae_config "$1" "$2" >"/run/wpa-mesh-$2.conf"
      $NETNS_EXEC wpa_supplicant -B -t -D nl80211 -i mesh0 -c "/run/wpa-mesh-$2.conf" \
        -f "$LAB_SHARE/wpa_supplicant-$1-$2.log" -P "/run/wpa-mesh-$2.pid" || fail "wpa_supplicant (mesh) did not start"
      ;;
    *) fail "no mesh case $1" ;;
  esac
  log "mesh $1: node $2 launched on mesh0 ($(mesh_mac_of "$2"), $(mesh_ip_of "$2"))"
}

# mesh_leave CASE N: leaves the case's mesh (mesh0 stays, down; wpa_supplicant leaves it managed).
mesh_leave() {
  case $1 in
    open) $NETNS_EXEC iw dev mesh0 mesh leave ;;
    sae | sae-defaults)
      $NETNS_EXEC wpa_cli -p "/run/wpa-mesh-$2" -i mesh0 terminate >/dev/null 2>&1
      wait_until 10 test ! -e "/run/wpa-mesh-$2.pid" || log "wpa_supplicant (mesh) did not stop within 10 s"
      ;;
  esac
  $NETNS_EXEC ip link set mesh0 down
}

# mesh_first_answer PEER_IP OUT: pings PEER_IP once a second (1 s wait each) until it answers,
# then writes the seconds since MESH_LAUNCHED to OUT ("null" if it never answered in time).
mesh_first_answer() {
  local deadline=$((SECONDS + MESH_FIRST_PING_TIMEOUT))
  until $NETNS_EXEC ping -q -c 1 -W 1 "$1" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo null >"$2"
      return
    fi
    sleep 0.5
  done
  seconds_since "$MESH_LAUNCHED" >"$2"
}

# mesh_estab_peers: the addresses of mesh0's peers whose link is ESTAB, one a line.
mesh_estab_peers() {
  $NETNS_EXEC iw dev mesh0 station dump | awk '/^Station/ { mac = $2 } /mesh plink:/ && $3 == "ESTAB" { print mac }'
}

# mesh_all_estab COUNT: true once COUNT peer links are ESTAB.
mesh_all_estab() { [ "$(mesh_estab_peers | grep -c .)" -ge "$1" ]; }

# mesh_measure CASE N PEER_NODES...: every peer's first answer (all peers at once), then 10 pings
# per peer, then the peer links; sets MESH_CASE_JSON. Files: mesh-CASE-N-ping-P.txt,
# mesh-CASE-N-stations.txt.
mesh_measure() {
  local case=$1 node=$2 peer first sent received avg max pairs=() pollers=() estab peers_json address
  shift 2
  for peer in "$@"; do
    mesh_first_answer "$(mesh_ip_of "$peer")" "/run/mesh-first-$case-$node-$peer" &
    pollers+=($!)
  done
  # Only the pollers: a bare `wait` would also wait for the agent and the flag server.
  wait "${pollers[@]}"
  for peer in "$@"; do
    first=$(cat "/run/mesh-first-$case-$node-$peer")
    sent=0 received=0 avg=null max=null
    if [ "$first" != null ]; then
      $NETNS_EXEC ping -c 10 -i 0.2 -W 2 "$(mesh_ip_of "$peer")" >"$LAB_SHARE/mesh-$case-$node-ping-$peer.txt"
      read -r sent received < <(awk '/packets transmitted/ { print $1, $4 }' "$LAB_SHARE/mesh-$case-$node-ping-$peer.txt")
      # "rtt min/avg/max/mdev = 20.599/103.474/393.783/112.674 ms"
      read -r avg max < <(awk -F'[/ ]+' '/^rtt/ { print $8, $9 }' "$LAB_SHARE/mesh-$case-$node-ping-$peer.txt")
    fi
    log "mesh $case: node $node -> node $peer: first answer after ${first} s, ping ${received:-0}/${sent:-0}, rtt avg ${avg:-null} max ${max:-null} ms"
    pairs+=("{\"peer\": $peer, \"first_ping_seconds\": $first, \"ping_transmitted\": ${sent:-0}, \"ping_received\": ${received:-0}, \"rtt_avg_ms\": ${avg:-null}, \"rtt_max_ms\": ${max:-null}}")
  done
  # A node answers pings through another (HWMP forwards) before its own link to it is up: with
  # SAE across VMs one pair's link came up 1 s after its pings were done (its SAE was retried four
  # times, 23 s after launch). No node leaves before every other one is done, so the links may
  # still form here.
  wait_until "${MESH_ESTAB_TIMEOUT:-30}" mesh_all_estab "$#" || log "mesh $case: node $node: not every peer link ESTAB within ${MESH_ESTAB_TIMEOUT:-30} s"
  $NETNS_EXEC iw dev mesh0 station dump >"$LAB_SHARE/mesh-$case-$node-stations.txt" 2>&1
  estab=$(mesh_estab_peers)
  peers_json=$(echo "$estab" | awk 'NF { printf "%s\"%s\"", n++ ? ", " : "", $1 }')
  log "mesh $case: node $node has ESTAB peer links with: $(echo $estab)"
  address=$($NETNS_EXEC cat /sys/class/net/mesh0/address)
  MESH_CASE_JSON=$(
    IFS=,
    printf '{"case": "%s", "node": %s, "address": "%s", "pairs": [%s], "estab_peers": [%s]}' \
      "$case" "$node" "$address" "${pairs[*]}" "$peers_json"
  )
}
