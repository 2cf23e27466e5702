#!/bin/sh
# run-qemu.sh - the kernel tests: boot Debian's kernel under qemu (software
# emulation) with an initramfs holding uacce.ko, wd_soft.ko, busybox and
# statically linked test programs, and turn what the guest prints on its
# serial console into one TAP stream on the host.
#
# Environment (set by the wrapper test/qemu/kmod-qemu that make generates):
#   KERNEL_DIR  kernel headers the modules were built against (empty: none)
#   QEMU        qemu-system-x86_64 (empty: none)
#   CC          the C compiler
#   top_srcdir, top_builddir (absolute)
# Optional: KMOD_QEMU_TIMEOUT (seconds, default 600; 2400 with
# KMOD_QEMU_FULL=1, which adds the long libwd suites), KMOD_BUSYBOX,
# CHECKPATCH (path of checkpatch.pl).
set -u

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit $?
}

[ -n "${KERNEL_DIR:-}" ] || skip_all "no kernel headers (configure found no /usr/src/linux-headers-*-amd64)"
[ -n "${QEMU:-}" ] || skip_all "qemu-system-x86_64 is not installed"
# the release modules are built for (Debian's kernel.release file differs)
ver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
	"$KERNEL_DIR/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$ver" ] || skip_all "cannot tell the kernel release of $KERNEL_DIR"
vmlinuz=/boot/vmlinuz-$ver
[ -r "$vmlinuz" ] || skip_all "$vmlinuz is missing (install linux-image-$ver)"
busybox=${KMOD_BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] && ! readelf -l "$busybox" 2>/dev/null | grep -q INTERP ||
	skip_all "no static busybox at $busybox (install busybox-static)"
command -v cpio >/dev/null || skip_all "cpio is not installed"

kmod=$top_builddir/kmod
work=$top_builddir/test/qemu-work
rm -rf "$work"
mkdir -p "$work/root/bin" "$work/root/lib/wd" "$work/root/tests" \
	"$work/root/etc" "$work/obj"

check "modules built against $ver" test -f "$kmod/uacce.ko" -a -f "$kmod/wd_soft.ko"
cp "$kmod/uacce.ko" "$kmod/wd_soft.ko" "$work/root/lib/wd/" 2>/dev/null
# AES modes Debian builds as modules; the guest has no modprobe database
mkdir -p "$work/root/lib/wd/crypto"
for m in ecb ctr xts; do
	cp "/lib/modules/$ver/kernel/crypto/$m.ko" "$work/root/lib/wd/crypto/" 2>/dev/null
done

# Kernel style, when a checkpatch.pl is at hand ($CHECKPATCH, or a tree's).
checkpatch=${CHECKPATCH:-}
for c in "$KERNEL_DIR/scripts/checkpatch.pl" /usr/src/linux-headers-*-common/scripts/checkpatch.pl; do
	[ -z "$checkpatch" ] && [ -f "$c" ] && checkpatch=$c
done
if [ -n "$checkpatch" ]; then
	if perl "$checkpatch" --no-tree --terse --quiet -f "$top_srcdir"/kmod/*.c \
		"$top_srcdir"/kmod/*.h "$top_srcdir/libwd/include/uacce.h" >"$work/checkpatch.log" 2>&1; then
		ok "checkpatch.pl: no error or warning in kmod/"
	else
		not_ok "checkpatch.pl: no error or warning in kmod/"
		sed 's/^/# /' "$work/checkpatch.log" | head -n 20
	fi
else
	n=$((n + 1))
	echo "ok $n - checkpatch.pl # SKIP not in the kernel headers tree (set CHECKPATCH=)"
fi

# Guest programs, statically linked: a static libwd, then each test.
if sh "$top_srcdir/test/qemu/build-guest.sh" "$work" >"$work/build.log" 2>&1; then
	ok "guest test programs built statically"
else
	not_ok "guest test programs built statically (see $work/build.log)"
	sed 's/^/# /' "$work/build.log" | tail -n 40
	finish
fi

cp "$busybox" "$work/root/bin/busybox"
cp "$top_srcdir/test/qemu/guest-init.sh" "$work/root/init"
chmod 755 "$work/root/init"
cp "$work/tests.list" "$work/root/etc/wd-tests"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

# a hang must fail the run, not stall it; a loaded machine needs slack
qtimeout=${KMOD_QEMU_TIMEOUT:-600}
[ -n "${KMOD_QEMU_FULL:-}" ] && [ -z "${KMOD_QEMU_TIMEOUT:-}" ] && qtimeout=2400
timeout "$qtimeout" "$QEMU" -m 512 -smp 2 -nographic \
	-no-reboot -net none -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1" \
	</dev/null >"$work/console.log" 2>&1
qemu_status=$?
tr -d '\r' <"$work/console.log" >"$work/console.txt"

check "guest booted" grep -q '@@BOOTED' "$work/console.txt"
grep '^@@I ' "$work/console.txt" | sed 's/^@@I /# /'

# Each guest TAP line becomes one host line, named after its program; a
# program's plan must match what it printed, and it must exit 0.
awk -v start="$n" '
function flush(name) {
	if (name == "" || name == "init")
		return
	if (plan[name] == "" && !skipped[name])
		fail("no TAP plan from " name)
	else if (!skipped[name] && plan[name] != count[name])
		fail(name ": planned " plan[name] ", ran " count[name])
	if (!(name in status))
		fail(name ": did not finish (no exit status)")
	else if (status[name] != 0)
		fail(name ": exit status " status[name])
	else
		pass(name ": plan complete, exit 0")
}
function pass(d) { printf "ok %d - %s\n", ++n, d }
function fail(d) { printf "not ok %d - %s\n", ++n, d; bad++ }
BEGIN { n = start; bad = 0; cur = "" }
/^@@R / { flush(cur); cur = $2; next }
/^@@X / { status[$2] = $3; next }
/^@@T / {
	name = $2
	line = $0
	sub(/^@@T [^ ]+ /, "", line)
	if (line ~ /^1\.\.0/) { skipped[name] = 1; printf "ok %d - %s # SKIP %s\n", ++n, name, line; next }
	if (line ~ /^1\.\.[0-9]+/) { p = line; sub(/^1\.\./, "", p); sub(/[^0-9].*/, "", p); plan[name] = p; next }
	if (line ~ /^(not )?ok /) {
		count[name]++
		isok = (line ~ /^ok /)
		desc = line
		sub(/^not /, "", desc)
		sub(/^ok */, "", desc)
		sub(/^[0-9]+ */, "", desc)
		sub(/^- */, "", desc)
		if (isok) printf "ok %d - %s: %s\n", ++n, name, desc
		else { printf "not ok %d - %s: %s\n", ++n, name, desc; bad++ }
		next
	}
	if (line ~ /^Bail out!/) { fail(name ": " line); next }
	print "# " name ": " line
}
END {
	flush(cur)
	printf "%d %d\n", n, bad > "/dev/stderr"
}' "$work/console.txt" 2>"$work/counts"
read total bad <"$work/counts"
n=$total
failed=$((failed + bad))

check "guest powered off cleanly (qemu status $qemu_status)" grep -q '^@@DONE' "$work/console.txt"
grep '^@@D ' "$work/console.txt" | sed 's/^@@D //' >"$work/dmesg.txt"
pattern='WARNING|BUG|Oops|general protection|refcount|Call Trace|hung_task|blocked for more than'
if grep -Eq "$pattern" "$work/dmesg.txt"; then
	not_ok "guest dmesg has no WARNING/BUG/Oops/general protection/refcount line"
	grep -E -A3 "$pattern" "$work/dmesg.txt" | head -n 60 | sed 's/^/# /'
else
	check "guest dmesg has no WARNING/BUG/Oops/general protection/refcount line" \
		test -s "$work/dmesg.txt"
fi
if [ "$failed" -ne 0 ]; then
	echo "# console: $work/console.txt"
	grep -v '^@@' "$work/console.txt" | tail -n 30 | sed 's/^/# /'
fi
finish
