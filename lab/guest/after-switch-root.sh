#!/bin/sh
# PID 1 once the VM runs on the host's userland: runs the guest script the host copied into the
# share with the environment it wrote there, records the exit status, and powers the VM off.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
. /share/lab.env

# vm.ts watches the console for these two lines: boot time, and whether the script ran at all.
echo "lab: guest script starting"
cd /share && /bin/bash /share/guest-script.sh </dev/null
status=$?
echo "$status" >/share/exit-status
echo "lab: guest script exited with status $status"
sync
# PID 1 must never exit (the kernel would panic): power off directly.
echo o >/proc/sysrq-trigger
sleep 10
