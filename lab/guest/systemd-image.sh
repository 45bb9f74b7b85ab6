#!/bin/bash
# systemd lab, image step (lab/systemd-scenario.ts): runs chrooted in the guest's new root before
# systemd boots it (VmSpec.init "systemd"), as an image build would. It installs the agent with the
# commands of README.md's "Running it as a service" (given as README_INSTALL, run from the checkout
# with this VM's peer), then enables this VM's Wi-Fi daemon: hostapd (SYSTEMD_ROLE=ap) or
# wpa_supplicant@wlan0 (SYSTEMD_ROLE=sta), and the lab's own units: lab-radios-before (iw's view
# before the agent starts) and lab-check (lab/guest/systemd-check.sh: the checks, then power off).
# Nothing is started by hand after boot.
set -euo pipefail
. "$LAB_GUEST_DIR/prelude.sh"

# A clean image: none of the host's own enablements (its databases, timers, gettys) come along;
# the distribution's static dependencies in /lib/systemd stay.
rm -rf /etc/systemd/system/*.wants
systemctl set-default multi-user.target
# This machine runs in a container whose marker file the guest sees in the host root: systemd would
# take the VM for a container too (skipping udev and ignoring the kernel command line).
rm -f /.dockerenv
echo "$LAB_NAME" >/etc/hostname

# README.md, "Running it as a service", with this VM's peer instead of the example's 10.0.0.2.
printf '%s\n' "$README_INSTALL" | sed "s/10\.0\.0\.2/$LAB_PEER_IP/g" >/run/readme-install.sh
cp /run/readme-install.sh "$LAB_SHARE/readme-install.sh"
(cd "$LAB_CHECKOUT" && bash -euo pipefail /run/readme-install.sh) >"$LAB_SHARE/install.log" 2>&1 ||
  fail "the README's install steps failed (install.log)"

case $SYSTEMD_ROLE in
  ap)
    mkdir -p /etc/hostapd
    ap_config wlan0 >/etc/hostapd/hostapd.conf
    systemctl unmask hostapd.service
    systemctl enable hostapd.service
    ;;
  sta)
    mkdir -p /etc/wpa_supplicant
    {
      echo "ctrl_interface=/run/wpa_supplicant"
      station_network
    } >/etc/wpa_supplicant/wpa_supplicant-wlan0.conf
    systemctl enable wpa_supplicant@wlan0.service
    ;;
  *) fail "SYSTEMD_ROLE must be ap or sta, not $SYSTEMD_ROLE" ;;
esac

cat >/etc/systemd/system/lab-radios-before.service <<'UNIT'
[Unit]
Description=lab: radios and interfaces before wifi-tunnel starts
After=systemd-modules-load.service
Before=wifi-tunnel.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c '{ iw phy | grep ^Wiphy; iw dev | grep Interface; } >/share/radios-before.txt'

[Install]
WantedBy=multi-user.target
UNIT
cat >/etc/systemd/system/lab-check.service <<'UNIT'
[Unit]
Description=lab: check wifi-tunnel under systemd, write the results, power off
After=multi-user.target

[Service]
Type=oneshot
# $$: systemd would substitute $LAB_GUEST_DIR itself (from its own, empty, environment).
ExecStart=/bin/bash -c '. /share/lab.env && exec /bin/bash "$${LAB_GUEST_DIR}/systemd-check.sh"'
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable lab-radios-before.service lab-check.service
log "image ready: $(ls /etc/systemd/system/multi-user.target.wants | tr '\n' ' ')"
