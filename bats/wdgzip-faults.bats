#!/usr/bin/env bats
# wdgzip-faults.bats - wdgzip -d reading a pipe while the soft device fails
# (WD_SOFT_FAULT, libwd/soft/soft_fault.c). A pipe cannot be read twice, so
# a device error mid-member is redone in software from the copy wdgzip keeps
# of the member's compressed bytes (tools/wdgzip/replay.c). Every output is
# compared with GNU gzip's, and the counters, read from outside the process
# while it runs, must say what happened (DESIGN.md invariants 3 and 5).

load helpers

setup() {
	PATH="$top_builddir/tools/wdgzip:$PATH"
	T="$BATS_TEST_TMPDIR"
	cd "$T"
	export WD_DEVICE=soft	# the faults are the soft device's
}

# inflate_counter JSON NAME: the inflate counter NAME of process wpid.
inflate_counter() {
	json_get "$1" "[p['algorithms'].get('inflate', {}).get('$2', 0) for p in j['processes'] if p['pid']==$wpid][0]"
}

@test "wdgzip -d from a pipe: every WD_SOFT_FAULT mode gives GNU gzip's output" {
	mkfile 3000000 s
	gzip -c s > s.gz
	# two members: a fault may also hit the second one
	wdgzip -c s > ss.gz
	cat s.gz >> ss.gz
	gzip -dc s.gz > ref
	gzip -dc ss.gz > ref2
	for f in missing error=1 error=2 error=3 error=5 vanish=0 vanish=1 vanish=3 slow=2000 busy=2 busy=5; do
		cat s.gz | WD_SOFT_FAULT=$f wdgzip -d > out ||
			{ echo "$f: status $?"; false; }
		cmp out ref || { echo "$f: output differs from gzip's"; false; }
		cat ss.gz | WD_SOFT_FAULT=$f wdgzip -d > out ||
			{ echo "$f, two members: status $?"; false; }
		cmp out ref2 || { echo "$f, two members: output differs"; false; }
	done
}

@test "wdgzip -d from a pipe: a device error is counted, software finishes the member" {
	mkfile 3000000 s
	gzip -c s > s.gz
	for f in error=1 error=2 vanish=1; do
		WD_SOFT_FAULT=$f held_run s.gz d.json inflate \
			"c.get('errors',0) >= 1 and c.get('fallback',0) >= 1" -d
		[ "$rc" -eq 0 ] || { echo "$f: status $rc"; false; }
		cmp out s || { echo "$f: wrong output"; false; }
		[ "$seen" -eq 1 ] || { echo "$f: no error and fallback counted"; cat d.json; false; }
	done
}

# A full queue is "not now": the request is sent again and stays on the
# device; nothing is counted as an error or a fallback.
@test "wdgzip -d from a pipe on a queue that is often full stays on the device" {
	mkfile 3000000 s
	gzip -c s > s.gz
	WD_SOFT_FAULT=busy=2 held_run s.gz d.json inflate "c.get('offloaded',0) >= 1" -d
	[ "$rc" -eq 0 ]
	cmp out s
	[ "$seen" -eq 1 ] || { cat d.json; false; }
	[ "$(inflate_counter d.json errors)" -eq 0 ]
	[ "$(inflate_counter d.json fallback)" -eq 0 ]
}

# 24 MB of random data: its member is larger than the part of the copy
# kept in memory (16 MiB), so with the error late enough the rest of the
# copy comes from the spill file in TMPDIR. The pipe hands out at most
# 64 KiB per read, so the member takes more than 300 device requests and
# the device vanishes before its end.
@test "wdgzip -d from a pipe: a large member is redone after a late device error" {
	head -c 24000000 /dev/urandom > r
	gzip -1 -c r > r.gz
	mkdir tmp
	TMPDIR="$T/tmp" WD_SOFT_FAULT=vanish=300 held_run r.gz d.json inflate \
		"c.get('errors',0) >= 1" -d
	[ "$rc" -eq 0 ]
	cmp out r
	[ "$seen" -eq 1 ] || { cat d.json; false; }
	# the copy is unlinked as soon as it is made: nothing is left
	[ -z "$(ls -A tmp)" ]
}
