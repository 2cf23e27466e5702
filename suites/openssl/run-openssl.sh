#!/bin/sh
# run-openssl.sh - OpenSSL 3.0's own test/evp_test on its AES and RSA
# recipes with the wd provider preferred (DESIGN.md, invariant 4).
#
# evp_test is built from Debian's openssl source of this release against
# the system libcrypto: evp_test.c, the test/testutil sources and
# apps/lib/opt.c, with the source's include directories behind the
# system's (its internal headers only; <openssl/...> is the installed
# libcrypto's), plus evp-probe.c. That takes a few seconds; the binary is
# kept in work/evp-build until `make clean`.
#
# Each recipe runs under three configurations that load wd and the default
# provider and set default_properties = ?provider=wd: cipher_threshold = 0
# (every AES update through a queue), cipher_threshold = 4096, and the
# shipped provider/examples/openssl.cnf as it is. One TAP line per (recipe,
# configuration); evp_test must report 0 errors, its output goes to
# work/evp-<config>-<recipe>.log and its failures into this log.
#
# Who serves what with wd preferred (also in doc/provider.md):
#   evpciph_aes_common.txt  ECB, CBC, CTR, XTS, GCM: wd (through queues
#                           with threshold 0; below the threshold in
#                           software inside wd); CFB, OFB, CCM: default
#   evpciph_aes_cts.txt     AES-CBC-CTS: wd has no CTS, the default
#                           provider runs all of it
#   evpciph_aes_wrap.txt    AES key wrap: not in wd, the default provider
#   evppkey_rsa_common.txt  RSA keys, signatures, encryption: wd (private
#   evppkey_rsa.txt         operations of keys >= 1024 bits on queues)
# The AES recipes that wd does not serve still run: they check that a
# preferred wd does not disturb them.
#
# Proof that wd served the work: evp-probe.c runs `wdctl stats --json
# --pid <evp_test>` when the tests are done, before evp_test unloads its
# providers (libwd removes its counter file at exit). For each
# configuration one TAP line requires RSA work offloaded to a queue and AES
# work counted by wd (offloaded, with threshold 0), so a configuration that
# silently never loads wd cannot pass.
. "$top_srcdir/suites/lib/suite.sh"

RECIPES="evpciph_aes_common.txt evpciph_aes_cts.txt evpciph_aes_wrap.txt
	evppkey_rsa_common.txt evppkey_rsa.txt"
CONFIGS="threshold-0 threshold-4096 shipped"
WDCTL=$top_builddir/tools/wdctl
BUILD=$WORK/evp-build
EVP_TEST=$BUILD/evp_test

[ -f "$top_builddir/provider/.libs/wd.so" ] || suite_unavailable "wd.so is not built"
[ -x "$WDCTL" ] || suite_unavailable "tools/wdctl is not built"
command -v "${CC:-cc}" > /dev/null || suite_unavailable "no C compiler"
[ -f /usr/include/openssl/evp.h ] || suite_unavailable "no OpenSSL headers (libssl-dev)"
fetch_source openssl SRC
VERSION=$(sed -n 's/^\(MAJOR\|MINOR\|PATCH\)=//p' "$SRC/VERSION.dat" 2> /dev/null | paste -sd.)
DATA=$SRC/test/recipes/30-test_evp_data
[ -f "$SRC/test/evp_test.c" ] && [ -d "$DATA" ] ||
	suite_unavailable "the openssl source has no test/evp_test.c"

# build_evp_test: work/evp-build/evp_test, unless it is newer than its inputs.
build_evp_test() {
	if [ -x "$EVP_TEST" ] && [ "$EVP_TEST" -nt "$SRC/.unpacked" ] &&
	   [ "$EVP_TEST" -nt "$suite_srcdir/evp-probe.c" ] &&
	   [ "$EVP_TEST" -nt "$suite_srcdir/run-openssl.sh" ]; then
		return 0
	fi
	rm -rf "$BUILD"
	mkdir -p "$BUILD"
	# test/build.info: libtestutil.a, without the Windows and VMS pieces
	util="basic_output output driver tests cb stanza format_output load
	      fake_random test_cleanup main testutil_init options test_options
	      provider apps_shims random"
	{
		for f in $util; do echo "test/testutil/$f.c"; done
		echo apps/lib/opt.c
		echo test/evp_test.c
	} > "$BUILD/sources"
	# -w: the warnings are OpenSSL's to mind, not ours
	while read -r src; do
		obj=$(echo "${src%.c}.o" | tr / _)
		echo "$src $BUILD/$obj"
	done < "$BUILD/sources" |
	xargs -P 2 -L 1 sh -c '"${CC:-cc}" -O1 -w -c "$0/$1" -o "$2" \
		-idirafter "$0/include" -idirafter "$0/apps/include" -idirafter "$0"' \
		"$SRC" || return 1
	(
		cd "$BUILD" &&
		ar rcs libtestutil.a test_testutil_*.o apps_lib_opt.o &&
		"${CC:-cc}" -O1 -Wall -Werror -c "$suite_srcdir/evp-probe.c" -o evp-probe.o &&
		"${CC:-cc}" -o evp_test.tmp test_evp_test.o evp-probe.o libtestutil.a \
			-Wl,--wrap=cleanup_tests -lcrypto &&
		mv evp_test.tmp evp_test
	)
}

# write_config NAME: the configuration file of run NAME.
write_config() {
	case $1 in
	shipped)
		echo "$top_srcdir/provider/examples/openssl.cnf"
		return;;
	threshold-*)
		thr=${1#threshold-};;
	esac
	cat > "$WORK/$1.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
alg_section = algorithm_sect
[provider_sect]
default = default_sect
wd = wd_sect
[default_sect]
activate = 1
[wd_sect]
activate = 1
cipher_threshold = $thr
[algorithm_sect]
default_properties = ?provider=wd
EOF
	echo "$WORK/$1.cnf"
}

# counters FILE ALGPREFIX FIELD: the sum of FIELD over the algorithms
# ALGPREFIX* in a `wdctl stats --json` file.
counters() {
	grep -o "\"$2[a-z0-9-]*\":{[^}]*}" "$1" 2> /dev/null |
		grep -o "\"$3\":[0-9]*" | cut -d: -f2 |
		awk '{ s += $1 } END { print s + 0 }'
}

echo "1..$((1 + 6 * 3))"
start=$(date +%s)
build_evp_test > "$WORK/evp-build.log" 2>&1
tap_ok $? "evp_test of openssl ${VERSION:-?} builds against the system libcrypto ($(($(date +%s) - start)) s)"
if [ ! -x "$EVP_TEST" ]; then
	sed 's/^/# /' "$WORK/evp-build.log" | tail -n 40
	exit 1
fi

OPENSSL_MODULES=$top_builddir/provider/.libs
export OPENSSL_MODULES
unset OPENSSL_CONF
# in the probe's shell, $PPID is evp_test
EVP_PROBE_AT_END="\"$WDCTL\" stats --json --pid \$PPID > \"\$EVP_PROBE_OUT\""
export EVP_PROBE_AT_END

for cfg in $CONFIGS; do
	cnf=$(write_config "$cfg")
	for recipe in $RECIPES; do
		log=$WORK/evp-$cfg-${recipe%.txt}.log
		EVP_PROBE_OUT=$WORK/stats-$cfg-${recipe%.txt}.json
		export EVP_PROBE_OUT
		rm -f "$EVP_PROBE_OUT"
		"$EVP_TEST" -config "$cnf" "$DATA/$recipe" > "$log" 2>&1
		rc=$?
		done_line=$(grep -o 'Completed [0-9]* tests with [0-9]* errors and [0-9]* skipped' "$log" | tail -n 1)
		case $done_line in
		*" with 0 errors "*) ;;
		*) rc=1;;
		esac
		tap_ok $rc "$recipe under $cfg: ${done_line:-evp_test did not finish (exit $rc)}"
		if [ $rc -ne 0 ]; then
			grep -B 3 -A 14 'ERROR\|Source of above' "$log" | head -n 300 | sed 's/^/# /'
			tail -n 5 "$log" | sed 's/^/# /'
		fi
	done
	aes_q=0 aes_sw=0 rsa_q=0
	for f in "$WORK"/stats-"$cfg"-*.json; do
		aes_q=$((aes_q + $(counters "$f" aes- offloaded)))
		aes_sw=$((aes_sw + $(counters "$f" aes- fallback)))
		rsa_q=$((rsa_q + $(counters "$f" rsa- offloaded)))
	done
	# below the threshold AES is still wd's work, in software inside wd
	if [ "$cfg" = threshold-0 ]; then aes=$aes_q; else aes=$((aes_q + aes_sw)); fi
	[ "$rsa_q" -gt 0 ] && [ "$aes" -gt 0 ]
	tap_ok $? "wd served the work under $cfg: RSA on queues $rsa_q, AES on queues $aes_q, AES in software inside wd $aes_sw"
done
echo "# $(($(date +%s) - start)) s in all"
