#!/bin/sh
# bingo under QEMU, the reference VMM, with both kernels:
#   cloud: Debian's linux-image-cloud-amd64 bzImage + initramfs with modules
#   min:   build/guest/vmlinux-min (PVH ELF) + initramfs without modules
# Each boot must log the DHCP lease and "server starting", answer
# "Hello, World!" through the port forward, and power off on
# QMP system_powerdown (QEMU exit status 0; a 60 s hang guard).  Both boots also carry
# the load test (10,000 requests over 50 keep-alive connections, 0 errors,
# the init's peak RSS bounded).
set -u
. "$(dirname "$0")/lib.sh"
. "$CHARLIE_ROOT/guest/tests/qemu-lib.sh"

RSS_LIMIT_KIB=${BINGO_RSS_LIMIT_KIB:-8192}
LOAD_N=${BINGO_LOAD_N:-10000}
LOAD_C=${BINGO_LOAD_C:-50}
work=$(mktemp -d /tmp/bingo-e2e.XXXXXX)
trap 'vm_kill >/dev/null 2>&1; rm -rf "$work"' EXIT INT TERM

on_fail() { [ -z "${VM_DIR:-}" ] || vm_tail 12; }

why=$(qemu_unusable)
if [ -n "$why" ]; then
	skip cloud "$why"
	skip min "$why"
	exit 0
fi

http_code() { # PATH [curl args...]
	p=$1
	shift
	curl -s -m 10 -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$VM_PORT$p"
}

raw() { # send raw bytes, print the status line of the answer
	printf "$1" | socat -t 5 -T 5 - "TCP:127.0.0.1:$VM_PORT" 2>/dev/null | head -1 | tr -d '\r'
}

# run NAME KERNEL INITRD LOAD(0|1)
run() {
	n=$1
	if ! vm_start "$work/$n" "$2" "$3" "" ",acpi=on"; then
		fail "$n/boot" "no free loopback port"
		return
	fi
	if ! vm_wait_log 'msg="server starting"'; then
		fail "$n/boot" "no 'server starting' within ${BOOT_TIMEOUT}s (qemu: $(head -c 300 "$VM_DIR/qemu.err"))"
		vm_kill
		return
	fi
	boot_ms=$(($(ms) - VM_T0))
	pass "$n/boot" "server starting after ${boot_ms} ms wall"

	if vm_log | grep -q 'level=INFO msg="DHCP lease acquired" network.ip=10.0.2.15/24 network.gateway=10.0.2.2 network.dns=\[10.0.2.3\] network.lease_time=24h0m0s$'; then
		pass "$n/dhcp-lease"
	else
		fail "$n/dhcp-lease" "no lease line in the expected format"
	fi
	if vm_log | grep -Eq '^time=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z level=INFO msg="server starting" app.addr=:8080$'; then
		pass "$n/log-format"
	else
		fail "$n/log-format" "server starting line not in the seed's format"
	fi
	if vm_wait_log 'msg="listening for power button" acpi.device=/dev/input/event' 60; then
		pass "$n/button-found"
	else
		fail "$n/button-found" "no 'listening for power button' line"
	fi

	body=$(curl -s -m 10 "http://127.0.0.1:$VM_PORT/")
	if [ "$body" = "Hello, World!" ]; then
		pass "$n/curl"
	else
		fail "$n/curl" "got '$body'"
	fi
	sleep 0.5
	if vm_log | grep -Eq 'level=INFO msg="request started" app.request_id=[0-9a-f]{16} app.method=GET app.path=/ app.remote_addr=10\.0\.2\.2:[0-9]+$'; then
		pass "$n/request-log"
	else
		fail "$n/request-log" "no 'request started' line in the expected format"
	fi
	c1=$(http_code / -I)
	c2=$(http_code /missing)
	c3=$(http_code / -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)")
	s4=$(raw 'GARBAGE\r\n\r\n')
	s5=$(raw 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
	if [ "$c1" = 200 ] && [ "$c2" = 404 ] && [ "$c3" = 431 ] &&
		[ "$s4" = "HTTP/1.1 400 Bad Request" ] && [ "$s5" = "HTTP/1.1 200 OK" ]; then
		pass "$n/http-edges" "HEAD 200, /missing 404, 9 KB header 431, garbage 400, pipelined"
	else
		fail "$n/http-edges" "HEAD=$c1 missing=$c2 big=$c3 garbage='$s4' pipelined='$s5'"
	fi

	if [ "$4" = 1 ]; then
		if [ -x "$GB/loadgen" ]; then
			out=$("$GB/loadgen" -p "$VM_PORT" -c "$LOAD_C" -n "$LOAD_N" -t 600 2>&1)
			if [ $? -eq 0 ]; then
				pass "$n/load" "$(echo "$out" | sed 's/^loadgen: //')"
			else
				fail "$n/load" "$out"
			fi
		else
			fail "$n/load" "$GB/loadgen not built (make guest)"
		fi
	fi

	t0=$(ms)
	vm_qmp system_powerdown >"$VM_DIR/qmp.out" 2>&1 &
	# A hang guard, not a time limit: the figure is in the PASS note.
	if vm_exited_within 60000; then
		dt=$(($(ms) - t0))
		rc=$(vm_rc)
		if [ "$rc" = 0 ]; then
			pass "$n/powerdown" "QEMU exited 0 ${dt} ms after system_powerdown"
		else
			fail "$n/powerdown" "QEMU exit status $rc"
		fi
	else
		fail "$n/powerdown" "QEMU still running 60 s after system_powerdown"
		vm_kill
	fi
	wait
	if vm_log | grep -q 'msg="power button pressed" acpi.device=/dev/input/event' &&
		vm_log | grep -q 'msg="powering off"'; then
		pass "$n/powerdown-log"
	else
		fail "$n/powerdown-log" "no press/power-off lines"
	fi
	rss=$(vm_log | sed -n 's/.*msg="powering off".*process.peak_rss_kib=\([0-9]*\).*/\1/p' | tail -1)
	reqs=$(vm_log | sed -n 's/.*msg="powering off" app.requests=\([0-9]*\).*/\1/p' | tail -1)
	if [ -n "$rss" ] && [ "$rss" -le "$RSS_LIMIT_KIB" ]; then
		pass "$n/peak-rss" "${rss} KiB <= ${RSS_LIMIT_KIB} KiB after ${reqs:-?} requests"
	else
		fail "$n/peak-rss" "peak RSS '${rss}' KiB (limit ${RSS_LIMIT_KIB})"
	fi
}

if [ -f "$GB/bzImage" ] && [ -f "$GB/initramfs.cpio.gz" ]; then
	run cloud "$GB/bzImage" "$GB/initramfs.cpio.gz" 1
else
	skip cloud "$GB/bzImage or initramfs.cpio.gz not built (make guest)"
fi
if [ -f "$GB/vmlinux-min" ] && [ -f "$GB/initramfs-nomod.cpio.gz" ]; then
	run min "$GB/vmlinux-min" "$GB/initramfs-nomod.cpio.gz" 1
else
	skip min "$GB/vmlinux-min not built (make guest-min)"
fi
exit 0
