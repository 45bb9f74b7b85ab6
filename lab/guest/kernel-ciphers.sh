#!/bin/bash
# One VM, one hwsim radio, the agent and no Wi-Fi daemon: does the agent make the kernel ciphers of
# the first CCMP and BIP key (src/os/system/kernel-ciphers.ts) by itself, and leave no IPsec state?
# Writes $LAB_SHARE/results.json.
set -u
. "$LAB_GUEST_DIR/prelude.sh"

load_hwsim 1
has_cipher() { grep -q "^name *: $1\$" /proc/crypto && echo true || echo false; }
CCM_BEFORE=$(has_cipher 'ccm(aes)')
CMAC_BEFORE=$(has_cipher 'cmac(aes)')
# A peer that never answers (TEST-NET-1): the agent needs one, this VM has no other.
AGENT_PEER=192.0.2.9 AGENT_ARGS="--log-level debug" launch_agent
wait_until 120 grep -q "kernel ciphers\|ciphers ahead of the first key" "$LAB_SHARE/agent.log" ||
  log "the agent never said whether it made the ciphers"
CCM_AFTER=$(has_cipher 'ccm(aes)')
CMAC_AFTER=$(has_cipher 'cmac(aes)')
XFRM_STATES=$(ip xfrm state list | grep -c '^src')
stop_agent
cat >"$LAB_SHARE/results.json" <<JSON
{"ccm_before": $CCM_BEFORE, "cmac_before": $CMAC_BEFORE, "ccm_after": $CCM_AFTER, "cmac_after": $CMAC_AFTER,
 "xfrm_states": $XFRM_STATES, "agent_exit_code": $AGENT_EXIT_CODE}
JSON
