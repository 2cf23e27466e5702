# Sourced by the suite scripts: TAP output and the common paths.
#
#   SHIM        the zlib drop-in (LD_PRELOAD it)
#   WORK        this suite's scratch directory (suite_builddir/work)
#   SRC_CACHE   where Debian source packages are unpacked (shared by the
#               suites of one build; WD_SUITE_SRC overrides)
#
# A suite that cannot get what it needs (no deb-src, no package) prints a
# skip with the reason; with WD_REQUIRE_SUITES=1 (the README's test
# command sets it) that is a failure instead, so CI cannot pass a suite
# that never ran.
: "${top_builddir:?}" "${top_srcdir:?}" "${suite_builddir:?}"
SHIM=$top_builddir/zlib-shim/.libs/libwdz.so.1
WORK=$suite_builddir/work
SRC_CACHE=${WD_SUITE_SRC:-$top_builddir/suites/src}
mkdir -p "$WORK" "$SRC_CACHE"
tap_n=0

# ok COND-STATUS NAME: one TAP line.
tap_ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; fi
}

# suite_unavailable REASON: the suite cannot run here.
suite_unavailable() {
	if [ "${WD_REQUIRE_SUITES:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - suite could not run: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

# fetch_source PKG VAR: set VAR to the unpacked tree of Debian's source
# package PKG, or end the suite as unavailable. (A variable, not output:
# in $( ) the suite's skip would land in the caller's variable.)
fetch_source() {
	_fs_dir=$("$top_srcdir/suites/lib/fetch-source" "$1" "$SRC_CACHE" 2> "$WORK/fetch-$1.log") ||
		suite_unavailable "no source for $1: $(tail -n 2 "$WORK/fetch-$1.log" | tr '\n' ' ')"
	eval "$2=\$_fs_dir"
}
