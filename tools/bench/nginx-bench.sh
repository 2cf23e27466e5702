#!/bin/sh
# nginx-bench.sh TOP_BUILDDIR TOP_SRCDIR - `make bench` lines of the nginx
# area (DESIGN.md format):
#
#   BENCH nginx-tls-handshakes   new full TLS 1.3 handshakes per second
#                                (openssl s_time -new, 2 clients, a GET on
#                                each connection)
#   BENCH nginx-https-throughput MB/s of a 64 MiB file downloaded 4 times
#                                over one keep-alive TLS 1.3 connection (curl)
#
# The wd server's AES records go to the queues from 4 KiB
# (WD_BENCH_CIPHER_THRESHOLD, default 4096; "auto" is the shipped setting).
#
# Two copies of Debian's nginx run side by side with the same nginx.conf
# (provider/examples/nginx/): "wd" with openssl-wd.cnf, "default" with an
# openssl.cnf that activates the default provider only. They are measured
# alternately, best of $WD_BENCH_RUNS (default 3) each, in this one run;
# ratio is wd / default. Clients use the stock default provider. Loopback
# only; everything lives in a temporary directory removed at the end.
set -eu
top=$1
src=$2
runs=${WD_BENCH_RUNS:-3}
secs=${WD_BENCH_SECS:-4}

if ! command -v nginx >/dev/null || ! command -v curl >/dev/null; then
	echo "BENCH nginx-tls-handshakes skipped=1 reason=nginx_or_curl_not_installed"
	exit 0
fi
unset OPENSSL_CONF LD_PRELOAD
dir=$(mktemp -d "${TMPDIR:-/tmp}/wd-nginx-bench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir -p "$dir/www"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
echo "hello from nginx" > "$dir/www/index.html"
head -c 64M /dev/urandom > "$dir/www/big.bin"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME OPENSSL_CNF [PRELOAD]: an nginx on a free port; sets port_NAME
start() {
	p="$dir/$1"
	mkdir -p "$p"
	port=$(free_port)
	user=root	# as anyone else, nginx ignores the line
	[ "$(id -u)" -eq 0 ] || user=nobody
	sed -e "s|@USER@|$user|; s|@WORKERS@|2|; s|@PREFIX@|$p|g" \
	    -e "s|@LISTEN@|127.0.0.1:$port|; s|@CERT@|$dir/cert.pem|" \
	    -e "s|@KEY@|$dir/key.pem|; s|@ROOT@|$dir/www|" \
	    -e "s|^\(\taccess_log\).*|\1 off;|" \
	    "$src/provider/examples/nginx/nginx.conf" > "$p/nginx.conf"
	OPENSSL_CONF="$2" LD_PRELOAD="${3:-}" WD_STATS_DIR=off \
		nginx -e "$p/error.log" -p "$p" -c "$p/nginx.conf" -g 'daemon off;' > "$p/stdout" 2>&1 &
	npid=$!
	pids="$pids $npid"
	i=0
	until curl -s -o /dev/null --cacert "$dir/cert.pem" "https://127.0.0.1:$port/"; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			echo "BENCH nginx-tls-handshakes error=nginx_$1_did_not_start"
			cat "$p/stdout" "$p/error.log" >&2 || true
			exit 0
		fi
		sleep 0.1
	done
	eval "port_$1=$port"
	eval "master_$1=$npid"
}

# AES records on the queues from 4 KiB, as in the test ("auto" keeps AES
# in software on the soft device): WD_BENCH_CIPHER_THRESHOLD=auto measures
# the shipped setting instead.
threshold=${WD_BENCH_CIPHER_THRESHOLD:-4096}
sed -e "s|^module = .*|module = $top/provider/.libs/wd.so|" \
    -e "s|^cipher_threshold = .*|cipher_threshold = $threshold|" \
	"$src/provider/examples/nginx/openssl-wd.cnf" > "$dir/openssl-wd.cnf"
cat > "$dir/openssl-default.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
[default_sect]
activate = 1
EOF
start wd "$dir/openssl-wd.cnf" "$top/zlib-shim/.libs/libwdz.so.1"
start default "$dir/openssl-default.cnf"

now() {
	date +%s.%N
}

# cpu_ticks MASTER_PID: CPU time (user + system, all threads, clock ticks)
# the master's workers used so far. On a shared, overloaded machine the
# rate of a server with more threads (wd's soft engines) also reflects a
# bigger share of the scheduler; CPU per operation does not.
cpu_ticks() {
	for w in $(ps -o pid= --ppid "$1"); do
		awk '{ print $14 + $15 }' "/proc/$w/stat" 2>/dev/null || true
	done | awk '{ s += $1 } END { print s + 0 }'
}

# handshakes PORT MASTER: full handshakes per second, 2 s_time clients at
# once; prints "rate cpu_ms_per_handshake"
handshakes() {
	k0=$(cpu_ticks "$2")
	t0=$(now)
	openssl s_time -connect "127.0.0.1:$1" -new -time "$secs" -www /index.html \
		> "$dir/st1" 2>&1 &
	c1=$!
	openssl s_time -connect "127.0.0.1:$1" -new -time "$secs" -www /index.html \
		> "$dir/st2" 2>&1 &
	c2=$!
	wait $c1 && wait $c2 || { echo 0 0; return; }
	t1=$(now)
	k1=$(cpu_ticks "$2")
	n=$(sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p' "$dir/st1" "$dir/st2" |
	    awk '{ s += $1 } END { print s + 0 }')
	awk -v n="$n" -v a="$t0" -v b="$t1" -v k="$((k1 - k0))" -v hz="$hz" \
		'BEGIN { if (n > 0) printf "%.1f %.3f\n", n / (b - a), k * 1000 / hz / n; else print 0, 0 }'
}

# throughput PORT MASTER: MB/s of 4 downloads of big.bin on one
# connection; prints "mbps cpu_ms_per_MB"
throughput() {
	u="https://127.0.0.1:$1/big.bin"
	k0=$(cpu_ticks "$2")
	t0=$(now)
	curl -s --cacert "$dir/cert.pem" -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
		"$u" "$u" "$u" "$u" || { echo 0 0; return; }
	t1=$(now)
	k1=$(cpu_ticks "$2")
	awk -v a="$t0" -v b="$t1" -v k="$((k1 - k0))" -v hz="$hz" 'BEGIN {
		mb = 4 * 64 * 1048576 / 1e6
		printf "%.1f %.3f\n", mb / (b - a), k * 1000 / hz / mb
	}'
}

# best FUNC: the best of $runs runs of FUNC on each server, alternately
# (and the CPU per operation of that run); prints "wd wd_cpu default def_cpu"
best() {
	bw="0 0"
	bd="0 0"
	i=0
	while [ $i -lt "$runs" ]; do
		w=$($1 "$port_wd" "$master_wd")
		d=$($1 "$port_default" "$master_default")
		bw=$(echo "$bw $w" | awk '{ print ($3 > $1) ? $3 " " $4 : $1 " " $2 }')
		bd=$(echo "$bd $d" | awk '{ print ($3 > $1) ? $3 " " $4 : $1 " " $2 }')
		i=$((i + 1))
	done
	echo "$bw $bd"
}

line() {	# name unit cpu_unit wd wd_cpu default default_cpu
	awk -v n="$1" -v u="$2" -v cu="$3" -v w="$4" -v wc="$5" -v d="$6" -v dc="$7" \
	    -v t="$threshold" 'BEGIN {
		if (w <= 0 || d <= 0) {
			printf "BENCH %s error=failed_run wd_%s=%s default_%s=%s\n", n, u, w, u, d
			exit
		}
		printf "BENCH %s wd_%s=%.1f default_%s=%.1f wd_cpu_%s=%.3f default_cpu_%s=%.3f",
		       n, u, w, u, d, cu, wc, cu, dc
		printf " cipher_threshold=%s ratio=%.2f\n", t, w / d
	}'
}

hz=$(getconf CLK_TCK)
set -- $(best handshakes)
line nginx-tls-handshakes hps ms_per_handshake "$@"
set -- $(best throughput)
line nginx-https-throughput mbps ms_per_mb "$@"
