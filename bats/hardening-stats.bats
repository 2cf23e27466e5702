#!/usr/bin/env bats
# hardening-stats.bats - other users against a libwd process (issue 20,
# doc/hardening.md): the counter file in a world-writable directory cannot
# be used to kill the process or to make it write where it should not, a
# setuid program honours none of its caller's WD_* knobs, and wdctl reads
# hostile or half-written counter files without hanging or crashing.
#
# Run as root, the suite plays both users: the victim runs as root, the
# attacker as uid 65534 (setpriv). Without root or setpriv those tests skip
# and say why.

load helpers

VICTIM="$top_builddir/test/hardening/stats_victim"
SUID="$top_builddir/test/hardening/suid_zlib"
HOLD="$top_builddir/test/core/wd_hold"
NOBODY=65534

setup() {
	T="$BATS_TEST_TMPDIR"
	D=
	MNT=
	SLEEPERS=
}

teardown() {
	[ -z "$SLEEPERS" ] || kill $SLEEPERS 2>/dev/null || true
	[ -z "$MNT" ] || umount "$MNT" 2>/dev/null || true
	[ -z "$D" ] || rm -rf "$D"
	[ -z "${HOLD_PID:-}" ] || { exec 8>&-; wait "$HOLD_PID" || true; }
}

as_nobody() {
	setpriv --reuid "$NOBODY" --regid "$NOBODY" --clear-groups "$@"
}

need_two_uids() {
	[ "$(id -u)" -eq 0 ] ||
		skip "needs root to play both users (the victim, and uid $NOBODY as the attacker)"
	command -v setpriv > /dev/null || skip "setpriv (util-linux) is not installed"
	as_nobody true || skip "cannot switch to uid $NOBODY"
}

need_prog() {
	[ -x "$1" ] || skip "$1 is not built (make -C test check builds it)"
}

# A directory like /dev/shm (tmpfs, world-writable) with MODE; sets D.
shm_dir() {
	D=$(mktemp -d /dev/shm/wd-hardening.XXXXXX)
	chmod "$1" "$D"
}

# start_victim SECONDS: stats_victim held at a fifo until go_victim, so
# that its pid (VPID) is known before it runs; output in $T/victim.out.
start_victim() {
	mkfifo "$T/go"
	(read -r _ < "$T/go"; WD_STATS_DIR="$D" WD_ZLIB=force exec "$VICTIM" "$1") \
		> "$T/victim.out" 2>&1 3>&- &
	VPID=$!
	F="$D/wd-stats.$VPID"
}

go_victim() {
	echo go > "$T/go"
}

# wait_victim: its exit status in VRC, its output on our stdout.
wait_victim() {
	VRC=0
	wait "$VPID" || VRC=$?
	cat "$T/victim.out"
	[ "$VRC" -ne 135 ] || echo "status 135: the victim died of SIGBUS"
}

# wait_for FILE: up to 20 s for the victim's counter file.
wait_for() {
	for _ in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "a file another user made under the victim's name: not used, and truncating it kills nobody" {
	need_two_uids
	need_prog "$VICTIM"
	shm_dir 1777
	start_victim 4
	# the attacker's file, there before the victim starts: mode 666
	as_nobody sh -c "umask 0; head -c 40000 /dev/zero > '$F'"
	go_victim
	# while the victim compresses: truncate the file, and put another of
	# the attacker's in its place, again and again
	end=$((SECONDS + 3))
	while kill -0 "$VPID" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		as_nobody truncate -s 0 "$F" 2>/dev/null || true
		as_nobody sh -c "umask 0; head -c 100 /dev/zero > '$F.new' && mv -f '$F.new' '$F'" ||
			true
		sleep 0.05
	done
	wait_victim
	[ "$VRC" -eq 0 ]
	grep -q '^rounds=[1-9][0-9]* publishing=0$' "$T/victim.out"
	# the victim never wrote into it: still the attacker's, still junk
	[ "$(stat -c %u "$F")" -eq "$NOBODY" ]
	[ -z "$(tr -d '\0' < "$F")" ]
}

@test "the victim's own file: another user can neither truncate nor replace it" {
	need_two_uids
	need_prog "$VICTIM"
	shm_dir 1777
	start_victim 3
	go_victim
	wait_for "$F"
	[ "$(stat -c '%u %a %h' "$F")" = "0 644 1" ]
	size=$(stat -c %s "$F")
	run as_nobody truncate -s 0 "$F"
	[ "$status" -ne 0 ]
	run as_nobody sh -c "echo x > '$D/other' && mv -f '$D/other' '$F'"
	[ "$status" -ne 0 ]
	[ "$(stat -c '%u %s' "$F")" = "0 $size" ]
	wait_victim
	[ "$VRC" -eq 0 ]
	grep -q '^rounds=[1-9][0-9]* publishing=1$' "$T/victim.out"
	# removed at exit
	[ ! -e "$F" ]
}

@test "a directory without the sticky bit: the file replaced under the victim, who goes on" {
	need_two_uids
	need_prog "$VICTIM"
	shm_dir 0777
	# long enough to be alive still when wdctl looks, on a slow machine
	start_victim 6
	go_victim
	wait_for "$F"
	# the attacker can rename in this directory: put a file of its own in
	# the victim's place and try to shrink that one
	as_nobody sh -c "umask 0; head -c 100 /dev/zero > '$D/x' && mv -f '$D/x' '$F'"
	[ "$(stat -c %u "$F")" -eq "$NOBODY" ]
	as_nobody truncate -s 0 "$F"
	WD_STATS_DIR="$D" run "$WDCTL" stats --pid "$VPID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"wd-stats.$VPID: "*"not a counter file"* ||
	   "$output" == *"wd-stats.$VPID: size 0"* ]]
	[[ "$output" == *"process $VPID publishes no counters"* ]]
	wait_victim
	[ "$VRC" -eq 0 ]
	grep -q '^rounds=[1-9]' "$T/victim.out"
	# at exit the victim removed only its own file, not the attacker's
	[ -e "$F" ]
	[ "$(stat -c %u "$F")" -eq "$NOBODY" ]
}

@test "a full tmpfs: the victim counts in private memory instead of dying on a hole" {
	need_two_uids
	need_prog "$VICTIM"
	D=$(mktemp -d /tmp/wd-hardening.XXXXXX)
	mount -t tmpfs -o size=64k,mode=1777 tmpfs "$D" 2>/dev/null ||
		skip "cannot mount a small tmpfs here (needs CAP_SYS_ADMIN)"
	MNT=$D
	# another user fills the file system the counter files live on
	as_nobody sh -c "head -c 1048576 /dev/zero > '$D/fill'" 2>/dev/null || true
	[ "$(df --output=avail "$D" | tail -n 1)" -eq 0 ]
	start_victim 2
	go_victim
	wait_victim
	[ "$VRC" -eq 0 ]
	grep -q '^rounds=[1-9][0-9]* publishing=0$' "$T/victim.out"
}

# ---- a setuid program and its caller's environment -----------------------

@test "setuid program with the shim as libz.so.1: none of the caller's WD_* knobs takes effect" {
	need_two_uids
	need_prog "$SUID"
	lib="$top_builddir/zlib-shim/.libs/libwdz.so.1"
	[ -e "$lib" ] || skip "the shim is not built ($lib)"
	# the program's RPATH names this directory (test/hardening.am)
	mkdir -p "$top_builddir/test/hardening/suid-lib"
	cp -L "$lib" "$top_builddir/test/hardening/suid-lib/libz.so.1"
	# The program where uid 65534 can reach it, on a file system that
	# honours setuid: /tmp, else the build tree. (The libraries may stay
	# in the build tree: the loader reads them as the program's euid.)
	for base in /tmp "$top_builddir/test/hardening"; do
		case ",$(findmnt -n -o OPTIONS -T "$base")," in
		*,nosuid,*) continue ;;
		esac
		D=$(mktemp -d "$base/wd-suid.XXXXXX")
		chmod 755 "$D"
		as_nobody test -x "$D" && break
		rm -rf "$D"
		D=
	done
	[ -n "$D" ] || skip "no directory that uid $NOBODY can reach on a file system without nosuid"
	cp "$SUID" "$D/suid_zlib"
	chown 0:0 "$D/suid_zlib"
	chmod 4755 "$D/suid_zlib"
	# what the caller asks for: counter files in its own directory, a
	# device class of its own (with a device in our ring format), no
	# soft device, no offload
	C=$(mktemp -d /tmp/wd-caller.XXXXXX)
	chown "$NOBODY" "$C"
	mkdir -p "$C/stats" "$C/class/evil-0/params"
	echo wd_soft_ring_v1 > "$C/class/evil-0/params/api_version"
	echo "deflate zlib gzip" > "$C/class/evil-0/algorithms"
	chmod -R a+rwX "$C"
	run as_nobody env WD_STATS_DIR="$C/stats" WD_SYSFS_CLASS="$C/class" WD_DEVICE=kernel \
		WD_ZLIB=off "$D/suid_zlib"
	rm -rf "$D"
	echo "$output"
	ls -la "$C/stats"
	left=$(ls -A "$C/stats")
	rm -rf "$C"
	[ "$status" -eq 0 ]
	[[ "$output" == *"secure=1"* ]]
	[[ "$output" == *"shim=1"* ]]
	[[ "$output" == *"data=ok"* ]]
	# WD_STATS_DIR: the default, and nothing where the caller asked
	[[ "$output" == *"stats_dir=/dev/shm"* ]]
	[[ "$output" == *"caller_file=no"* ]]
	[ -z "$left" ]
	# WD_SYSFS_CLASS: the caller's device is not seen
	[[ "$output" != *"evil-0"* ]]
	# WD_DEVICE=kernel and WD_ZLIB=off: the soft device still did the work
	[[ "$output" == *"devices="*soft* ]]
	[[ "$output" =~ offloaded=[1-9] ]]
}

@test "the same program without setuid honours the knobs (the test can see them)" {
	need_prog "$SUID"
	lib="$top_builddir/zlib-shim/.libs/libwdz.so.1"
	[ -e "$lib" ] || skip "the shim is not built ($lib)"
	mkdir -p "$top_builddir/test/hardening/suid-lib"
	cp -L "$lib" "$top_builddir/test/hardening/suid-lib/libz.so.1"
	mkdir -p "$T/stats" "$T/class/evil-0/params"
	echo wd_soft_ring_v1 > "$T/class/evil-0/params/api_version"
	echo "deflate zlib gzip" > "$T/class/evil-0/algorithms"
	run env WD_STATS_DIR="$T/stats" WD_SYSFS_CLASS="$T/class" WD_DEVICE=kernel WD_ZLIB=off \
		"$SUID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"secure=0"* ]]
	[[ "$output" == *"stats_dir=$T/stats"* ]]
	[[ "$output" == *"caller_file=yes"* ]]
	[[ "$output" == *"devices=evil-0"* ]]
	[[ "$output" == *"offloaded=0"* ]]
}

# ---- wdctl and hostile counter files ------------------------------------

# A sleeping process per hostile file (a live pid to name it after).
sleeper() {
	sleep 300 3>&- &
	SLEEPERS="$SLEEPERS $!"
	SPID=$!
}

# hold_template: wd_hold with a queue open (its counter file is a template).
hold_template() {
	need_prog "$HOLD"
	start_hold 77 "$T"
}

# patch FILE PID [FILL]: set the pid field (and with FILL, every byte after
# the header to that byte: no string has a NUL, every slot looks used).
patch() {
	python3 - "$@" <<'EOF'
import struct, sys
path, pid = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, "rb").read())
if len(sys.argv) > 3:
    b[16:] = bytes([int(sys.argv[3])]) * (len(b) - 16)
struct.pack_into("<i", b, 8, pid)
open(path, "wb").write(b)
EOF
}

@test "wdctl reports each hostile counter file and still shows the real process" {
	hold_template
	S="$WD_STATS_DIR"
	tmpl="$S/wd-stats.$HOLD_PID"
	[ -f "$tmpl" ]
	size=$(stat -c %s "$tmpl")
	sleeper; mkfifo "$S/wd-stats.$SPID"; fifo=$SPID
	sleeper; ln -s /etc/passwd "$S/wd-stats.$SPID"; link=$SPID
	sleeper; mkdir "$S/wd-stats.$SPID"; dir=$SPID
	sleeper; truncate -s 20G "$S/wd-stats.$SPID"; huge=$SPID
	sleeper; head -c 100 /dev/urandom > "$S/wd-stats.$SPID"; small=$SPID
	sleeper; head -c "$size" /dev/zero > "$S/wd-stats.$SPID"; zero=$SPID
	sleeper; cp "$tmpl" "$S/wd-stats.$SPID"; wrongpid=$SPID
	sleeper; cp "$tmpl" "$S/wd-stats.$SPID"; patch "$S/wd-stats.$SPID" "$SPID" 65
	nonul=$SPID
	sleeper; cp "$tmpl" "$S/wd-stats.$SPID"; printf 'XXXX' |
		dd of="$S/wd-stats.$SPID" conv=notrunc status=none; magic=$SPID
	touch "$S/wd-stats.12abc"
	run timeout 20 "$WDCTL" stats
	echo "$output"
	rm -rf "$S"/wd-stats.$fifo "$S"/wd-stats.$link "$S"/wd-stats.$dir "$S"/wd-stats.$huge \
		"$S"/wd-stats.$small "$S"/wd-stats.$zero "$S"/wd-stats.$wrongpid \
		"$S"/wd-stats.$nonul "$S"/wd-stats.$magic "$S/wd-stats.12abc"
	[ "$status" -eq 0 ]
	[[ "$output" == *"wd-stats.$fifo: a FIFO"* ]]
	[[ "$output" == *"wd-stats.$link: a symbolic link"* ]]
	[[ "$output" == *"wd-stats.$dir: a directory"* ]]
	[[ "$output" == *"wd-stats.$huge: size 21474836480"* ]]
	[[ "$output" == *"wd-stats.$small: size 100"* ]]
	[[ "$output" == *"wd-stats.$zero: not initialised"* ]]
	[[ "$output" == *"wd-stats.$wrongpid: written for pid $HOLD_PID"* ]]
	[[ "$output" == *"wd-stats.$magic: wrong magic"* ]]
	[[ "$output" == *"wd-stats.12abc: name is not"* ]]
	# a file of the right shape, every string without its NUL: printed cut
	[[ "$output" == *"PROCESS $nonul ($(printf 'A%.0s' $(seq 31))): "* ]]
	# and the real one is still there
	[[ "$output" == *"PROCESS $HOLD_PID "*"requests=77 "* ]]
}

@test "wdctl: a counter file of another user under a process's name is not that process's" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a file owned by uid $NOBODY"
	hold_template
	S="$WD_STATS_DIR"
	sleeper
	cp "$WD_STATS_DIR/wd-stats.$HOLD_PID" "$S/wd-stats.$SPID"
	patch "$S/wd-stats.$SPID" "$SPID"
	chown "$NOBODY" "$S/wd-stats.$SPID"
	run "$WDCTL" stats --pid "$SPID"
	echo "$output"
	rm -f "$S/wd-stats.$SPID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"owned by uid $NOBODY, not by process $SPID's user"* ]]
	[[ "$output" != *"PROCESS $SPID"* ]]
}

@test "wdctl: files truncated and rewritten while it reads them" {
	hold_template
	S="$WD_STATS_DIR"
	sleeper
	f="$S/wd-stats.$SPID"
	cp "$S/wd-stats.$HOLD_PID" "$T/good"
	patch "$T/good" "$SPID"
	# as fast as it goes: whole, then cut to nothing, then whole again
	python3 -c '
import os, sys
good = open(sys.argv[1], "rb").read()
fd = os.open(sys.argv[2], os.O_RDWR | os.O_CREAT, 0o644)
while True:
    os.pwrite(fd, good, 0)
    os.ftruncate(fd, 0)
' "$T/good" "$f" 3>&- &
	writer=$!
	bad=0
	for _ in $(seq 150); do
		timeout 10 "$WDCTL" stats > "$T/o" 2> "$T/e" || { bad=$?; break; }
		grep -q "PROCESS $HOLD_PID " "$T/o" || { bad=99; break; }
	done
	kill "$writer"
	wait "$writer" || true
	rm -f "$f" "$f.tmp"
	cat "$T/e"
	[ "$bad" -eq 0 ] || { echo "wdctl status $bad (135: SIGBUS)"; false; }
}
