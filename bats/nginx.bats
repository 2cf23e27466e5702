#!/usr/bin/env bats
# Debian's nginx, unmodified, with the example setup of
# provider/examples/nginx/: TLS through the wd provider (OPENSSL_CONF),
# gzip through libwdz.so.1 (LD_PRELOAD). Each test starts its own nginx in
# the foreground on 127.0.0.1 and a free port, with a prefix directory under
# $BATS_TEST_TMPDIR, and stops it in teardown. Clients (curl, openssl,
# wrk) use the stock libraries; counters come from nginx's processes
# through wdctl.

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

# The example configuration, with the test's paths and a free port. Only
# the module path is added to openssl-wd.cnf: wd.so comes from the build.
nginx_configure() {
	sed -e "s|@USER@|$(id -un)|; s|@WORKERS@|2|; s|@PREFIX@|$P|g" \
	    -e "s|@LISTEN@|127.0.0.1:$PORT|; s|@CERT@|$F/cert.pem|" \
	    -e "s|@KEY@|$F/key.pem|; s|@ROOT@|$F/www|" \
	    "$EXAMPLES/nginx.conf" > "$P/nginx.conf"
	sed -e "s|^# module = .*|module = $top_builddir/provider/.libs/wd.so|" \
	    "$EXAMPLES/openssl-wd.cnf" > "$P/openssl-wd.cnf"
	grep -q "^module = " "$P/openssl-wd.cnf"
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
			nginx -p "$P" -c "$P/nginx.conf" -g 'daemon off;' \
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
	run ldd "$(command -v nginx)"
	[[ "$output" == *"libssl.so.3"* ]]
	[[ "$output" == *"libcrypto.so.3"* ]]
	[[ "$output" == *"libz.so.1"* ]]
	for w in $(nginx_workers); do
		grep -q "/provider/.libs/wd.so" "/proc/$w/maps"
		grep -q "/zlib-shim/.libs/libwdz.so.1" "/proc/$w/maps"
	done
	[ "$(nginx_workers | wc -l)" -eq 2 ]
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
}
