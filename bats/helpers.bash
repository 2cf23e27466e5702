# Shared setup for the bats suites. Tests run from the build tree:
# $top_builddir and $top_srcdir are exported by bats/Makefile.am, and
# $WD_STATS_DIR points at a directory private to this test run.

: "${top_builddir:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${top_srcdir:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${WD_STATS_DIR:=$BATS_RUN_TMPDIR/stats}"
export WD_STATS_DIR
mkdir -p "$WD_STATS_DIR"

WDCTL="$top_builddir/tools/wdctl"

# json_get FILE EXPR: evaluate a Python expression on the parsed JSON (j).
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# For the wdgzip suites that inject faults and read counters from outside.

# mkfile N F: N bytes, half text (compressible), half random.
mkfile() {
	{ seq 1 $(($1 / 6 + 10)) | head -c $(($1 / 2)); head -c $(($1 - $1 / 2)) /dev/urandom; } > "$2"
}

# counters_of PID JSON ALG: poll wdctl until PID shows ALG's counters that
# satisfy the Python condition COND on c (the algorithm's dict), for up to
# 60 s; the last snapshot stays in JSON.
counters_of() {
	local pid=$1 json=$2 alg=$3 cond=$4 i
	for i in $(seq 600); do
		"$WDCTL" stats --json > "$json" 2>/dev/null || true
		[ "$(json_get "$json" "any(p['pid']==$pid and ($cond) for p in j['processes'] for c in [p['algorithms'].get('$alg', {})])" 2>/dev/null)" = True ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# held_run SRC JSON ALG COND ARGS...: run wdgzip ARGS with stdin a fifo
# carrying all of SRC but kept open (so the process stays alive with every
# counter final), wait for COND on its ALG counters, then close the input.
# Output in "out"; sets rc to wdgzip's exit status, wpid to its pid, and
# seen to 1 if COND held.
held_run() {
	local src=$1 json=$2 alg=$3 cond=$4
	shift 4
	rm -f in go
	mkfifo in
	{ cat "$src"; while [ ! -e go ]; do sleep 0.1; done; } > in 3>&- &
	wdgzip "$@" < in > out 3>&- &
	wpid=$!
	seen=0
	counters_of "$wpid" "$json" "$alg" "$cond" && seen=1
	touch go
	rc=0
	wait "$wpid" || rc=$?
}

# shim_setup: $SHIM is the zlib drop-in of this build; skips (saying why)
# when it is not built, or is a sanitizer build that cannot be preloaded.
shim_setup() {
	SHIM="$top_builddir/zlib-shim/.libs/libwdz.so.1"
	[ -f "$SHIM" ] || skip "libwdz.so.1 not built"
	if readelf -d "$SHIM" 2>/dev/null | grep -q 'libasan'; then
		skip "sanitizer build: an ASan library cannot be preloaded into uninstrumented programs"
	fi
}

# start_hold N [DIR]: run $HOLD (test/core/wd_hold) with a queue open that
# has made N requests, kept alive through a FIFO in DIR (default: the
# test's tmpdir) until stop_hold; $HOLD_PID is its pid. Fails when it does
# not say "ready" within 10 s.
start_hold() {
	local dir=${2:-$BATS_TEST_TMPDIR}
	mkfifo "$dir/hold-in"
	# fd 3 is bats's own output: the background process must not hold it.
	"$HOLD" "$1" < "$dir/hold-in" > "$dir/hold-out" 3>&- &
	HOLD_PID=$!
	exec 8> "$dir/hold-in"
	for _ in $(seq 100); do
		grep -q ready "$dir/hold-out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

stop_hold() {
	exec 8>&-
	wait "$HOLD_PID"
}
