#!/bin/sh
# bingo's HTTP server and shutdown path, run on the host: build/guest/
# init-host is the same init built with $(CC) (ASan under SANITIZE=1);
# not being PID 1 it starts only the server, on a loopback-reachable port
# (BINGO_HTTP_PORT) with short timeouts (BINGO_TIMEOUTS_MS), and exits
# instead of powering off.  Traffic goes only to 127.0.0.1.
set -u
. "${CHARLIE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/guest/tests/qemu-lib.sh"

T=guest_server
BIN=$GB/init-host
LG=$GB/loadgen
work=$(mktemp -d /tmp/bingo-srv.XXXXXX)
SRV=""
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
pass() { echo "PASS: $T/$1${2:+ ($2)}"; }
fail() { echo "FAIL: $T/$1: $2"; tail -n 5 "$work/srv.log" 2>/dev/null | sed 's/^/    /'; }

for f in "$BIN" "$LG"; do
	if [ ! -x "$f" ]; then
		echo "SKIP: $T: $f not built (make guest)"
		exit 0
	fi
done
command -v socat >/dev/null 2>&1 || { echo "SKIP: $T: socat not installed"; exit 0; }

start() { # header,idle,write timeouts in ms
	PORT=$(free_port)
	: >"$work/srv.log"
	BINGO_HTTP_PORT=$PORT BINGO_TIMEOUTS_MS=$1 "$BIN" 2>"$work/srv.log" &
	SRV=$!
	for _ in $(seq 1 100); do
		grep -q 'msg="server starting"' "$work/srv.log" && return 0
		sleep 0.05
	done
	return 1
}

stop() { # SIGNAL -> 0 if the server exited 0 within 5 s
	kill -"$1" "$SRV" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$SRV" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$SRV" 2>/dev/null; then
		kill -KILL "$SRV"
		wait "$SRV" 2>/dev/null
		SRV=""
		return 1
	fi
	wait "$SRV"
	rc=$?
	SRV=""
	return $rc
}

alive() { kill -0 "$SRV" 2>/dev/null && [ "$(curl -s -m 5 "http://127.0.0.1:$PORT/")" = "Hello, World!" ]; }

status() { # raw request (printf format) -> status line
	printf "$1" | socat -t 3 -T 5 - "TCP:127.0.0.1:$PORT" 2>/dev/null | head -1 | tr -d '\r'
}

if ! start 3000,2000,3000; then
	fail start "no 'server starting'"
	exit 0
fi

# Methods and paths.
c1=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")
c2=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$PORT/")
c3=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")
c4=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$PORT/")
if [ "$c1$c2$c3$c4" = 200200404405 ]; then
	pass routes "GET 200, HEAD 200, /nope 404, POST 405"
else
	fail routes "GET=$c1 HEAD=$c2 nope=$c3 POST=$c4"
fi

# Malformed and oversized input: the right status, then the server lives.
long=$(head -c 3000 /dev/zero | tr '\0' a)
big=$(head -c 9000 /dev/zero | tr '\0' b)
ok=1
for pair in \
	"400|GARBAGE\r\n\r\n" \
	"400|GET / HTTP/1.1\r\n\r\n" \
	"400|GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n" \
	"414|GET /$long HTTP/1.1\r\nHost: x\r\n\r\n" \
	"431|GET / HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n" \
	"413|GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n" \
	"505|GET / HTTP/2.0\r\nHost: x\r\n\r\n" \
	"501|GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"; do
	want=${pair%%|*}
	got=$(status "${pair#*|}")
	case $got in "HTTP/1.1 $want "*) ;; *) ok=0; bad="$bad want $want got '$got';" ;; esac
done
if [ $ok = 1 ] && alive; then
	pass bad-input "400 x3, 414, 431, 413, 505, 501; still serving"
else
	fail bad-input "${bad:-server died}"
fi

# Pipelining: three requests in one write, three answers in order.
out=$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /z HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	socat -t 3 -T 5 - "TCP:127.0.0.1:$PORT" 2>/dev/null | tr -d '\r' | grep '^HTTP/1.1' | tr '\n' ,)
if [ "$out" = "HTTP/1.1 200 OK,HTTP/1.1 200 OK,HTTP/1.1 404 Not Found," ]; then
	pass pipelining
else
	fail pipelining "got '$out'"
fi

# A slow client, one byte every 20 ms (about 1 s, within the header timeout).
printf 'GET /?slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$work/req"
n=$(wc -c <"$work/req")
out=$( (for i in $(seq 0 $((n - 1))); do dd if="$work/req" bs=1 skip="$i" count=1 2>/dev/null; sleep 0.02; done; sleep 1) |
	socat -t 3 -T 8 - "TCP:127.0.0.1:$PORT" 2>/dev/null | tr -d '\r' | head -1)
if [ "$out" = "HTTP/1.1 200 OK" ]; then
	pass slow-client "byte by byte: 200"
else
	fail slow-client "got '$out'"
fi

# Slowloris: a header that never finishes gets 408 after the header timeout (3 s).
# (The pipeline lasts as long as its sleep: socat notes when it ends.)
t0=$(ms)
out=$( (printf 'GET / HTTP/1.1\r\nHost: x\r\n'; sleep 8) |
	{ socat -t 1 -T 10 - "TCP:127.0.0.1:$PORT" 2>/dev/null; ms >"$work/end"; } | tr -d '\r' | head -1)
dt=$(($(cat "$work/end") - t0))
if [ "$out" = "HTTP/1.1 408 Request Timeout" ] && [ $dt -lt 7000 ]; then
	pass slowloris "408 after ${dt} ms"
else
	fail slowloris "got '$out' after ${dt} ms"
fi

# An idle keep-alive connection is closed after the idle timeout (2 s).
t0=$(ms)
( sleep 8 ) | { socat -t 1 -T 10 - "TCP:127.0.0.1:$PORT" >/dev/null 2>&1; ms >"$work/end"; }
dt=$(($(cat "$work/end") - t0))
if [ $dt -lt 6000 ]; then
	pass idle-timeout "closed after ${dt} ms"
else
	fail idle-timeout "still open after ${dt} ms"
fi

# Noise: 64 KiB of random bytes, then a flood of 600 connections (the
# server keeps at most 512); it must survive both.
head -c 65536 /dev/urandom | socat -t 2 -T 5 - "TCP:127.0.0.1:$PORT" >/dev/null 2>&1
"$LG" -R -p "$PORT" -c 600 -n 6000 -t 20 >"$work/flood" 2>&1
if alive; then
	pass noise-and-flood "$(sed 's/^loadgen: //' "$work/flood" | head -1)"
else
	fail noise-and-flood "server gone"
fi

# Load: 10,000 keep-alive requests over 50 connections, no errors.
if out=$("$LG" -p "$PORT" -c 50 -n 10000 -t 120 2>&1); then
	pass load "$(echo "$out" | sed 's/^loadgen: //')"
else
	fail load "$out"
fi

# SIGTERM with a request in flight (a half-sent header): the server stops
# accepting, waits for it (bounded), then logs its peak RSS and exits 0.
(printf 'GET / HTTP/1.1\r\n'; sleep 6) | socat -t 1 -T 8 - "TCP:127.0.0.1:$PORT" >/dev/null 2>&1 &
sleep 0.3
t0=$(ms)
if stop TERM; then
	dt=$(($(ms) - t0))
	if grep -q 'msg="shutting down" app.reason=SIGTERM app.in_flight=1' "$work/srv.log" &&
		grep -q 'msg="powering off"' "$work/srv.log"; then
		pass sigterm-drain "exited 0 after ${dt} ms with 1 request in flight"
	else
		fail sigterm-drain "log lines missing"
	fi
else
	fail sigterm-drain "did not exit 0 within 5 s"
fi
rss=$(sed -n 's/.*process.peak_rss_kib=\([0-9]*\).*/\1/p' "$work/srv.log")
if [ "${SANITIZE:-0}" = 1 ]; then
	echo "SKIP: $T/peak-rss: ASan build (peak ${rss:-?} KiB)"
elif [ -n "$rss" ] && [ "$rss" -le 8192 ]; then
	pass peak-rss "${rss} KiB after $(sed -n 's/.*app.requests=\([0-9]*\).*/\1/p' "$work/srv.log") requests"
else
	fail peak-rss "'$rss' KiB"
fi
wait

for sig in INT PWR; do
	if start 3000,2000,3000 && stop $sig && grep -q "app.reason=SIG$sig" "$work/srv.log"; then
		pass "sig$(echo $sig | tr A-Z a-z)" "shutdown request, exit 0"
	else
		fail "sig$(echo $sig | tr A-Z a-z)" "no clean exit"
	fi
done
exit 0
