#!/usr/bin/env bats
# Debian's nginx, unmodified, with the example setup of
# provider/examples/nginx/: TLS through the wd provider (OPENSSL_CONF),
# gzip through libwdz.so.1 (LD_PRELOAD). Each test starts its own nginx in
# the foreground on 127.0.0.1 and a free port, with a prefix directory under
# $BATS_TEST_TMPDIR, and stops it in teardown. Clients (curl, openssl,
# wrk) use the stock libraries; counters come from nginx's processes
# through wdctl. Nothing outside the prefix is written (-e: the error log
# before the configuration is read); as non-root, the "user" line is
# ignored with a warning.

load helpers

EXAMPLES="$top_srcdir/provider/examples/nginx"

setup_file() {
	local F="$BATS_FILE_TMPDIR"

	command -v nginx >/dev/null || skip "nginx is not installed"
	command -v curl >/dev/null || skip "curl is not installed"
	[ -f "$top_builddir/provider/.libs/wd.so" ] || skip "wd.so not built"
	[ -f "$top_builddir/zlib-shim/.libs/libwdz.so.1" ] || skip "libwdz.so.1 not built"
	if readelf -d "$top_builddir/zlib-shim/.libs/libwdz.so.1" | grep -q libasan; then
		skip "sanitizer build: an ASan library cannot be preloaded into nginx"
	fi
	unset OPENSSL_CONF
	mkdir -p "$F/www"
	# RSA key and certificate for localhost and 127.0.0.1 (the clients
	# verify it: no -k anywhere)
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$F/key.pem" -out "$F/cert.pem" 2>/dev/null
	echo "hello from nginx over WarpDrive" > "$F/www/index.html"
	head -c 50M /dev/urandom > "$F/www/big.bin"
	sha256sum < "$F/www/big.bin" | cut -d' ' -f1 > "$F/big.sha256"
	# compressible text from this machine (headers), 4 MB
	find /usr/include -name '*.h' -size +1k 2>/dev/null | sort | xargs cat 2>/dev/null |
		head -c 4000000 > "$F/www/text.txt"
	# (a machine without many headers: words, as compressible as text)
	if [ "$(stat -c %s "$F/www/text.txt")" -lt 4000000 ]; then
		python3 -c 'import random, sys; r = random.Random(7); w = [ "".join(r.choice("etaoinshrdlu") for _ in range(r.randint(2, 9))) for _ in range(3000)]; sys.stdout.write(" ".join(r.choice(w) for _ in range(800000)))' |
			head -c 4000000 > "$F/www/text.txt"
	fi
	[ "$(stat -c %s "$F/www/text.txt")" -eq 4000000 ]
	head -c 65536 /dev/urandom > "$F/www/64k.bin"
}

setup() {
	unset OPENSSL_CONF
	F="$BATS_FILE_TMPDIR"
	P="$BATS_TEST_TMPDIR/nginx"
	export WD_STATS_DIR="$BATS_TEST_TMPDIR/stats"
	mkdir -p "$P" "$WD_STATS_DIR"
	CA=(--cacert "$F/cert.pem")
	nginx_start
}

teardown() {
	nginx_stop
}

# ---------------------------------------------------------------- nginx

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The example configuration, with the test's paths and a free port. In
# openssl-wd.cnf, the module path (wd.so comes from the build) and a
# cipher_threshold of 4096: "auto" keeps AES in software on the soft
# device, and the test must see records go through queues. In nginx.conf,
# a test-only location that stores PUT uploads (the records a client
# sends are decrypted by the server).
nginx_configure() {
	local user=root

	# as root, workers stay root (the files are the test's); as anyone
	# else nginx ignores the line with a warning
	[ "$(id -u)" -eq 0 ] || user=nobody
	sed -e "s|@USER@|$user|; s|@WORKERS@|2|; s|@PREFIX@|$P|g" \
	    -e "s|@LISTEN@|127.0.0.1:$PORT|; s|@CERT@|$F/cert.pem|" \
	    -e "s|@KEY@|$F/key.pem|; s|@ROOT@|$F/www|" \
	    "$EXAMPLES/nginx.conf" > "$P/nginx.conf"
	sed -i "s|^\t\troot $F/www;\$|&\n\t\tlocation /upload/ { root $P; dav_methods PUT; client_max_body_size 64m; }|" \
		"$P/nginx.conf"
	grep -q "location /upload/" "$P/nginx.conf"
	mkdir -p "$P/upload"
	sed -e "s|^module = .*|module = $top_builddir/provider/.libs/wd.so|" \
	    -e "s|^cipher_threshold = .*|cipher_threshold = 4096|" \
	    "$EXAMPLES/openssl-wd.cnf" > "$P/openssl-wd.cnf"
	grep -q "^module = $top_builddir/provider/.libs/wd.so$" "$P/openssl-wd.cnf"
	grep -q "^cipher_threshold = 4096$" "$P/openssl-wd.cnf"
}

# Start nginx in the foreground (in the background of this shell) and wait
# until it answers; a port taken meanwhile by someone else gets a retry.
nginx_start() {
	local try i

	for try in 1 2 3; do
		PORT=$(free_port)
		URL="https://localhost:$PORT"
		RESOLVE=(--resolve "localhost:$PORT:127.0.0.1")
		nginx_configure
		# fd 3 is bats's own output: nginx must not hold it
		OPENSSL_CONF="$P/openssl-wd.cnf" \
		LD_PRELOAD="$top_builddir/zlib-shim/.libs/libwdz.so.1" \
			nginx -e "$P/error.log" -p "$P" -c "$P/nginx.conf" -g 'daemon off;' \
			> "$P/stdout" 2>&1 3>&- &
		NGINX_PID=$!
		for i in $(seq 100); do
			if curl -s -o /dev/null "${CA[@]}" "${RESOLVE[@]}" "$URL/"; then
				return 0
			fi
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.1
		done
		nginx_stop
		grep -q "Address already in use" "$P/error.log" "$P/stdout" 2>/dev/null || break
	done
	cat "$P/stdout" "$P/error.log" >&2
	return 1
}

nginx_workers() {
	ps -o pid= --ppid "$NGINX_PID" | tr -d ' '
}

# wait_workers N: until the master has N workers (5 s)
wait_workers() {
	local i

	for i in $(seq 50); do
		[ "$(nginx_workers | wc -l)" -eq "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

nginx_stop() {
	local i workers

	[ -n "${NGINX_PID:-}" ] || return 0
	workers=$(nginx_workers)
	kill -TERM "$NGINX_PID" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$NGINX_PID" 2>/dev/null; then
		echo "nginx $NGINX_PID did not stop: killed" >&2
		kill -KILL "$NGINX_PID" $workers 2>/dev/null || true
	fi
	wait "$NGINX_PID" 2>/dev/null || true
	NGINX_PID=
}

# ---------------------------------------------------------------- clients

# get_https OUT ARGS...: curl a URL with verification; stderr (-v) in OUT.err
get_https() {
	local out=$1

	shift
	curl -sS -v "${CA[@]}" "${RESOLVE[@]}" -o "$out" "$@" 2> "$out.err"
}

# s_client_get LOG ARGS...: a full handshake with openssl s_client (the
# default provider), then GET /index.html on it.
s_client_get() {
	local log=$1

	shift
	printf 'GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
			-CAfile "$F/cert.pem" -verify_return_error -ign_eof "$@" > "$log" 2>&1
}

# ---------------------------------------------------------------- counters

# counters OUT PIDS...: {algorithm: {counter: sum}} over the given
# processes, from wdctl stats --json, written to OUT (JSON).
counters() {
	local out=$1

	shift
	"$WDCTL" --json stats > "$out.raw"
	python3 - "$out.raw" "$@" > "$out" <<-'EOF'
		import json, sys
		j = json.load(open(sys.argv[1]))
		pids = {int(p) for p in sys.argv[2:]}
		tot = {}
		for p in j["processes"]:
		    if p["pid"] not in pids:
		        continue
		    for alg, c in p["algorithms"].items():
		        t = tot.setdefault(alg, {})
		        for k, v in c.items():
		            t[k] = t.get(k, 0) + v
		json.dump(tot, sys.stdout)
	EOF
}

# count FILE ALG COUNTER: one figure of a counters() file (0 when absent)
count() {
	json_get "$1" "j.get('$2', {}).get('$3', 0)"
}

# ---------------------------------------------------------------- tests

@test "nginx links libssl, libcrypto and libz dynamically; workers map wd.so and libwdz.so.1" {
	wait_workers 2
	run ldd "$(command -v nginx)"
	[[ "$output" == *"libssl.so.3"* ]]
	[[ "$output" == *"libcrypto.so.3"* ]]
	[[ "$output" == *"libz.so.1"* ]]
	for w in $(nginx_workers); do
		grep -q "/provider/.libs/wd.so" "/proc/$w/maps"
		grep -q "/zlib-shim/.libs/libwdz.so.1" "/proc/$w/maps"
	done
}

@test "TLS 1.3 TLS_AES_128_GCM_SHA256 with RSA-PSS: curl and openssl s_client" {
	get_https "$BATS_TEST_TMPDIR/c" --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 "$URL/index.html"
	cmp "$BATS_TEST_TMPDIR/c" "$F/www/index.html"
	grep -q "SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256" "$BATS_TEST_TMPDIR/c.err"

	s_client_get "$BATS_TEST_TMPDIR/s" -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
	grep -q "Peer signature type: RSA-PSS" "$BATS_TEST_TMPDIR/s"
	grep -q "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256" "$BATS_TEST_TMPDIR/s"
	grep -q "Verify return code: 0 (ok)" "$BATS_TEST_TMPDIR/s"
	grep -q "^hello from nginx over WarpDrive" "$BATS_TEST_TMPDIR/s"
}

@test "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256: curl and openssl s_client" {
	get_https "$BATS_TEST_TMPDIR/c" --tlsv1.2 --tls-max 1.2 \
		--ciphers ECDHE-RSA-AES128-GCM-SHA256 "$URL/index.html"
	cmp "$BATS_TEST_TMPDIR/c" "$F/www/index.html"
	grep -q "SSL connection using TLSv1.2 / ECDHE-RSA-AES128-GCM-SHA256" "$BATS_TEST_TMPDIR/c.err"

	s_client_get "$BATS_TEST_TMPDIR/s" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
	grep -q "New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256" "$BATS_TEST_TMPDIR/s"
	grep -q "Peer signature type: RSA" "$BATS_TEST_TMPDIR/s"
	grep -q "Verify return code: 0 (ok)" "$BATS_TEST_TMPDIR/s"
	grep -q "^hello from nginx over WarpDrive" "$BATS_TEST_TMPDIR/s"
}

@test "TLS 1.2 plain RSA key exchange AES128-GCM-SHA256: curl and openssl s_client" {
	get_https "$BATS_TEST_TMPDIR/c" --tlsv1.2 --tls-max 1.2 \
		--ciphers AES128-GCM-SHA256 "$URL/index.html"
	cmp "$BATS_TEST_TMPDIR/c" "$F/www/index.html"
	grep -q "SSL connection using TLSv1.2 / AES128-GCM-SHA256" "$BATS_TEST_TMPDIR/c.err"

	s_client_get "$BATS_TEST_TMPDIR/s" -tls1_2 -cipher AES128-GCM-SHA256
	grep -q "New, TLSv1.2, Cipher is AES128-GCM-SHA256" "$BATS_TEST_TMPDIR/s"
	# no ephemeral key: the pre-master secret is RSA-encrypted to the server
	[ "$(grep -c "Server Temp Key" "$BATS_TEST_TMPDIR/s")" -eq 0 ]
	grep -q "Verify return code: 0 (ok)" "$BATS_TEST_TMPDIR/s"
	grep -q "^hello from nginx over WarpDrive" "$BATS_TEST_TMPDIR/s"
}

@test "a 50 MB download over TLS 1.3 and TLS 1.2 has the right sha256" {
	get_https "$BATS_TEST_TMPDIR/b13" --tlsv1.3 "$URL/big.bin"
	[ "$(sha256sum < "$BATS_TEST_TMPDIR/b13" | cut -d' ' -f1)" = "$(cat "$F/big.sha256")" ]
	rm "$BATS_TEST_TMPDIR/b13"
	get_https "$BATS_TEST_TMPDIR/b12" --tlsv1.2 --tls-max 1.2 "$URL/big.bin"
	[ "$(sha256sum < "$BATS_TEST_TMPDIR/b12" | cut -d' ' -f1)" = "$(cat "$F/big.sha256")" ]
}

@test "a 20 MB upload (PUT) over TLS 1.3 and TLS 1.2 arrives intact, decrypted through queues" {
	head -c 20M /dev/urandom > "$BATS_TEST_TMPDIR/up"
	get_https "$BATS_TEST_TMPDIR/r13" --tlsv1.3 -T "$BATS_TEST_TMPDIR/up" -w '%{http_code}' \
		"$URL/upload/a13"
	get_https "$BATS_TEST_TMPDIR/r12" --tlsv1.2 --tls-max 1.2 -T "$BATS_TEST_TMPDIR/up" \
		-w '%{http_code}' "$URL/upload/a12"
	cmp "$BATS_TEST_TMPDIR/up" "$P/upload/a13"
	cmp "$BATS_TEST_TMPDIR/up" "$P/upload/a12"
	counters "$BATS_TEST_TMPDIR/n.json" $(nginx_pids)
	cat "$BATS_TEST_TMPDIR/n.json"
	# the client's records are 16 KiB but for the odd short write of curl:
	# nine tenths of the 40 MB went through queues at least
	[ "$(count "$BATS_TEST_TMPDIR/n.json" aes-gcm bytes_in)" -ge $(( 2 * 20971520 * 9 / 10 )) ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" aes-gcm errors)" -eq 0 ]
}

@test "Accept-Encoding: gzip gives a gzip body that decodes to the file" {
	get_https "$BATS_TEST_TMPDIR/t.gz" -H "Accept-Encoding: gzip" -D "$BATS_TEST_TMPDIR/h" \
		"$URL/text.txt"
	grep -qi "^content-encoding: gzip" "$BATS_TEST_TMPDIR/h"
	gzip -t "$BATS_TEST_TMPDIR/t.gz"
	gzip -dc "$BATS_TEST_TMPDIR/t.gz" | cmp - "$F/www/text.txt"
	# compressed, not stored
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/t.gz")" -lt $(( $(stat -c %s "$F/www/text.txt") / 2 )) ]
	# a client that does not ask gets the plain file
	get_https "$BATS_TEST_TMPDIR/t" -D "$BATS_TEST_TMPDIR/h2" "$URL/text.txt"
	[ "$(grep -ci "^content-encoding" "$BATS_TEST_TMPDIR/h2")" -eq 0 ]
	cmp "$BATS_TEST_TMPDIR/t" "$F/www/text.txt"
	# 8 at once, over both workers: every stream decodes to the file
	# (wait for each curl by pid: nginx is a child of this shell too)
	local i pids=()
	for i in 1 2 3 4 5 6 7 8; do
		curl -sS "${CA[@]}" "${RESOLVE[@]}" -H "Accept-Encoding: gzip" \
			-o "$BATS_TEST_TMPDIR/p$i.gz" "$URL/text.txt" 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	for i in 1 2 3 4 5 6 7 8; do
		gzip -dc "$BATS_TEST_TMPDIR/p$i.gz" | cmp - "$F/www/text.txt"
	done
	# nginx's gzip filter allocates through its own zalloc: no complaint
	[ "$(grep -cE '\[(alert|crit|emerg|error)\]' "$P/error.log")" -eq 0 ]
}

# ------------------------------------------------------ access log figures

# full_handshakes FILTER: full handshakes (first request of a connection,
# no session reuse) in the access log whose line matches the regex FILTER.
full_handshakes() {
	grep -E "$1" "$P/access.log" | grep -cE ' \. pid=[0-9]+ conn=[0-9]+ req=1$' || true
}

# bytes_sent URI: bytes nginx sent (headers and body) for URI, summed.
# (printf: mawk prints a sum past 2^31 as 2.1e+09, which [ cannot compare)
bytes_sent() {
	awk -v u="$1" '$4 == "\"GET" && $5 == u { s += $8 } END { printf "%.0f\n", s }' "$P/access.log"
}

# gcm_floor URI: the bytes of the responses to URI that must have gone
# through the queues. nginx writes 16 KiB records (ssl_buffer_size); all
# but the last record of a response exceed cipher_threshold of
# openssl-wd.cnf, and the last one may be shorter and stay in software.
gcm_floor() {
	local t

	t=$(sed -n 's/^cipher_threshold *= *\([0-9]*\)$/\1/p' "$P/openssl-wd.cnf")
	[ -n "$t" ] && [ "$t" -le 16384 ]
	awk -v u="$1" -v t="$t" '$4 == "\"GET" && $5 == u { s += $8 - t } END { printf "%.0f\n", s }' "$P/access.log"
}

# nginx_pids: the master and its workers. The master does no TLS or gzip
# work itself; see the per-worker test for why it is counted.
nginx_pids() {
	echo "$NGINX_PID"
	nginx_workers
}

# some_traffic: 2 full handshakes of each suite the tests name, a 50 MB
# download and a gzip fetch.
some_traffic() {
	local i c=$BATS_TEST_TMPDIR/c

	for i in 1 2; do
		get_https "$c" --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 "$URL/index.html"
		get_https "$c" --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 "$URL/index.html"
		get_https "$c" --tlsv1.2 --tls-max 1.2 --ciphers AES128-GCM-SHA256 "$URL/index.html"
	done
	get_https "$c" --tlsv1.3 "$URL/big.bin"
	[ "$(sha256sum < "$c" | cut -d' ' -f1)" = "$(cat "$F/big.sha256")" ]
	get_https "$c" -H "Accept-Encoding: gzip" "$URL/text.txt"
	gzip -dc "$c" | cmp - "$F/www/text.txt"
	rm -f "$c"
}

@test "counters of nginx's processes: RSA signatures, AES-GCM and deflate bytes went through queues" {
	some_traffic
	counters "$BATS_TEST_TMPDIR/n.json" $(nginx_pids)
	cat "$P/access.log"
	cat "$BATS_TEST_TMPDIR/n.json"
	# every full handshake of TLS 1.3 and ECDHE signs with the RSA key
	sig=$(full_handshakes 'TLSv1.3|ECDHE-RSA')
	[ "$sig" -ge 6 ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" rsa-sign offloaded)" -ge "$sig" ]
	# the 16 KiB records of the 50 MB response
	[ "$(bytes_sent /big.bin)" -gt 52428800 ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" aes-gcm bytes_in)" -ge "$(gcm_floor /big.bin)" ]
	# the gzip response: one deflate stream fed the whole file
	[ "$(count "$BATS_TEST_TMPDIR/n.json" deflate offloaded)" -ge 1 ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" deflate bytes_in)" -ge "$(stat -c %s "$F/www/text.txt")" ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" deflate errors)" -eq 0 ]
}

@test "counters: the RSA decryption of a plain RSA key exchange goes through a queue" {
	some_traffic
	counters "$BATS_TEST_TMPDIR/n.json" $(nginx_pids)
	cat "$BATS_TEST_TMPDIR/n.json"
	kx=$(full_handshakes ' AES128-GCM-SHA256 ')
	echo "plain RSA key exchanges: $kx"
	[ "$kx" -ge 2 ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" rsa-decrypt offloaded)" -ge "$kx" ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" rsa-decrypt errors)" -eq 0 ]
}

# Each worker that served full handshakes has its own counter file with
# them; the master's file has none of that work.
check_per_worker() {
	local w sig n

	for w in $(grep -oE 'pid=[0-9]+' "$P/access.log" | sort -u | cut -d= -f2); do
		counters "$BATS_TEST_TMPDIR/w$w.json" "$w" || return 1
		sig=$(full_handshakes "(TLSv1.3|ECDHE-RSA).* pid=$w ")
		n=$(count "$BATS_TEST_TMPDIR/w$w.json" rsa-sign offloaded)
		echo "worker $w: $sig signing handshakes, rsa-sign offloaded $n"
		[ "$n" -ge "$sig" ] || return 1
	done
	counters "$BATS_TEST_TMPDIR/m.json" "$NGINX_PID" || return 1
	echo "master $NGINX_PID: $(cat "$BATS_TEST_TMPDIR/m.json")"
	[ "$(count "$BATS_TEST_TMPDIR/m.json" rsa-sign offloaded)" -eq 0 ] &&
	[ "$(count "$BATS_TEST_TMPDIR/m.json" aes-gcm offloaded)" -eq 0 ] &&
	[ "$(count "$BATS_TEST_TMPDIR/m.json" deflate offloaded)" -eq 0 ]
}

@test "each worker publishes its own counters, the master none of the TLS and gzip work" {
	some_traffic
	check_per_worker
}

@test "nginx -s reload: new workers open their own queues and serve TLS and gzip" {
	local old new i c=$BATS_TEST_TMPDIR/c

	get_https "$c" --tlsv1.3 "$URL/index.html"
	old=$(nginx_workers | sort)
	[ -n "$old" ]
	nginx -e "$P/error.log" -p "$P" -c "$P/nginx.conf" -s reload
	# the old workers finish (their connections are closed) and exit
	for i in $(seq 100); do
		new=$(nginx_workers | sort)
		[ "$(echo "$new" | grep -c .)" -eq 2 ] &&
			[ -z "$(comm -12 <(echo "$old") <(echo "$new"))" ] && break
		sleep 0.1
	done
	echo "workers before: $old; after: $new"
	[ -n "$new" ] && [ -z "$(comm -12 <(echo "$old") <(echo "$new"))" ]
	[ "$(echo "$new" | wc -l)" -eq 2 ]
	counters "$BATS_TEST_TMPDIR/before.json" "$NGINX_PID" $new
	for i in 1 2 3; do
		get_https "$c" --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 "$URL/index.html"
		cmp "$c" "$F/www/index.html"
	done
	get_https "$c" --tlsv1.2 --tls-max 1.2 "$URL/64k.bin"
	cmp "$c" "$F/www/64k.bin"
	get_https "$c" -H "Accept-Encoding: gzip" "$URL/text.txt"
	gzip -dc "$c" | cmp - "$F/www/text.txt"
	counters "$BATS_TEST_TMPDIR/after.json" "$NGINX_PID" $new
	cat "$BATS_TEST_TMPDIR/before.json" "$BATS_TEST_TMPDIR/after.json"
	for alg in rsa-sign aes-gcm deflate; do
		b=$(count "$BATS_TEST_TMPDIR/before.json" $alg offloaded)
		a=$(count "$BATS_TEST_TMPDIR/after.json" $alg offloaded)
		echo "$alg offloaded: $b -> $a"
		[ "$a" -gt "$b" ]
	done
	[ "$(( $(count "$BATS_TEST_TMPDIR/after.json" rsa-sign offloaded) -
	       $(count "$BATS_TEST_TMPDIR/before.json" rsa-sign offloaded) ))" -ge 4 ]
	[ "$(grep -cE '\[(alert|crit|emerg)\]' "$P/error.log")" -eq 0 ]
}

@test "20 s of load on loopback: 4 clients of new handshakes, then wrk with 8 keep-alive connections, zero errors" {
	local i pids=()

	command -v wrk >/dev/null || skip "wrk is not installed"
	# full handshakes (no resumption), a GET on each connection; s_time
	# stops with an error at the first failed connection
	for i in 1 2 3 4; do
		timeout 60 openssl s_time -connect "127.0.0.1:$PORT" -new -time 8 \
			-www /index.html > "$BATS_TEST_TMPDIR/s_time$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in 1 2 3 4; do
		wait "${pids[$((i - 1))]}"
		cat "$BATS_TEST_TMPDIR/s_time$i"
		grep -qE '^[1-9][0-9]* connections in [0-9]+ real seconds' "$BATS_TEST_TMPDIR/s_time$i"
		[ "$(grep -c ERROR "$BATS_TEST_TMPDIR/s_time$i")" -eq 0 ]
	done
	# keep-alive, 64 KiB responses: records big enough for the queues
	timeout 60 wrk -t 2 -c 8 -d 10s --timeout 10s \
		"https://127.0.0.1:$PORT/64k.bin" > "$BATS_TEST_TMPDIR/wrk"
	cat "$BATS_TEST_TMPDIR/wrk"
	grep -qE '^ +[1-9][0-9]* requests in' "$BATS_TEST_TMPDIR/wrk"
	[ "$(grep -cE 'Socket errors|Non-2xx' "$BATS_TEST_TMPDIR/wrk")" -eq 0 ]
	# nginx saw no failed request and logged no trouble
	[ "$(awk '$7 != 200' "$P/access.log" | wc -l)" -eq 0 ]
	[ "$(grep -cE '\[(alert|crit|emerg|error)\]' "$P/error.log")" -eq 0 ]
	# and the work went through the queues
	counters "$BATS_TEST_TMPDIR/n.json" $(nginx_pids)
	cat "$BATS_TEST_TMPDIR/n.json"
	sig=$(full_handshakes 'TLSv1.3|ECDHE-RSA')
	echo "full handshakes: $sig"
	[ "$sig" -ge 100 ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" rsa-sign offloaded)" -ge "$sig" ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" aes-gcm bytes_in)" -ge "$(gcm_floor /64k.bin)" ]
	[ "$(gcm_floor /64k.bin)" -gt 10000000 ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" rsa-sign errors)" -eq 0 ]
	[ "$(count "$BATS_TEST_TMPDIR/n.json" aes-gcm errors)" -eq 0 ]
}

@test "the systemd drop-in applies to Debian's nginx.service: OPENSSL_CONF and the shim's LD_PRELOAD" {
	local unit=/lib/systemd/system/nginx.service d=$BATS_TEST_TMPDIR/sd

	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	[ -f "$unit" ] || skip "no $unit"
	mkdir -p "$d/nginx.service.d"
	cp "$unit" "$d/"
	cp "$EXAMPLES/nginx-wd.conf" "$d/nginx.service.d/warpdrive.conf"
	# the unit as systemd loads it, drop-in included
	(cd "$d" && SYSTEMD_LOG_LEVEL=debug timeout 30 systemd-analyze verify --man=no ./nginx.service) \
		> "$d/verify" 2>&1 || true
	grep -q "DropIn Path: .*/nginx.service.d/warpdrive.conf" "$d/verify"
	grep -q "Environment: OPENSSL_CONF=/etc/ssl/openssl-wd.cnf$" "$d/verify"
	grep -q "Environment: LD_PRELOAD=/usr/local/lib/libwdz.so.1$" "$d/verify"
	# paths that agree with openssl-wd.cnf's module (the same prefix)
	grep -q "^module = /usr/local/lib/ossl-modules/wd.so$" "$EXAMPLES/openssl-wd.cnf"
}
