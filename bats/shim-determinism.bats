#!/usr/bin/env bats
# The zlib shim's deflate bytes depend on the data, the parameters and the
# flush points only (DESIGN.md invariant 4; doc/compression.md, "What the
# output depends on"), seen from python3 under LD_PRELOAD: CPython's own
# test_pair (zlib.compress() and a compressobj give the same bytes), the
# same stream fed in pieces, gzip.compress() against a GzipFile written in
# pieces, and the knobs that must not change a byte. Issue 16: at level 1,
# 8-16 KiB gave 4,458 bytes through compress() and 4,768 through a
# compressobj.

load helpers

setup() {
	shim_setup
	command -v python3 >/dev/null || skip "no python3"
	export LD_LIBRARY_PATH="$top_builddir/libwd/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	D="$BATS_TEST_TMPDIR"
	# text and some binary from this machine
	tar cf - -C /usr/include linux 2>/dev/null | head -c 3000000 > "$D/input"
}

# streams.py: every stream of the check, made two ways; prints a digest
# of all the bytes made and fails on the first two ways that differ.
write_streams_py() {
	cat > "$D/streams.py" <<'EOF'
import hashlib, random, sys, zlib
data = open(sys.argv[1], "rb").read()
sizes = [0, 1, 100, 8191, 8192, 9000, 12000, 16383, 16384, 16385, 40000,
         262145, 524289, 1500000]
digest = hashlib.sha256()
rnd = random.Random(7)

def pieces(d, how):
    if how == "bytes":
        return [d[i:i + 1] for i in range(len(d))]
    out, i = [], 0
    while i < len(d):
        k = rnd.randint(1, 70000)
        out.append(d[i:i + k])
        i += k
    return out

def stream(d, level, wbits, how):
    c = zlib.compressobj(level, zlib.DEFLATED, wbits)
    return b"".join(c.compress(p) for p in pieces(d, how)) + c.flush()

for n in sizes:
    d = data[:n]
    for level in range(-1, 10):
        if n > 100000 and level not in (0, 1, 6, 9):
            continue
        for wbits in (15, -15, 31):
            if n > 600000 and (level in (0, 9) or wbits != 15):
                continue
            one = zlib.compress(d, level, wbits)
            ways = {"compressobj in random pieces": stream(d, level, wbits, "random")}
            if n in (9000, 16385) and wbits == 15:
                ways["compressobj in 1-byte pieces"] = stream(d, level, wbits, "bytes")
            for how, got in ways.items():
                if got != one:
                    sys.exit("%d bytes, level %d, wbits %d: compress() %d bytes, %s %d"
                             % (n, level, wbits, len(one), how, len(got)))
            digest.update(one)
print(digest.hexdigest())
EOF
}

@test "CPython's test_pair: zlib.compress() and a compressobj give the same bytes" {
	LD_PRELOAD="$SHIM" python3 - <<'EOF'
import zlib
# test_zlib.CompressObjectTestCase.test_pair, with the sizes around the
# shim's thresholds (16 KiB inline, 256/512 KiB chunks) and every level
text = open("/usr/include/stdio.h", "rb").read()
for n in (100, 9000, 12000, 16000, 16384, 70000, 300000, 600000):
    datasrc = (text * (n // len(text) + 1))[:n]
    for level in range(-1, 10):
        datazip = zlib.compress(datasrc, level)
        for data in (datasrc, bytearray(datasrc)):
            co = zlib.compressobj(level)
            x1 = co.compress(data)
            x2 = co.flush()
            try:
                co.flush()
                raise SystemExit("a second flush worked")
            except zlib.error:
                pass
            assert x1 + x2 == datazip, (n, level, len(x1 + x2), len(datazip))
EOF
}

@test "streams fed in pieces give compress()'s bytes, and stock zlib reads them" {
	write_streams_py
	run env LD_PRELOAD="$SHIM" python3 "$D/streams.py" "$D/input"
	echo "$output"
	[ "$status" -eq 0 ]
	# the same streams again without the shim, decoded by stock zlib
	LD_PRELOAD="$SHIM" python3 - "$D/input" "$D/made" <<'EOF'
import sys, zlib
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    for n in (9000, 16385, 524289):
        for level in (0, 1, 6, 9):
            z = zlib.compress(data[:n], level, 31)
            f.write(len(z).to_bytes(4, "big") + n.to_bytes(4, "big") + z)
EOF
	python3 - "$D/input" "$D/made" <<'EOF'
import sys, zlib
data = open(sys.argv[1], "rb").read()
made = open(sys.argv[2], "rb").read()
i = 0
while i < len(made):
    k, n = int.from_bytes(made[i:i + 4], "big"), int.from_bytes(made[i + 4:i + 8], "big")
    assert zlib.decompress(made[i + 8:i + 8 + k], 31) == data[:n], n
    i += 8 + k
EOF
}

@test "gzip.compress() and a GzipFile written in pieces give the same deflate data" {
	LD_PRELOAD="$SHIM" python3 - "$D/input" <<'EOF'
import gzip, io, random, sys
data = open(sys.argv[1], "rb").read()
r = random.Random(3)
for n in (5000, 12000, 20000, 700000):
    for level in (1, 6, 9):
        whole = gzip.compress(data[:n], level, mtime=0)
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=level, mtime=0) as g:
            i = 0
            while i < n:
                k = r.randint(1, 9000)
                g.write(data[i:min(i + k, n)])
                i += k
        # the headers are python's own (GzipFile may add a name): compare
        # the deflate data and the trailer
        a, b = whole[10:], buf.getvalue()[10:]
        assert a == b, (n, level, len(a), len(b))
EOF
}

@test "WD_ZLIB=force, other lanes and engines: not a byte changes" {
	write_streams_py
	ref=$(LD_PRELOAD="$SHIM" python3 "$D/streams.py" "$D/input")
	force=$(WD_ZLIB=force LD_PRELOAD="$SHIM" python3 "$D/streams.py" "$D/input")
	lanes=$(WD_ZLIB_PARALLEL=5 WD_SOFT_ENGINES=1 LD_PRELOAD="$SHIM" \
		python3 "$D/streams.py" "$D/input")
	echo "default $ref, force $force, 5 lanes on 1 engine $lanes"
	[ -n "$ref" ] && [ "$force" = "$ref" ] && [ "$lanes" = "$ref" ]
}
