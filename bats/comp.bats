#!/usr/bin/env bats
# libwdz.so.1 under real, unmodified programs: python3 (zlib and gzip
# modules), pigz, curl --compressed against a local server. Each test
# proves offload (curl: its hand-over to zlib) with the counters read from
# outside the process (wdctl) and checks the output with the stock tools
# (gzip, python without the shim).

load helpers

setup() {
	shim_setup
	export LD_LIBRARY_PATH="$top_builddir/libwd/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	REAL_LIBZ=$(sed -n 's/^#define SYSTEM_LIBZ "\(.*\)"$/\1/p' "$top_builddir/config.h")
	D="$BATS_TEST_TMPDIR"
	# text and binary from this machine, a few MB
	tar cf - -C /usr/include linux 2>/dev/null | head -c 6000000 > "$D/input"
}

# offloaded_of PID ALG: the offload counter of ALG in process PID (or "").
offloaded_of() {
	"$WDCTL" --json --pid "$1" stats > "$D/stats.json" 2>/dev/null || return 0
	json_get "$D/stats.json" \
		"sum(p['algorithms'].get('$2',{}).get('offloaded',0) for p in j['processes'])"
}

# wait_offload PID ALG: poll until ALG shows offloaded work in PID (10 s).
wait_offload() {
	local i n
	for i in $(seq 100); do
		n=$(offloaded_of "$1" "$2")
		if [ -n "$n" ] && [ "$n" -gt 0 ]; then
			echo "$n"
			return 0
		fi
		sleep 0.1
	done
	echo 0
}

@test "libwdz.so.1 exports the symbols and versions of the real libz.so.1" {
	[ -f "$REAL_LIBZ" ]
	nm -D --with-symbol-versions --defined-only "$REAL_LIBZ" | awk '{print $2, $3}' | sort > "$D/real"
	nm -D --with-symbol-versions --defined-only "$SHIM" | awk '{print $2, $3}' | sort > "$D/shim"
	run diff "$D/real" "$D/shim"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$D/real")" -gt 90 ]
}

@test "python3 zlib and gzip modules are offloaded, stock tools read the output" {
	LD_PRELOAD="$SHIM" python3 - "$D" "$WDCTL" <<'EOF'
import gzip, json, os, subprocess, sys, zlib
d, wdctl = sys.argv[1], sys.argv[2]
data = open(f"{d}/input", "rb").read()
open(f"{d}/py.z", "wb").write(zlib.compress(data, 6))
co = zlib.compressobj(1, zlib.DEFLATED, 31)
open(f"{d}/py1.gz", "wb").write(co.compress(data[:1000000]) + co.compress(data[1000000:]) + co.flush())
with gzip.open(f"{d}/py.gz", "wb") as f:
    f.write(data)
assert zlib.decompress(open(f"{d}/py.z", "rb").read()) == data
with gzip.open(f"{d}/py.gz", "rb") as f:
    assert f.read() == data
out = subprocess.run([wdctl, "--json", "--pid", str(os.getpid()), "stats"],
                     capture_output=True, text=True, check=True).stdout
a = json.loads(out)["processes"][0]["algorithms"]
print("deflate", a["deflate"], "inflate", a["inflate"])
assert a["deflate"]["offloaded"] >= 3 and a["inflate"]["offloaded"] >= 2
EOF
	gzip -dc "$D/py.gz" | cmp - "$D/input"
	gzip -dc "$D/py1.gz" | cmp - "$D/input"
	python3 -c 'import zlib,sys; sys.exit(zlib.decompress(open(sys.argv[1],"rb").read()) != open(sys.argv[2],"rb").read())' \
		"$D/py.z" "$D/input"
}

@test "pigz compresses through the queues, gzip reads the result" {
	command -v pigz >/dev/null || skip "pigz not installed"
	mkfifo "$D/in"
	LD_PRELOAD="$SHIM" pigz -p 2 -6 < "$D/in" > "$D/out.gz" &
	pid=$!
	exec 7> "$D/in"
	cat "$D/input" >&7
	n=$(wait_offload "$pid" deflate)
	exec 7>&-
	wait "$pid"
	echo "pigz deflate streams offloaded: $n"
	[ "$n" -gt 0 ]
	gzip -dc "$D/out.gz" | cmp - "$D/input"
}

# curl inflates with Z_BLOCK, whose stops at block boundaries only zlib can
# give (doc/compression.md): the shim hands its streams to zlib, counted.
@test "curl --compressed through the shim, Z_BLOCK streams to zlib (local server)" {
	command -v curl >/dev/null || skip "curl not installed"
	python3 - "$D" "$WDCTL" > "$D/server.log" 2>&1 <<'EOF' &
import gzip, http.server, json, subprocess, sys, time
d, wdctl = sys.argv[1], sys.argv[2]
body = gzip.compress(open(f"{d}/input", "rb").read(), 6)

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        half = len(body) // 2
        self.wfile.write(body[:half])
        self.wfile.flush()
        n = 0
        for _ in range(100):   # curl has half the body: did the shim see it?
            j = json.loads(subprocess.run([wdctl, "--json", "stats"],
                           capture_output=True, text=True).stdout)
            n = sum(p["algorithms"].get("inflate", {}).get("fallback", 0)
                    for p in j["processes"] if p["comm"].startswith("curl"))
            if n:
                break
            time.sleep(0.1)
        open(f"{d}/curl_offloaded", "w").write(str(n))
        self.wfile.write(body[half:])

    def log_message(self, *args):
        pass

srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(f"{d}/port", "w").write(str(srv.server_address[1]))
srv.handle_request()
EOF
	spid=$!
	for i in $(seq 50); do [ -s "$D/port" ] && break; sleep 0.1; done
	LD_PRELOAD="$SHIM" curl -s --compressed -o "$D/curl.out" "http://127.0.0.1:$(cat "$D/port")/"
	wait "$spid"
	cmp "$D/curl.out" "$D/input"
	echo "curl inflate streams handed to zlib: $(cat "$D/curl_offloaded")"
	[ "$(cat "$D/curl_offloaded")" -gt 0 ]
}

@test "installed as libz.so.1 (library path), not preloaded" {
	mkdir -p "$D/lib"
	ln -s "$SHIM" "$D/lib/libz.so.1"
	LD_LIBRARY_PATH="$D/lib:$LD_LIBRARY_PATH" python3 - "$D" "$WDCTL" <<'EOF'
import json, os, subprocess, sys, zlib
d, wdctl = sys.argv[1], sys.argv[2]
data = open(f"{d}/input", "rb").read()
assert zlib.decompress(zlib.compress(data)) == data
j = json.loads(subprocess.run([wdctl, "--json", "--pid", str(os.getpid()), "stats"],
               capture_output=True, text=True).stdout)
assert j["processes"][0]["algorithms"]["deflate"]["offloaded"] >= 1
assert zlib.ZLIB_RUNTIME_VERSION == "1.2.13"
EOF
}

@test "WD_ZLIB=off: every stream goes to zlib and is counted as fallback" {
	WD_ZLIB=off LD_PRELOAD="$SHIM" python3 - "$D" "$WDCTL" <<'EOF'
import json, os, subprocess, sys, zlib
d, wdctl = sys.argv[1], sys.argv[2]
data = open(f"{d}/input", "rb").read()
assert zlib.decompress(zlib.compress(data)) == data
j = json.loads(subprocess.run([wdctl, "--json", "--pid", str(os.getpid()), "stats"],
               capture_output=True, text=True).stdout)
a = j["processes"][0]["algorithms"]
assert a["deflate"]["offloaded"] == 0 and a["deflate"]["fallback"] >= 1, a
EOF
}

@test "small streams fall back to zlib by default (auto), large ones do not" {
	LD_PRELOAD="$SHIM" python3 - "$D" "$WDCTL" <<'EOF'
import json, os, subprocess, sys, zlib
d, wdctl = sys.argv[1], sys.argv[2]
for i in range(20):
    s = b"small object %d " % i * 10
    assert zlib.decompress(zlib.compress(s)) == s
j = json.loads(subprocess.run([wdctl, "--json", "--pid", str(os.getpid()), "stats"],
               capture_output=True, text=True).stdout)
a = j["processes"][0]["algorithms"]
assert a["deflate"]["fallback"] >= 20 and a["deflate"].get("offloaded", 0) == 0, a
EOF
}

@test "a deflate stream inherited across fork() goes on in the child" {
	LD_PRELOAD="$SHIM" python3 - "$D" <<'EOF2'
import os, sys, zlib
d = open(f"{sys.argv[1]}/input", "rb").read()
co = zlib.compressobj(6, zlib.DEFLATED, 31)
part = co.compress(d[:2000000])
pid = os.fork()
if pid == 0:
    # the parent's queues are dead here: the chunks in flight are redone
    out = part + co.compress(d[2000000:]) + co.flush()
    os._exit(0 if zlib.decompress(out, 31) == d else 1)
_, st = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(st) == 0
out = part + co.compress(d[2000000:]) + co.flush()
assert zlib.decompress(out, 31) == d
EOF2
}
