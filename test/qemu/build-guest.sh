#!/bin/sh
# build-guest.sh WORK - build the guest's test programs, statically linked
# (the guest has no libc): a static libwd from the libwd sources, the kernel
# tests of test/qemu/guest/ and the core queue tests of test/core/, which run
# against the kernel device (WD_DEVICE=kernel). Writes WORK/root/tests/ and
# WORK/tests.list, the guest's run list ("name command").
set -eu
work=$1
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
	if grep -q '"soft"' "$f"; then
		run="env WD_STATS_DIR=/tmp $name"
	elif [ "$name" = core_test_no_syscall ]; then
		run="sh -c 'echo 1000000 >$spin; $run; r=\$?; echo 50 >$spin; exit \$r'"
	fi
	echo "$name $run" >>"$work/tests.list"
done
for f in "$src"/test/core/*.c; do
	case $(basename "$f") in test_*) continue ;; esac
	$cc $cflags -Wall -Wextra -static "$f" -o "$out/$(basename "$f" .c)" $libs
done
echo "kmod_rmmod kmod_rmmod" >>"$work/tests.list"
