#!/usr/bin/env bats
# wdgzip's output bytes depend on the input, the level and the options that
# say where the stream is cut (--rsyncable) only (DESIGN.md invariant 4):
# not on -p, on how many engines serve the queues, on their timing, on a
# device failing chunks, or on whether there is a device at all. Its
# session is chunked (WD_COMP_F_CHUNKED, wd_comp.h), and every chunk comes
# out as the device's coder codes it, whoever codes it. The zlib shim's
# side of the same invariant is bats/shim-determinism.bats.

load helpers

setup() {
	PATH="$top_builddir/tools/wdgzip:$PATH"
	T="$BATS_TEST_TMPDIR"
	cd "$T"
	# text and binary from this machine: a regular file of many chunks
	{ tar cf - -C /usr/include . 2>/dev/null | head -c 4000000
	  head -c 2000000 "$(command -v bash)"; } > in
}

# same REF ENV... -- ARGS...: wdgzip ARGS under the environment ENV gives
# the bytes of REF, and GNU gzip reads them back.
same() {
	local ref=$1 envs=()
	shift
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" wdgzip "$@" > got
	cmp got "$ref" || { echo "differs: ${envs[*]} wdgzip $*"; false; }
}

@test "-p 1, 2 and 4, and the number of engines, change no byte" {
	for level in 1 6 9; do
		wdgzip -$level -p 1 -c in > ref
		gzip -t ref
		gzip -dc ref | cmp - in
		same ref -- -$level -p 2 -c in
		same ref -- -$level -p 4 -c in
		same ref WD_SOFT_ENGINES=1 -- -$level -p 4 -c in
		same ref WD_SOFT_ENGINES=4 -- -$level -p 2 -c in
	done
}

@test "timing, device errors and no device change no byte" {
	for level in 1 6; do
		wdgzip -$level -p 2 -c in > ref
		# slow engines: chunks complete in another order
		same ref WD_DEVICE=soft WD_SOFT_FAULT=slow=3000 -- -$level -p 4 -c in
		# chunks the device fails are redone in software
		same ref WD_DEVICE=soft WD_SOFT_FAULT=error=3 -- -$level -p 2 -c in
		same ref WD_DEVICE=soft WD_SOFT_FAULT=vanish=5 -- -$level -p 2 -c in
		# a queue that stays full: some chunks in software
		same ref WD_DEVICE=soft WD_SOFT_FAULT=busy=2 -- -$level -p 2 -c in
		# no device at all
		same ref WD_DEVICE=nosuch -- -$level -p 2 -c in
	done
}

@test "from a pipe and with --rsyncable, -p changes no byte either" {
	wdgzip -6 -p 1 -c < in > ref
	gzip -dc ref | cmp - in
	same ref -- -6 -p 3 -c < in
	wdgzip -6 --rsyncable -p 1 -c < in > ref
	gzip -dc ref | cmp - in
	same ref -- -6 --rsyncable -p 4 -c < in
	same ref WD_DEVICE=nosuch -- -6 --rsyncable -p 2 -c < in
}
