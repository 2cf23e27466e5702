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
