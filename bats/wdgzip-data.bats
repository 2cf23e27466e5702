#!/usr/bin/env bats
# wdgzip's data path: random and text files of many sizes (0, 1, around the
# 64 KiB boundaries, 100 MB) round-tripped both ways with GNU gzip; a
# 20 MB one (100 MB with WD_LONG_TESTS=1) at several levels and queue
# counts, and in place; and proof from outside the process (wdctl stats)
# that the work went through WarpDrive queues.

load helpers

setup() {
	PATH="$top_builddir/tools/wdgzip:$PATH"
	T="$BATS_TEST_TMPDIR"
	cd "$T"
}

# A file of n bytes: half compressible text, half random.
mkdata() {
	local n=$1 f=$2
	{ seq 1 $((n / 6 + 10)) | head -c $((n / 2)); head -c $((n - n / 2)) /dev/urandom; } > "$f"
	[ "$(stat -c %s "$f")" -eq "$n" ]
}

# Both directions for one file and the given wdgzip options.
roundtrip() {
	local f=$1
	shift
	wdgzip -c "$@" "$f" > "$f.w.gz"
	gzip -dc "$f.w.gz" | cmp - "$f"
	gzip -c "$@" "$f" > "$f.g.gz" 2>/dev/null || gzip -c "$f" > "$f.g.gz"
	wdgzip -dc "$f.g.gz" | cmp - "$f"
	wdgzip -dc "$f.w.gz" | cmp - "$f"
	wdgzip -t "$f.w.gz"
}

@test "sizes 0, 1 and the 64 KiB boundaries round-trip both ways" {
	for n in 0 1 2 100 65535 65536 65537 131071 131072 131073 262144 1048577; do
		mkdata $n f$n
		roundtrip f$n
	done
}
@test "random data (incompressible) round-trips at levels 1, 6, 9" {
	head -c 3000000 /dev/urandom > rnd
	roundtrip rnd -1
	roundtrip rnd -6
	roundtrip rnd -9
}
@test "100 MB round-trips both ways with GNU gzip" {
	mkdata 100000000 huge
	roundtrip huge
}
@test "a large file round-trips both ways, on 1, 2 and 3 queues" {
	n=20000000
	[ -n "$WD_LONG_TESTS" ] && n=100000000
	mkdata $n big
	roundtrip big
	wdgzip -c -1 -p 1 big | gzip -dc | cmp - big
	wdgzip -c -9 -p 3 big | gzip -dc | cmp - big
	# in place, as gzip would do it
	cp big big.orig
	wdgzip big
	[ ! -e big ]
	gzip -t big.gz
	wdgzip -d big.gz
	cmp big big.orig
}
@test "wdgzip reads what pigz and igzip write, and Python reads wdgzip" {
	mkdata 3000000 m
	pigz -c m > m.pigz.gz && wdgzip -dc m.pigz.gz | cmp - m
	if command -v igzip > /dev/null; then
		igzip -c m > m.igz.gz && wdgzip -dc m.igz.gz | cmp - m
	fi
	wdgzip -c m > m.gz
	python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())' m.gz | cmp - m
	if command -v igzip > /dev/null; then
		igzip -dc m.gz | cmp - m
	fi
}
@test "many members from a pipe decompress as one stream" {
	mkdata 200000 p
	for i in 1 2 3 4 5; do wdgzip -c p; gzip -c p; done > pp.gz
	for i in 1 2 3 4 5 6 7 8 9 10; do cat p; done > p10
	cat pp.gz | wdgzip -dc | cmp - p10
}
# watch_run FIRST SRC JSON COND ARGS...: run wdgzip ARGS on a fifo fed with
# the first FIRST bytes of SRC; poll its counters (wdctl stats --json into
# JSON) until the Python condition COND on them holds (c: this process's
# counters of one algorithm, see alg), then feed the rest. Output in "out".
# No fixed delays: the machine may be slow or busy.
watch_run() {
	local first=$1 src=$2 json=$3 cond=$4 i
	shift 4
	rm -f in go
	mkfifo in
	{ head -c "$first" "$src"
	  while [ ! -e go ]; do sleep 0.1; done
	  tail -c +$((first + 1)) "$src"; } > in 3>&- &
	wdgzip "$@" < in > out 3>&- &
	pid=$!
	for i in $(seq 600); do
		"$WDCTL" stats --json > "$json" 2>/dev/null || true
		[ "$(json_get "$json" "any(p['pid']==$pid and ($cond) for p in j['processes'] for c in [p['algorithms']])" 2>/dev/null)" = True ] && break
		sleep 0.1
	done
	touch go
	wait $pid
}

alg() {
	json_get "$1" "[p['algorithms'].get('$2', {}).get('$3', 0) for p in j['processes'] if p['pid']==$pid][0]"
}

@test "compression and decompression go through WarpDrive queues (wdctl stats)" {
	mkdata 12000000 s
	# one 8 MiB block is compressed while we look
	watch_run 10000000 s c.json "c.get('deflate',{}).get('bytes_in',0) >= 8000000" -c
	gzip -dc out | cmp - s
	[ "$(alg c.json deflate offloaded)" -ge 1 ]
	[ "$(alg c.json deflate bytes_in)" -ge 8000000 ]
	[ "$(alg c.json deflate fallback)" -eq 0 ]
	gzip -c s > s.gz
	watch_run 3000000 s.gz d.json "c.get('inflate',{}).get('offloaded',0) >= 1" -dc
	cmp out s
	[ "$(alg d.json inflate offloaded)" -ge 1 ]
	[ "$(alg d.json inflate fallback)" -eq 0 ]
}

@test "without a device wdgzip uses zlib and counts it as a fallback" {
	mkdata 12000000 s
	WD_DEVICE=nosuch watch_run 10000000 s c.json "c.get('deflate',{}).get('fallback',0) >= 1" -c
	gzip -dc out | cmp - s
	[ "$(alg c.json deflate fallback)" -ge 1 ]
	[ "$(alg c.json deflate offloaded)" -eq 0 ]
}

# Compression's fallback is wd_comp's (its session redoes in software,
# with the device's coder, every chunk the device fails); decompression's
# is wdgzip's own (codec_wd.c), proven with the LD_PRELOAD module.
@test "a device error mid-stream loses nothing: software takes over and the counters say so" {
	fault="$top_builddir/tools/wdgzip/.libs/wdgzip_fault.so"
	[ -f "$fault" ] || skip "wdgzip_fault.so is built by make check in tools/"
	gzip -c < /dev/null | LD_PRELOAD="$fault" wdgzip -dc > /dev/null 2>&1 ||
		skip "the fault module cannot be preloaded here (a sanitizer build?)"
	# 12 MB: many pieces and blocks, so that a fault can hit one in the middle
	mkdata 12000000 s
	gzip -c s > s.gz
	cat s.gz s.gz > ss.gz
	cat s s > ss
	wdgzip -c s > c.gz
	for n in 0 1 2; do
		# the device fails its (n+1)th request, or goes away after n
		for f in error=$((n + 1)) vanish=$n; do
			WD_DEVICE=soft WD_SOFT_FAULT=$f wdgzip -c s > c$n.gz
			gzip -dc c$n.gz | cmp - s
			# the redone chunks are coded as the device codes them
			cmp c$n.gz c.gz
		done
		LD_PRELOAD="$fault" WDGZIP_FAULT_AFTER=$n wdgzip -dc s.gz | cmp - s
	done
	LD_PRELOAD="$fault" WDGZIP_FAULT_AFTER=7 wdgzip -dc ss.gz | cmp - ss
	# the counters, seen from outside while it runs
	WD_DEVICE=soft WD_SOFT_FAULT=error=1 watch_run 10000000 s c.json "c.get('deflate',{}).get('errors',0) >= 1" -c
	gzip -dc out | cmp - s
	[ "$(alg c.json deflate errors)" -ge 1 ]
	[ "$(alg c.json deflate fallback)" -ge 1 ]
	# from a pipe the member is decoded again from the copy wdgzip kept
	for n in 0 1 2; do
		cat ss.gz | LD_PRELOAD="$fault" WDGZIP_FAULT_AFTER=$n wdgzip -dc | cmp - ss
	done
}

# textgen N F: N bytes of text made of a fixed vocabulary from a fixed seed
# (the same file every run, so that the test is deterministic).
textgen() {
	python3 -c '
import random, sys
r = random.Random(4)
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 9))) for _ in range(5000)]
n, out = int(sys.argv[1]), []
size = 0
while size < n:
    line = " ".join(r.choice(words) for _ in range(r.randint(3, 14))) + "\n"
    out.append(line)
    size += len(line)
sys.stdout.write("".join(out)[:n])' "$1" > "$2"
}

# same_tail A.gz B.gz: length of the common suffix of the two members'
# deflate data (the 8 trailer bytes, CRC and length, always differ).
same_tail() {
	python3 -c '
import sys
a = open(sys.argv[1], "rb").read()[:-8]
b = open(sys.argv[2], "rb").read()[:-8]
n = 0
while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
    n += 1
print(n)' "$1" "$2"
}

@test "--rsyncable: a change early in a large file leaves the tail of the output the same" {
	# 12 MB: more than one 8 MiB block, so cuts also carry across blocks
	textgen 12000000 a
	python3 -c '
import sys
d = open("a", "rb").read()
open("b", "wb").write(d[:1000] + b"CHANGED" + d[1007:5000] + b"x" * 100 + d[5000:])'
	for level in 1 6 9; do
		wdgzip -$level --rsyncable -c < a > a.gz
		wdgzip -$level --rsyncable -c < b > b.gz
		gzip -t a.gz b.gz
		gzip -dc a.gz | cmp - a
		gzip -dc b.gz | cmp - b
		size=$(stat -c %s a.gz)
		tail=$(same_tail a.gz b.gz)
		echo "level $level: $tail of $size bytes the same at the end"
		[ $((tail * 100)) -ge $((size * 95)) ]
		# the property is --rsyncable's: without it, nothing is shared
		wdgzip -$level -c < a > a0.gz
		wdgzip -$level -c < b > b0.gz
		[ "$(same_tail a0.gz b0.gz)" -lt 1000 ]
	done
	# where the cuts fall depends on the content only, not on the engines
	wdgzip -6 --rsyncable -c < a > a6.gz
	wdgzip -6 --rsyncable -p 1 -c < a | cmp - a6.gz
	wdgzip -6 --rsyncable -p 3 -c < a | cmp - a6.gz
	# in software (no device) too
	WD_DEVICE=nosuch wdgzip --rsyncable -c < a > sa.gz
	WD_DEVICE=nosuch wdgzip --rsyncable -c < b > sb.gz
	gzip -dc sb.gz | cmp - b
	[ $(($(same_tail sa.gz sb.gz) * 100)) -ge $(($(stat -c %s sa.gz) * 95)) ]
}

@test "--rsyncable under device faults: still exact gzip" {
	textgen 3000000 a
	for f in missing error=1 error=2 vanish=1 busy=2; do
		WD_DEVICE=soft WD_SOFT_FAULT=$f wdgzip --rsyncable -c < a > a.gz ||
			{ echo "$f: status $?"; false; }
		gzip -dc a.gz | cmp - a || { echo "$f: wrong output"; false; }
	done
}
