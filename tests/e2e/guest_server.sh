#!/bin/sh
# bingo's HTTP server and shutdown path, run on the host: build/guest/
# init-host is the same init built with $(CC) (ASan under SANITIZE=1);
# not being PID 1 it starts only the server, on a loopback-reachable port
# (BINGO_HTTP_PORT) with short timeouts (BINGO_TIMEOUTS_MS), and exits
# instead of powering off.  Traffic goes only to 127.0.0.1.
set -u
. "$(dirname "$0")/lib.sh"
. "$CHARLIE_ROOT/guest/tests/qemu-lib.sh"

BIN=$GB/init-host
LG=$GB/loadgen
work=$(mktemp -d /tmp/bingo-srv.XXXXXX)
SRV=""
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
on_fail() { tail -n 5 "$work/srv.log" 2>/dev/null | sed "s/^/    /"; }

for f in "$BIN" "$LG"; do
	if [ ! -x "$f" ]; then
		skip_all "$f not built (make guest)"
	fi
done
command -v socat >/dev/null 2>&1 || skip_all "socat not installed (scripts/setup.sh installs it)"

start() { # header,idle,write timeouts in ms
	PORT=$(free_port)
	: >"$work/srv.log"
	BINGO_HTTP_PORT=$PORT BINGO_TIMEOUTS_MS=$1 "$BIN" 2>"$work/srv.log" &
	SRV=$!
	for _ in $(seq 1 600); do
		grep -q 'msg="server starting"' "$work/srv.log" && return 0
		sleep 0.05
	done
	return 1
}

stop() { # SIGNAL -> 0 if the server exited 0 (hang guard 30 s)
	kill -"$1" "$SRV" 2>/dev/null
	for _ in $(seq 1 600); do
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

# Malformed and oversized input: each case gets the right status (every
# case is checked and reported, whatever the others got), then the server
# still serves.
long=$(head -c 3000 /dev/zero | tr '\0' a)
big=$(head -c 9000 /dev/zero | tr '\0' b)
for c in \
	"garbage|400|GARBAGE\r\n\r\n" \
	"no-host|400|GET / HTTP/1.1\r\n\r\n" \
	"folded-header|400|GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n" \
	"long-uri|414|GET /$long HTTP/1.1\r\nHost: x\r\n\r\n" \
	"big-header|431|GET / HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n" \
	"huge-body|413|GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n" \
	"http2|505|GET / HTTP/2.0\r\nHost: x\r\n\r\n" \
	"chunked|501|GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"; do
	cn=${c%%|*}
	c=${c#*|}
	want=${c%%|*}
	got=$(status "${c#*|}")
	case $got in
	"HTTP/1.1 $want "*) pass "bad-input/$cn" "$want" ;;
	*) fail "bad-input/$cn" "want $want, got '$got'" ;;
	esac
done
if alive; then
	pass bad-input/still-serving
else
	fail bad-input/still-serving "server died"
fi

# Pipelining: three requests in one write, three answers in order.
out=$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /z HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	socat -t 3 -T 5 - "TCP:127.0.0.1:$PORT" 2>/dev/null | tr -d '\r' | grep '^HTTP/1.1' | tr '\n' ,)
if [ "$out" = "HTTP/1.1 200 OK,HTTP/1.1 200 OK,HTTP/1.1 404 Not Found," ]; then
	pass pipelining
else
	fail pipelining "got '$out'"
fi

# held REQUEST: sends REQUEST (printf format) and keeps the connection open
# for up to 60 s (a hang guard, not a time limit); prints the first line of
# the answer.  $work/closer says who ended the connection: "server" when
# the server closed it while the client still held it open.
held() {
	rm -f "$work/client-done" "$work/closer"
	{
		printf "$1"
		sleep 60 &
		echo $! >"$work/sleep.pid"
		wait
		touch "$work/client-done"
	} | {
		socat -t 1 -T 70 - "TCP:127.0.0.1:$PORT" 2>/dev/null
		if [ -f "$work/client-done" ]; then echo client; else echo server; fi >"$work/closer"
		kill "$(cat "$work/sleep.pid")" 2>/dev/null
	} | tr -d '\r' | head -1
}

# Slowloris: a header that never finishes gets 408 (header timeout, 3 s)
# and the server closes the connection.
out=$(held 'GET / HTTP/1.1\r\nHost: x\r\n')
if [ "$out" = "HTTP/1.1 408 Request Timeout" ] && [ "$(cat "$work/closer")" = server ]; then
	pass slowloris "408, then the server closed"
else
	fail slowloris "got '$out', connection closed by the $(cat "$work/closer")"
fi

# An idle keep-alive connection is closed by the server (idle timeout, 2 s).
out=$(held '')
if [ "$(cat "$work/closer")" = server ]; then
	pass idle-timeout "closed by the server${out:+ after '$out'}"
else
	fail idle-timeout "still open after 60 s"
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
	fail sigterm-drain "did not exit 0 within 30 s"
fi
rss=$(sed -n 's/.*process.peak_rss_kib=\([0-9]*\).*/\1/p' "$work/srv.log")
if [ "${SANITIZE:-0}" = 1 ]; then
	skip peak-rss "ASan build (peak ${rss:-?} KiB)"
elif [ -n "$rss" ] && [ "$rss" -le 8192 ]; then
	pass peak-rss "${rss} KiB after $(sed -n 's/.*app.requests=\([0-9]*\).*/\1/p' "$work/srv.log") requests"
else
	fail peak-rss "'$rss' KiB"
fi
wait

# A slow client, one byte at a time, on a server whose header timeout
# (60 s) no machine this slow reaches: the request is still understood.
if start 60000,60000,3000; then
	printf 'GET /?slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$work/req"
	n=$(wc -c <"$work/req")
	out=$( (for i in $(seq 0 $((n - 1))); do dd if="$work/req" bs=1 skip="$i" count=1 2>/dev/null; sleep 0.02; done) |
		socat -t 30 -T 60 - "TCP:127.0.0.1:$PORT" 2>/dev/null | tr -d '\r' | head -1)
	if [ "$out" = "HTTP/1.1 200 OK" ]; then
		pass slow-client "byte by byte: 200"
	else
		fail slow-client "got '$out'"
	fi
	stop TERM
else
	fail slow-client "no 'server starting'"
fi

for sig in INT PWR; do
	if start 3000,2000,3000 && stop $sig && grep -q "app.reason=SIG$sig" "$work/srv.log"; then
		pass "sig$(echo $sig | tr A-Z a-z)" "shutdown request, exit 0"
	else
		fail "sig$(echo $sig | tr A-Z a-z)" "no clean exit"
	fi
done
exit 0
