#!/bin/sh
# charlie run --net: each bad value is one line naming the option and the
# reason with its code, exit 2, nothing started (the kernel is never
# even opened: net checks come first).  Loopback only.
. "$(dirname "$0")/lib.sh"

# expect NAME CODE SPEC...: exit 2 and "[CODE]" on stderr
expect() {
	_n=$1 _c=$2
	shift 2
	_a=
	for _s in "$@"; do _a="$_a --net $_s"; done
	# shellcheck disable=SC2086
	_e=$("$CHARLIE" run --kernel /nonexistent/kernel $_a 2>&1 >/dev/null)
	_rc=$?
	if [ "$_rc" -ne 2 ]; then
		fail "$_n" "exit $_rc, expected 2: $_e"
	elif [ "$(printf '%s\n' "$_e" | wc -l)" -ne 1 ]; then
		fail "$_n" "more than one line: $_e"
	elif ! printf '%s' "$_e" | grep -q "\[$_c\]\$"; then
		fail "$_n" "expected [$_c]: $_e"
	else
		pass "$_n"
	fi
}

expect mac_multicast net-mac nat,mac=01:00:5e:00:00:01
expect mac_length net-mac nat,mac=02:00:00:00:00
expect mac_not_hex net-mac nat,mac=02:00:00:00:00:zz
expect port_zero net-port nat,forward=0:8080
expect port_too_big net-port nat,forward=8080:65536
expect unknown_option net-spec nat,bogus
expect socket_not_socket net-socket socket=/dev/null
expect socket_missing net-socket socket=/nonexistent/passt.sock
expect tap_bad_name net-tap tap=a/b
expect same_port_twice net-port-in-use nat,forward=40111:80 nat,forward=40111:81

# a port in use: socat listens on loopback
if command -v socat >/dev/null 2>&1; then
	port=$((40000 + $$ % 20000))
	socat TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork EXEC:true &
	sp=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q ":$(printf '%04X' $port) 00000000:0000 0A" /proc/net/tcp; do
		sleep 0.1
		i=$((i + 1))
	done
	expect port_in_use net-port-in-use "nat,forward=$port:8080"
	kill "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
else
	skip port_in_use "socat is not installed"
fi

# a missing TAP permission: as nobody, without capabilities
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	d=$(mktemp -d)
	cp "$CHARLIE" "$d/charlie"
	chmod 755 "$d" "$d/charlie"
	e=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$d/charlie" run --kernel /nonexistent --net tap=charlie-t0 2>&1)
	rc=$?
	rm -rf "$d"
	if [ $rc -eq 2 ] && printf '%s' "$e" | grep -q '\[net-tap-permission\]$'; then
		pass tap_permission
	else
		fail tap_permission "exit $rc: $e"
	fi
else
	skip tap_permission "needs root and setpriv to drop to an unprivileged user"
fi

# the help documents --net with an example
if "$CHARLIE" run --help | grep -q -- '--net nat,restrict,forward='; then
	pass help_example
else
	fail help_example "charlie run --help has no --net example"
fi
