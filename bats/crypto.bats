#!/usr/bin/env bats
# The wd provider through the openssl command: every result is compared
# with the same command on the default provider alone, and the counters of
# a long-lived openssl (s_server) prove the work went through a queue.

load helpers

setup_file() {
	export OPENSSL_MODULES="$top_builddir/provider/.libs"
	D="$BATS_FILE_TMPDIR"
	# one key made by the default provider, shared by the tests
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$D/k.pem" 2>/dev/null
	openssl pkey -in "$D/k.pem" -pubout -out "$D/pub.pem"
	head -c 100000 /dev/urandom > "$D/data"
	openssl dgst -sha256 -binary "$D/data" > "$D/h"
	# wd preferred, with AES on the queues from 4 KiB (the "auto" default
	# keeps AES in software on the soft device)
	cat > "$D/wd.cnf" <<-EOF
		openssl_conf = init
		[init]
		providers = prov
		alg_section = algs
		[prov]
		wd = wd_sect
		default = def_sect
		[wd_sect]
		activate = 1
		cipher_threshold = 4096
		[def_sect]
		activate = 1
		[algs]
		default_properties = ?provider=wd
	EOF
}

setup() {
	D="$BATS_FILE_TMPDIR"
	T="$BATS_TEST_TMPDIR"
	# wd first, default beside it for what wd does not implement
	WD=(-provider wd -provider default -propquery '?provider=wd')
	KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
	IV=0f0e0d0c0b0a09080706050403020100
}

@test "openssl list -providers shows wd active" {
	run openssl list -providers "${WD[@]}"
	[ "$status" -eq 0 ]
	[[ "$output" == *"wd"*"WarpDrive"*"status: active"* ]]
}

@test "openssl list: wd's RSA; its AES only where a queue may take it" {
	run bash -c "openssl list -signature-algorithms -provider wd -provider default | grep '@ wd'"
	[[ "$output" == *"rsaEncryption"*"@ wd"* ]]
	# cipher_threshold auto on the soft device: AES is left to default
	run bash -c "openssl list -cipher-algorithms -provider wd -provider default | grep -c '@ wd'"
	[ "$output" -eq 0 ]
	run bash -c "OPENSSL_CONF='$D/wd.cnf' openssl list -cipher-algorithms | grep '@ wd'"
	[[ "$output" == *"AES-256-CBC"*"@ wd"* ]]
	[[ "$output" == *"id-aes128-GCM"*"@ wd"* ]]
	[[ "$output" == *"AES-256-XTS"*"@ wd"* ]]
}

@test "-provider wd on its own: genpkey, dgst -sign and enc work" {
	run openssl genpkey -provider wd -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/own.pem"
	[ "$status" -eq 0 ]
	openssl dgst -sha256 -provider wd -sign "$D/k.pem" -out "$T/d.own" "$D/data"
	openssl dgst -sha256 -sign "$D/k.pem" -out "$T/d.def" "$D/data"
	cmp "$T/d.own" "$T/d.def"
	openssl enc -aes-256-ctr -provider wd -K $KEY -iv $IV -in "$D/data" -out "$T/e.own"
	openssl enc -aes-256-ctr -K $KEY -iv $IV -in "$D/data" -out "$T/e.def"
	cmp "$T/e.own" "$T/e.def"
}

@test "genpkey with wd makes a key the default provider accepts" {
	run openssl genpkey "${WD[@]}" -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/g.pem"
	[ "$status" -eq 0 ]
	run openssl pkey -in "$T/g.pem" -check -noout
	[ "$status" -eq 0 ]
	[[ "$output" == *"Key is valid"* ]]
	run openssl pkey -in "$T/g.pem" -text -noout
	[[ "$output" == *"(1024 bit, 2 primes)"* ]]
}

@test "pkey with wd prints and converts keys as the default provider does" {
	openssl pkey "${WD[@]}" -in "$D/k.pem" -pubout -out "$T/pub.wd"
	cmp "$T/pub.wd" "$D/pub.pem"
	openssl pkey "${WD[@]}" -in "$D/k.pem" -text -noout > "$T/t.wd"
	openssl pkey -in "$D/k.pem" -text -noout > "$T/t.def"
	cmp "$T/t.wd" "$T/t.def"
}

@test "pkeyutl -sign PKCS#1 v1.5 with wd gives the default's bytes" {
	openssl pkeyutl -sign "${WD[@]}" -inkey "$D/k.pem" -in "$D/h" -out "$T/s.wd" -pkeyopt digest:sha256
	openssl pkeyutl -sign -inkey "$D/k.pem" -in "$D/h" -out "$T/s.def" -pkeyopt digest:sha256
	cmp "$T/s.wd" "$T/s.def"
}

@test "pkeyutl PSS: wd signs, default verifies, and the other way" {
	openssl pkeyutl -sign "${WD[@]}" -inkey "$D/k.pem" -in "$D/h" -out "$T/p.wd" \
		-pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:max
	run openssl pkeyutl -verify -pubin -inkey "$D/pub.pem" -in "$D/h" -sigfile "$T/p.wd" \
		-pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:auto
	[[ "$output" == *"Verified Successfully"* ]]
	openssl pkeyutl -sign -inkey "$D/k.pem" -in "$D/h" -out "$T/p.def" \
		-pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss
	run openssl pkeyutl -verify "${WD[@]}" -pubin -inkey "$D/pub.pem" -in "$D/h" -sigfile "$T/p.def" \
		-pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss
	[[ "$output" == *"Verified Successfully"* ]]
}

@test "pkeyutl -verify with wd rejects a changed signature" {
	openssl pkeyutl -sign -inkey "$D/k.pem" -in "$D/h" -out "$T/s" -pkeyopt digest:sha256
	# flip byte 10: writing a fixed byte there left the signature as it was
	# whenever it already held that byte, once in 256 runs (CI, 2026-12-02)
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[10] ^= 0xff; open(sys.argv[1], "wb").write(b)' "$T/s"
	run openssl pkeyutl -verify "${WD[@]}" -pubin -inkey "$D/pub.pem" -in "$D/h" -sigfile "$T/s" -pkeyopt digest:sha256
	[ "$status" -ne 0 ]
	[[ "$output" == *"Verification Failure"* ]]
}

@test "pkeyutl -encrypt/-decrypt PKCS#1 and OAEP across wd and default" {
	head -c 100 "$D/data" > "$T/m"
	for pad in "rsa_padding_mode:pkcs1" "rsa_padding_mode:oaep"; do
		openssl pkeyutl -encrypt -pubin -inkey "$D/pub.pem" -in "$T/m" -out "$T/c" -pkeyopt "$pad"
		openssl pkeyutl -decrypt "${WD[@]}" -inkey "$D/k.pem" -in "$T/c" -out "$T/m.wd" -pkeyopt "$pad"
		cmp "$T/m" "$T/m.wd"
		openssl pkeyutl -encrypt "${WD[@]}" -pubin -inkey "$D/pub.pem" -in "$T/m" -out "$T/c2" -pkeyopt "$pad"
		openssl pkeyutl -decrypt -inkey "$D/k.pem" -in "$T/c2" -out "$T/m.def" -pkeyopt "$pad"
		cmp "$T/m" "$T/m.def"
	done
}

@test "pkeyutl -decrypt with wd of garbage fails cleanly with an error" {
	head -c 256 /dev/urandom > "$T/g"
	printf '\000' | dd of="$T/g" bs=1 conv=notrunc 2>/dev/null
	run openssl pkeyutl -decrypt "${WD[@]}" -inkey "$D/k.pem" -in "$T/g" -pkeyopt rsa_padding_mode:oaep
	[ "$status" -eq 1 ]
	[[ "$output" == *"error"* ]]
}

@test "dgst -sign with wd gives the default's bytes; dgst -verify accepts them" {
	openssl dgst -sha384 "${WD[@]}" -sign "$D/k.pem" -out "$T/d.wd" "$D/data"
	openssl dgst -sha384 -sign "$D/k.pem" -out "$T/d.def" "$D/data"
	cmp "$T/d.wd" "$T/d.def"
	run openssl dgst -sha384 "${WD[@]}" -verify "$D/pub.pem" -signature "$T/d.def" "$D/data"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Verified OK"* ]]
}

@test "enc -aes-256-cbc and -aes-256-ctr with wd equal the default both ways" {
	for c in aes-256-cbc aes-256-ctr aes-128-cbc; do
		openssl enc -$c "${WD[@]}" -K $KEY -iv $IV -in "$D/data" -out "$T/e.wd"
		openssl enc -$c -K $KEY -iv $IV -in "$D/data" -out "$T/e.def"
		cmp "$T/e.wd" "$T/e.def"
		openssl enc -d -$c "${WD[@]}" -K $KEY -iv $IV -in "$T/e.def" -out "$T/back"
		cmp "$T/back" "$D/data"
	done
}

@test "enc with AES on the queues (cipher_threshold 4096) equals the default" {
	for c in aes-256-cbc aes-256-ctr aes-192-ecb; do
		OPENSSL_CONF="$D/wd.cnf" openssl enc -$c -K $KEY -iv $IV -in "$D/data" -out "$T/e.wd" 2>/dev/null
		openssl enc -$c -K $KEY -iv $IV -in "$D/data" -out "$T/e.def" 2>/dev/null
		cmp "$T/e.wd" "$T/e.def"
		OPENSSL_CONF="$D/wd.cnf" openssl enc -d -$c -K $KEY -iv $IV -in "$T/e.def" -out "$T/back" 2>/dev/null
		cmp "$T/back" "$D/data"
	done
}

@test "enc -d -aes-256-cbc with wd and a wrong key: bad decrypt, exit 1" {
	openssl enc -aes-256-cbc -K $KEY -iv $IV -in "$D/data" -out "$T/e"
	run openssl enc -d -aes-256-cbc "${WD[@]}" -K ff$(echo $KEY | cut -c3-) -iv $IV -in "$T/e" -out "$T/x"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad decrypt"* ]]
}

@test "no device (WD_DEVICE names none): wd falls back, same results" {
	WD_DEVICE=no-such-device openssl dgst -sha256 "${WD[@]}" -sign "$D/k.pem" -out "$T/d.nodev" "$D/data"
	openssl dgst -sha256 -sign "$D/k.pem" -out "$T/d.def" "$D/data"
	cmp "$T/d.nodev" "$T/d.def"
	WD_DEVICE=no-such-device OPENSSL_CONF="$D/wd.cnf" openssl enc -aes-256-cbc -K $KEY -iv $IV -in "$D/data" -out "$T/e.nodev"
	openssl enc -aes-256-cbc -K $KEY -iv $IV -in "$D/data" -out "$T/e.def"
	cmp "$T/e.nodev" "$T/e.def"
	head -c 100 "$D/data" > "$T/m"
	openssl pkeyutl -encrypt -pubin -inkey "$D/pub.pem" -in "$T/m" -out "$T/c"
	WD_DEVICE=no-such-device openssl pkeyutl -decrypt "${WD[@]}" -inkey "$D/k.pem" -in "$T/c" -out "$T/m.nodev"
	cmp "$T/m" "$T/m.nodev"
}

@test "the example openssl.cnf makes wd the preferred provider" {
	OPENSSL_CONF="$top_srcdir/provider/examples/openssl.cnf" \
		openssl dgst -sha256 -sign "$D/k.pem" -out "$T/d.cnf" "$D/data"
	openssl dgst -sha256 -sign "$D/k.pem" -out "$T/d.def" "$D/data"
	cmp "$T/d.cnf" "$T/d.def"
	run env OPENSSL_CONF="$top_srcdir/provider/examples/openssl.cnf" openssl list -providers
	[[ "$output" == *"wd"*"status: active"* ]]
}

# TLS through s_server with wd: its counters, read by wdctl while it runs,
# show the handshake's RSA signature done on a queue.
@test "s_server with wd: wdctl stats shows rsa-sign, rsa-decrypt, aes-gcm offloaded" {
	openssl req -x509 -new -key "$D/k.pem" -subj /CN=wd-test -days 1 -out "$T/cert.pem" 2>/dev/null
	port=$((20000 + RANDOM % 20000))
	OPENSSL_CONF="$D/wd.cnf" openssl s_server -accept "$port" -cert "$T/cert.pem" -key "$D/k.pem" \
		-www < /dev/null > "$T/srv.out" 2>&1 3>&- &
	srv=$!
	for _ in $(seq 200); do	# up to 20 s on a loaded machine
		grep -q ACCEPT "$T/srv.out" && break
		sleep 0.1
	done
	# TLS 1.2 with AES-GCM records (tlsaad), then TLS 1.3; -www answers
	# with a page large enough for its records to go to a queue
	run bash -c "printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect 127.0.0.1:$port -cipher ECDHE-RSA-AES128-GCM-SHA256 -tls1_2 -quiet 2>/dev/null"
	out12="$output"
	run bash -c "printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect 127.0.0.1:$port -quiet 2>/dev/null"
	out13="$output"
	# TLS 1.2 RSA key exchange: the pre-master secret decrypted on a queue
	run bash -c "printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect 127.0.0.1:$port -cipher AES128-GCM-SHA256 -tls1_2 -quiet 2>/dev/null"
	outkx="$output"
	"$WDCTL" stats --json --pid "$srv" > "$T/s.json" || true
	kill "$srv"
	wait "$srv" || true
	[[ "$out12" == *"HTTP/1.0 200 ok"*"Ciphers supported"* ]]
	[[ "$out13" == *"HTTP/1.0 200 ok"*"Ciphers supported"* ]]
	[[ "$outkx" == *"HTTP/1.0 200 ok"*"Ciphers supported"* ]]
	run json_get "$T/s.json" "j['processes'][0]['algorithms']['rsa-decrypt']['offloaded']"
	[ "$output" -ge 1 ]
	run json_get "$T/s.json" "j['processes'][0]['algorithms']['rsa-sign']['offloaded']"
	[ "$status" -eq 0 ]
	[ "$output" -ge 2 ]
	run json_get "$T/s.json" "j['processes'][0]['algorithms']['aes-gcm']['offloaded']"
	[ "$output" -ge 1 ]
}

# SSL_MODE_ASYNC: the handshake signatures run inside ASYNC jobs, which
# pause on wd's wait fd while a completion thread waits for the device.
@test "s_server -async with wd: TLS works, signatures offloaded from jobs" {
	openssl req -x509 -new -key "$D/k.pem" -subj /CN=wd-test -days 1 -out "$T/cert.pem" 2>/dev/null
	port=$((20000 + RANDOM % 20000))
	openssl s_server "${WD[@]}" -async -accept "$port" -cert "$T/cert.pem" -key "$D/k.pem" \
		-www < /dev/null > "$T/srv.out" 2>&1 3>&- &
	srv=$!
	for _ in $(seq 200); do	# up to 20 s on a loaded machine
		grep -q ACCEPT "$T/srv.out" && break
		sleep 0.1
	done
	ok=0
	for _ in 1 2 3; do
		printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect 127.0.0.1:$port -quiet 2>/dev/null |
			grep -q "HTTP/1.0 200 ok" && ok=$((ok + 1))
	done
	"$WDCTL" stats --json --pid "$srv" > "$T/s.json" || true
	kill "$srv"
	wait "$srv" || true
	[ "$ok" -eq 3 ]
	run json_get "$T/s.json" "j['processes'][0]['algorithms']['rsa-sign']['offloaded']"
	[ "$output" -ge 3 ]
}

# A program that fetches without properties (openssl speed) still gets wd
# when it loads wd first: wd brings default in behind itself.
@test "openssl speed -provider wd -provider default signs through wd" {
	openssl speed -provider wd -provider default -seconds 3 rsa2048 > "$T/speed.out" 2>&1 3>&- &
	sp=$!
	n=0
	for _ in $(seq 40); do
		sleep 0.2
		"$WDCTL" stats --json --pid "$sp" > "$T/sp.json" 2>/dev/null || continue
		n=$(json_get "$T/sp.json" "j['processes'][0]['algorithms'].get('rsa-sign', {}).get('offloaded', 0)" 2>/dev/null || echo 0)
		[ "$n" -gt 0 ] && break
	done
	wait "$sp"
	grep -q "^rsa 2048 bits" "$T/speed.out"
	[ "$n" -gt 0 ]
}
