#!/bin/sh
# GNU gzip 1.12's own test suite with wdgzip standing in for gzip
# (DESIGN.md, invariant 4).
#
# gzip is configured and built from Debian's gzip source package (once:
# the build is kept in work/gzip-build until `make clean`); then the
# gzip it built is replaced by a wrapper script that runs wdgzip, and
# gzip's `make -C tests check` runs its 26 tests. Only gzip itself is
# replaced: gunzip, zcat, zdiff, zgrep, znew ... are gzip's own shell
# scripts, built from its tree, and they run 'gzip' from PATH, where the
# tests put the build directory first, so they run wdgzip too. That is
# what a user gets who puts wdgzip where gzip was (doc/wdgzip.md).
#
# The wrapper execs wdgzip by a symlink named gzip, so that wdgzip takes
# gzip's name (its messages say "gzip: ..." as the tests expect), and it
# logs every call with the test that made it (GZIP_TEST_NAME, which gzip's
# tests/Makefile sets). One TAP line per gzip test: ok only when the test
# PASSed (tests/NAME.trs) and the log shows that it ran wdgzip at least
# once, so a run that silently used another gzip cannot pass. Why a line
# failed is in the log (suites/gzip/run-gzip.log), as "# " lines under it.
# gnulib's own tests are not run: only gzip's tests/ directory counts.
. "$top_srcdir/suites/lib/suite.sh"

WDGZIP=$top_builddir/tools/wdgzip/.libs/wdgzip
LIBWD=$top_builddir/libwd/.libs
JOBS=${WD_SUITE_JOBS:-2}

for tool in "${CC:-cc}" make sed; do
	command -v "$tool" > /dev/null || suite_unavailable "$tool is not installed"
done
[ -x "$WDGZIP" ] || suite_unavailable "no wdgzip at $WDGZIP (build first)"
fetch_source gzip src

cd "$WORK" || exit 1
B=$WORK/gzip-build
# gzip's makes are not part of ours: our make's command-line variables
# (TEST_LOGS ...) must not reach them through MAKEFLAGS
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# ---- build gzip, once. Debian's patches leave configure.ac newer than
# configure, and gzip.texi newer than gzip.info: in a copy of the tree
# every file gets one time stamp, so make does not run autoconf and
# makeinfo (the patches change neither the configure script's behaviour
# nor anything the tests use).
if [ ! -f "$B/.built" ]; then
	rm -rf gzip-src "$B"
	mkdir -p "$B"
	t0=$(date +%s)
	{
		cp -a "$src" gzip-src &&
		find gzip-src -exec touch -h -d @1700000000 {} + &&
		(cd "$B" && ../gzip-src/configure --disable-dependency-tracking &&
		 make -j"$JOBS")
	} > build.log 2>&1
	st=$?
	if [ "$st" -ne 0 ]; then
		echo "1..1"
		echo "not ok 1 - gzip 1.12 builds from its Debian source"
		tail -n 20 build.log | sed 's/^/#   /'
		exit 1
	fi
	touch "$B/.built"
	echo "# gzip 1.12 built in $(($(date +%s) - t0)) s"
fi

# ---- the wrapper: gzip -> wdgzip, each call logged
mkdir -p bin
ln -sf "$WDGZIP" bin/gzip
CALLS=$WORK/calls.log
: > "$CALLS"
cat > "$B/gzip" <<EOF
#!/bin/sh
# Written by WarpDrive's suites/gzip/run-gzip.sh: gzip's tests run wdgzip.
echo "\${GZIP_TEST_NAME:-?} \$*" >> '$CALLS'
LD_LIBRARY_PATH='$LIBWD'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
exec '$WORK/bin/gzip' "\$@"
EOF
chmod +x "$B/gzip"

# ---- gzip's tests
TESTS=$(sed -n '/^TESTS =/,/^$/{s/^TESTS =//;s/\\$//;p}' gzip-src/tests/Makefile.am)
t0=$(date +%s)
(cd "$B/tests" && rm -f ./*.trs ./*.log &&
 make -j"$JOBS" check VERBOSE=) > check.log 2>&1
echo "# gzip's make check ran in $(($(date +%s) - t0)) s"

n=0
for t in $TESTS; do n=$((n + 1)); done
echo "1..$n"
for t in $TESTS; do
	res=$(sed -n 's/^:test-result: *//p' "$B/tests/$t.trs" 2>/dev/null)
	# GZIP_TEST_NAME is the test's path with / turned into -
	calls=$(grep -c -E "^([^ ]*-)?$t " "$CALLS")
	st=0
	[ "$res" = PASS ] && [ "$calls" -gt 0 ] || st=1
	tap_ok "$st" "$t: ${res:-no result} ($calls wdgzip runs)"
	if [ "$st" -ne 0 ]; then
		[ "$calls" -gt 0 ] || echo "#   the test never ran wdgzip"
		tail -n 25 "$B/tests/$t.log" 2>/dev/null | sed 's/^/#   /'
	fi
done
echo "# wdgzip ran $(wc -l < "$CALLS") times as gzip"
