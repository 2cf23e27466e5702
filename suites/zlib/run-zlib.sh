#!/bin/sh
# zlib 1.2.13's own test programs against the shim (DESIGN.md, invariant 4).
#
# test/example.c and test/minigzip.c from Debian's zlib source package are
# built against the SYSTEM libz.so.1 (-lz, the system zlib.h), as any zlib
# program is, and run with LD_PRELOAD of libwdz.so.1, once in the default
# mode (WD_ZLIB=auto) and once forced (WD_ZLIB=force WD_COMP_INLINE_MAX=0:
# every stream that can be goes to the queues, short ones too). test/infcover.c is not built: it calls zlib's
# internal inflate_table() and reads inflate's private state, which no
# libz.so.1 exports.
#
# One TAP line per run under the shim:
#   example                             zlib's API test, must print its OKs
#   minigzip -c FILE                    shim gzwrite; stock minigzip -d (no
#                                       preload) and GNU gzip -d read it back
#   minigzip -d FILE.gz                 shim gzread of what stock minigzip
#                                       and GNU gzip wrote
#   minigzip -d, odd input              two members; a file that is not
#                                       gzip; .gz files cut in half (stock's
#                                       bytes and exit status)
#   minigzip -1/-9/-f/-h/-r             levels and strategies, read by stock
#   counters                            a live shim minigzip, stdin held
#                                       open, shows deflate/inflate streams
#                                       offloaded (wdctl stats --pid); the
#                                       counter file goes away at exit, so
#                                       the process must still run
# FILE: text-like and random data of 0, 1, 4095, 4097, 16385, 100000,
# 1000003 and 27000001 bytes (none a multiple of a buffer size), made
# from a fixed seed, so a failure reproduces. Why a line failed is in
# the log (suites/zlib/run-zlib.log), as "# " lines under it.
. "$top_srcdir/suites/lib/suite.sh"

CC=${CC:-cc}
WDCTL=$top_builddir/tools/wdctl
SIZES="0 1 4095 4097 16385 100000 1000003 27000001"
MODES="auto force"

for tool in "$CC" gzip python3 cmp; do
	command -v "$tool" > /dev/null || suite_unavailable "$tool is not installed"
done
[ -f "$SHIM" ] || suite_unavailable "no shim at $SHIM (build first)"
fetch_source zlib src

cd "$WORK" || exit 1
rm -rf data run
mkdir -p data run

# begin / note WHY / end NAME: one TAP line; each note fails it and goes
# to the log under it, with the line's run time.
NOTES=$WORK/run/notes
ms() { echo $(($(date +%s%N) / 1000000)); }
begin() {
	failed=0
	: > "$NOTES"
	t_line=$(ms)
}
note() {
	failed=1
	printf '#   %s\n' "$*" >> "$NOTES"
}
end() {
	tap_ok "$failed" "$1"
	cat "$NOTES"
	echo "#   ($(($(ms) - t_line)) ms)"
}

# mode_env MODE: the settings of a mode. force: every stream to the
# queues, short deflate streams too (WD_ZLIB=force alone codes a deflate
# stream shorter than WD_COMP_INLINE_MAX in the library, doc/compression.md)
mode_env() {
	case $1 in
	force) echo "WD_ZLIB=force WD_COMP_INLINE_MAX=0" ;;
	*) echo "WD_ZLIB=$1" ;;
	esac
}

shim() {
	mode=$1
	shift
	# shellcheck disable=SC2046
	env $(mode_env "$mode") LD_PRELOAD="$SHIM" "$@"
}

stock() {
	env -u LD_PRELOAD -u WD_ZLIB "$@"
}

# same WHO GOT WANT: GOT must hold exactly WANT's bytes.
same() {
	if ! msg=$(cmp "$2" "$3" 2>&1); then
		note "$1: not the expected bytes: $msg"
		return 1
	fi
}

# ran WHO STATUS ERRFILE: a program's exit status and stderr.
ran() {
	[ "$2" -eq 0 ] && return 0
	note "$1 exited $2: $(head -c 300 "$3" | tr '\n' ' ')"
	return 1
}

# ---- build: the programs see only the system zlib.h and libz.so.1
cp "$src/test/example.c" "$src/test/minigzip.c" run/
{
	$CC -O2 -o run/example run/example.c -lz &&
	$CC -O2 -o run/minigzip run/minigzip.c -lz
} > run/build.log 2>&1
st=$?
begin
[ "$st" -eq 0 ] || note "cc failed: $(tail -n 5 run/build.log | tr '\n' ' ')"
if [ "$st" -eq 0 ] && ! ldd run/minigzip | grep -q 'libz\.so\.1 =>'; then
	note "minigzip is not linked against libz.so.1"
fi
end "example.c and minigzip.c build against the system libz.so.1"
if [ "$failed" -ne 0 ]; then
	echo "1..$tap_n"
	exit 1
fi
MG=$WORK/run/minigzip

# ---- data, from a fixed seed
t0=$(date +%s)
# shellcheck disable=SC2086
python3 - data $SIZES <<'EOF'
import random, sys
d, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
r = random.Random(20261207)
words = [bytes(r.choice(b"etaoinshrdlucmfwyp") for _ in range(r.randint(1, 9)))
         for _ in range(5000)]
words += [b"%d" % r.randint(0, 99999) for _ in range(500)] + [b"\n", b", ", b". "]
big = max(sizes)
text = b" ".join(r.choices(words, k=big // 4 + 16))[:big]
rand = r.randbytes(big)
for n in sizes:
    open(f"{d}/text-{n}", "wb").write(text[:n])
    open(f"{d}/random-{n}", "wb").write(rand[:n])
EOF
FILES=
for n in $SIZES; do FILES="$FILES text-$n random-$n"; done
# what stock zlib (minigzip without the shim) and GNU gzip write
for f in $FILES; do
	if ! stock "$MG" -c "data/$f" > "data/$f.zlib.gz" ||
		! gzip -c -n "data/$f" > "data/$f.gnu.gz"; then
		tap_ok 1 "stock minigzip and gzip compress data/$f"
		echo "1..$tap_n"
		exit 1
	fi
done
cat data/text-100000.gnu.gz data/random-4097.zlib.gz > data/two-members.gz
cat data/text-100000 data/random-4097 > data/two-members
for n in 100000 1000003; do
	c=$(wc -c < "data/random-$n.gnu.gz")
	head -c $((c / 2)) "data/random-$n.gnu.gz" > "data/random-$n-cut.gz"
done
echo "# data and stock .gz files: $(($(date +%s) - t0)) s"

# example: zlib's own API walk (compress, gz*, deflate/inflate with tiny
# buffers, large buffers, flushes, inflateSync, dictionaries).
run_example() {
	mode=$1
	begin
	(cd run && shim "$mode" ./example > "example-$mode.out" 2>&1)
	st=$?
	sed 's/^/#   /' "run/example-$mode.out" >> "$NOTES"
	[ "$st" -eq 0 ] || note "example exited $st"
	if ! grep -q '^large_inflate(): OK' "run/example-$mode.out" ||
		! grep -q '^inflate with dictionary: hello, hello!' "run/example-$mode.out"; then
		note "example did not reach its last check"
	fi
	end "$mode: example (zlib's test/example.c) under the shim"
}

# shim_writes MODE FILE [OPTION]: shim minigzip compresses; stock reads.
shim_writes() {
	mode=$1 f=$2 opt=${3:-}
	o=run/$f.$mode$opt
	begin
	# shellcheck disable=SC2086
	shim "$mode" "$MG" $opt -c "data/$f" > "$o.gz" 2> "$o.err"
	if ran "shim minigzip $opt -c" $? "$o.err"; then
		stock "$MG" -d -c "$o.gz" > "$o.out" 2> "$o.err"
		ran "stock minigzip -d" $? "$o.err" && same "stock minigzip -d" "$o.out" "data/$f"
		gzip -dc < "$o.gz" > "$o.out" 2> "$o.err"
		ran "gzip -d" $? "$o.err" && same "gzip -d" "$o.out" "data/$f"
	fi
	[ "$failed" -eq 0 ] && rm -f "$o".*
	end "$mode: shim minigzip ${opt:+$opt }-c $f, read back by stock minigzip -d and gzip -d"
}

# shim_reads MODE FILE: shim minigzip -d (gzread) of stock and gzip output.
shim_reads() {
	mode=$1 f=$2
	o=run/$f.$mode
	begin
	for w in zlib gnu; do
		shim "$mode" "$MG" -d -c "data/$f.$w.gz" > "$o.out" 2> "$o.err"
		ran "shim minigzip -d of $w's $f.gz" $? "$o.err" &&
			same "shim minigzip -d of $w's $f.gz" "$o.out" "data/$f"
	done
	[ "$failed" -eq 0 ] && rm -f "$o".*
	end "$mode: shim minigzip -d $f.gz written by stock minigzip and by gzip"
}

# shim_reads_odd MODE: gzread's other cases, against stock minigzip
shim_reads_odd() {
	mode=$1
	o=run/odd.$mode
	begin
	shim "$mode" "$MG" -d -c data/two-members.gz > "$o.out" 2> "$o.err"
	ran "shim minigzip -d" $? "$o.err" && same "shim minigzip -d" "$o.out" data/two-members
	end "$mode: shim minigzip -d of two members (gzip's, then stock minigzip's) gives both files"

	begin
	shim "$mode" "$MG" -d -c data/text-100000 > "$o.out" 2> "$o.err"
	ran "shim minigzip -d" $? "$o.err" && same "shim minigzip -d" "$o.out" data/text-100000
	end "$mode: shim minigzip -d of a file that is not gzip copies it (transparent read)"

	# zlib's gzread hands out what it could inflate, and gzclose reports
	# "unexpected end of file" (minigzip: "failed gzclose", exit 1)
	for n in 100000 1000003; do
		f=random-$n-cut.gz
		begin
		stock "$MG" -d -c "data/$f" > "$o.want" 2> "$o.wanterr"
		want=$?
		shim "$mode" "$MG" -d -c "data/$f" > "$o.out" 2> "$o.err"
		got=$?
		[ "$got" -eq "$want" ] ||
			note "shim minigzip exited $got ($(tr '\n' ' ' < "$o.err")), stock $want ($(tr '\n' ' ' < "$o.wanterr"))"
		same "shim minigzip -d" "$o.out" "$o.want"
		end "$mode: shim minigzip -d $f (cut in half): stock's bytes and exit status"
	done
	[ "$failed" -eq 0 ] && rm -f "$o".*
}

# live_offload MODE ALG FILE ARGS...: shim minigzip ARGS reads FILE from a
# fifo that stays open after FILE, so the process lives with its counters
# final; wdctl must show ALG streams offloaded and none fallen back,
# within 30 s (a loaded machine shows them in about one).
live_offload() {
	mode=$1 alg=$2 in=$3
	shift 3
	o=run/live.$mode.$alg
	begin
	rm -f "$o.fifo" "$o.go" "$o.json"
	mkfifo "$o.fifo"
	{ cat "$in"; while [ ! -e "$o.go" ]; do sleep 0.1; done; } > "$o.fifo" &
	feeder=$!
	# env execs minigzip: $! is its pid (a function would be a subshell)
	# shellcheck disable=SC2046
	env $(mode_env "$mode") LD_PRELOAD="$SHIM" "$MG" "$@" < "$o.fifo" > "$o.out" 2> "$o.err" &
	pid=$!
	seen=no
	deadline=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$pid" 2> /dev/null; do
		"$WDCTL" --json --pid "$pid" stats > "$o.json" 2> /dev/null
		seen=$(python3 -c '
import json, sys
try:
    p = json.load(open(sys.argv[1]))["processes"][0]
except Exception:
    print("no"); sys.exit()
c = p["algorithms"].get(sys.argv[2], {})
print("yes" if c.get("offloaded", 0) >= 1 and c.get("fallback", 0) == 0 else "no")
' "$o.json" "$alg")
		[ "$seen" = yes ] && break
		sleep 0.2
	done
	touch "$o.go"
	wait "$pid"
	st=$?
	wait "$feeder"
	printf '#   wdctl stats --pid %s: %s\n' "$pid" "$(cat "$o.json" 2> /dev/null)" >> "$NOTES"
	[ "$seen" = yes ] || note "no offloaded $alg stream (or a fallback) in the counters"
	ran "shim minigzip $*" "$st" "$o.err"
	end "$mode: counters of a live shim minigzip${*:+ $*} show its $alg stream offloaded"
}

for mode in $MODES; do
	t0=$(date +%s)
	run_example "$mode"
	for f in $FILES; do
		shim_writes "$mode" "$f"
		shim_reads "$mode" "$f"
	done
	shim_reads_odd "$mode"
	for opt in -1 -9 -f -h -r; do
		shim_writes "$mode" text-1000003 "$opt"
	done
	live_offload "$mode" deflate data/random-1000003
	live_offload "$mode" inflate data/text-100000.zlib.gz -d
	echo "# $(mode_env "$mode"): $(($(date +%s) - t0)) s"
done
echo "1..$tap_n"
rm -rf data
