#!/bin/sh
# build-guest.sh WORK - build the guest's test programs, statically linked
# (the guest has no libc): a static libwd from the libwd sources, the kernel
# tests of test/qemu/guest/ and the core queue tests of test/core/, which run
# against the kernel device (WD_DEVICE=kernel). Writes WORK/root/tests/ and
# WORK/tests.list, the guest's run list ("name command").
# KMOD_QEMU_FULL=1 adds the long suites (core stress, compression, RSA).
set -eu
work=$1
full=${KMOD_QEMU_FULL:-}
cc=${CC:-cc}
src=$top_srcdir
inc="-I$top_builddir -I$src/libwd/include -I$src/libwd -I$src/test -I$src/test/qemu/guest"
cflags="-O2 -pthread -include $top_builddir/config.h $inc"
obj=$work/obj
out=$work/root/tests
mkdir -p "$obj" "$out"

# libwd: every source compiles; the static link pulls in only what a test
# uses. The kernel user driver is referenced weakly by the core, so it is
# named explicitly (-u) or the archive would never hand it out.
find "$src/libwd" -name '*.c' | sort | while read -r f; do
	o=$obj/$(echo "${f#"$src"/}" | tr '/' '_' | sed 's/\.c$/.o/')
	$cc $cflags -Wall -Wextra $(pkg-config --cflags libisal 2>/dev/null) \
		-c "$f" -o "$o"
done
rm -f "$obj/libwd-guest.a"
ar rcs "$obj/libwd-guest.a" "$obj"/*.o
libs="$obj/libwd-guest.a -Wl,-u,wd_uacce_drv -lcrypto -lz -ldl -lpthread"

: >"$work/tests.list"
for f in "$src"/test/qemu/guest/kmod_*.c; do
	name=$(basename "$f" .c)
	$cc $cflags -Wall -Wextra -Werror -static "$f" -o "$out/$name" $libs
	echo "$name $name" >>"$work/tests.list"
done
# the rmmod test reloads the modules: it runs last
sed -i '/^kmod_rmmod /d' "$work/tests.list"

# The core tests run on the kernel device (WD_DEVICE=kernel), except those
# that name the built-in soft device: they run with the default device
# choice, where kernel devices come first; the fault-injection tests of the
# soft device do not run here. The no-syscall test needs an
# engine that does not doze off between two requests on a slow emulated CPU.
spin=/sys/module/wd_soft/parameters/spin_us
for f in "$src"/test/core/test_*.c; do
	name=core_$(basename "$f" .c)
	$cc $cflags -Wall -Wextra -static "$f" -o "$out/$name" $libs
	run="env WD_DEVICE=kernel WD_STATS_DIR=/tmp $name"
	# fault injection is a feature of the built-in soft device only
	grep -q WD_SOFT_FAULT "$f" && continue
	# 800000 requests take minutes on an emulated CPU: full runs only
	[ "$name" = core_test_queue_stress ] && [ -z "$full" ] && continue
	if grep -q '"soft"' "$f"; then
		run="env WD_STATS_DIR=/tmp $name"
	elif [ "$name" = core_test_no_syscall ]; then
		run="sh -c 'echo 1000000 >$spin; $run; r=\$?; echo 50 >$spin; exit \$r'"
	fi
	echo "$name $run" >>"$work/tests.list"
done
for f in "$src"/test/core/*.c; do
	case $(basename "$f") in test_*) continue ;; esac
	# helpers that dlopen the build's libwd.so (config_dump) are host-only
	grep -q LIBWD_SO "$f" && continue
	$cc $cflags -Wall -Wextra -static "$f" -o "$out/$(basename "$f" .c)" $libs
done
# The compression and crypto tests of libwd, linked as usual against the
# build's libwd.so (which carries the kernel driver) and run with the
# default device choice: kernel devices serve what they list, the built-in
# soft device the rest. The shared libraries come along into the guest.
# Tests of the zlib shim and the OpenSSL provider need more of a system
# (LD_PRELOAD, a provider directory) and stay on the host.
libdir=$top_builddir/libwd/.libs
for f in "$src"/test/comp/test_*.c "$src"/test/crypto/test_*.c; do
	[ -f "$f" ] || continue
	grep -Eq 'dlopen|LD_PRELOAD|OSSL_PROVIDER|WD_SOFT_FAULT' "$f" && continue
	name=$(basename "$(dirname "$f")")_$(basename "$f" .c)
	# the long suites (every compression setting, RSA key generation) are
	# for full runs; the cipher suite is quick
	[ "$name" = crypto_test_cipher ] || [ -n "$full" ] || continue
	$cc $cflags -Wall -Wextra -I"$(dirname "$f")" "$f" -o "$out/$name" \
		-L"$libdir" -lwd -lcrypto -lz -lpthread
	echo "$name env LD_LIBRARY_PATH=/lib/wd-libs WD_STATS_DIR=/tmp $name" >>"$work/tests.list"
	LD_LIBRARY_PATH=$libdir ldd "$out/$name" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' >>"$work/libs.list"
done
mkdir -p "$work/root/lib/wd-libs"
if [ -s "$work/libs.list" ]; then
	sort -u "$work/libs.list" | while read -r l; do
		mkdir -p "$work/root$(dirname "$l")"
		cp -L "$l" "$work/root$l"
	done
	cp -L "$libdir"/libwd.so.0 "$work/root/lib/wd-libs/"
	# the real zlib that libwd opens by path for its fallback
	z=$(sed -n 's/^#define SYSTEM_LIBZ "\(.*\)"/\1/p' "$top_builddir/config.h")
	if [ -n "$z" ] && [ -f "$z" ]; then
		mkdir -p "$work/root$(dirname "$z")"
		cp -L "$z" "$work/root$z"
	fi
fi

echo "kmod_rmmod kmod_rmmod" >>"$work/tests.list"
