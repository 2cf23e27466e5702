#!/usr/bin/env bats
# wdctl: devices, counters read from another process, usage errors.

load helpers

setup() {
	HOLD="$top_builddir/test/core/wd_hold"
}

@test "wdctl --help describes both commands" {
	run "$WDCTL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"list"* ]]
	[[ "$output" == *"stats"* ]]
}

@test "wdctl --version prints the package version" {
	run "$WDCTL" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "wdctl (warpdrive) "* ]]
}

@test "wdctl list shows the soft device and its ring format" {
	run "$WDCTL" list
	[ "$status" -eq 0 ]
	[[ "$output" == *"soft"*"wd_soft_ring_v1"*"sva,share"*"nop memcpy"* ]]
}

@test "wdctl list --json is valid JSON naming the soft device" {
	"$WDCTL" list --json > "$BATS_TEST_TMPDIR/l.json"
	run json_get "$BATS_TEST_TMPDIR/l.json" '[d["api_version"] for d in j["devices"] if d["name"]=="soft"][0]'
	[ "$status" -eq 0 ]
	[ "$output" = "wd_soft_ring_v1" ]
}

@test "wdctl stats reads another process's queue counters" {
	start_hold 1234
	run "$WDCTL" stats --pid "$HOLD_PID"
	stop_hold
	[ "$status" -eq 0 ]
	[[ "$output" == *"PROCESS $HOLD_PID"* ]]
	[[ "$output" == *"requests=1234 "* ]]
	[[ "$output" == *"bytes_in=1234000 "* ]]
}

@test "wdctl stats --json gives per-queue and per-algorithm counters" {
	start_hold 321
	"$WDCTL" stats --json > "$BATS_TEST_TMPDIR/s.json"
	stop_hold
	run json_get "$BATS_TEST_TMPDIR/s.json" "[(p['queues'][0]['requests'], p['algorithms']['demo-copy']['offloaded'], p['queues'][0]['device']) for p in j['processes'] if p['pid']==$HOLD_PID][0]"
	[ "$status" -eq 0 ]
	[ "$output" = "(321, 321, 'soft')" ]
}

@test "a process's counters disappear when it exits" {
	start_hold 1
	stop_hold
	run "$WDCTL" stats --pid "$HOLD_PID"
	[ "$status" -eq 1 ]
}

@test "counter files of dead processes are removed by wdctl stats" {
	# pid_max is far above any pid in use; such a process cannot exist.
	touch "$WD_STATS_DIR/wd-stats.99999999"
	run "$WDCTL" stats
	[ "$status" -eq 0 ]
	[ ! -e "$WD_STATS_DIR/wd-stats.99999999" ]
}

@test "wdctl rejects an unknown command with status 2" {
	run "$WDCTL" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command"* ]]
}

@test "wdctl rejects a bad pid with status 2" {
	run "$WDCTL" stats --pid abc
	[ "$status" -eq 2 ]
}

@test "the demo moves data through a queue and wdctl shows it" {
	run "$top_builddir/tools/demo/wd_demo" "$WDCTL"
	[ "$status" -eq 0 ]
	[[ "$output" == *"every byte checked"* ]]
	# 64 MiB in 1 MiB requests plus 100000 NOPs, all counted from outside.
	[[ "$output" == *"requests=100064 "* ]]
	[[ "$output" == *"bytes_in=67108864 "* ]]
}

@test "wdctl stats shows kernel device counters from sysfs" {
	cls="$BATS_TEST_TMPDIR/class"
	mkdir -p "$cls/wd_soft-0/stats" "$cls/other-0"
	echo 42 > "$cls/wd_soft-0/stats/requests"
	echo 4200 > "$cls/wd_soft-0/stats/bytes_in"
	echo 1 > "$cls/wd_soft-0/stats/errors"
	WD_SYSFS_CLASS="$cls" "$WDCTL" stats --json > "$BATS_TEST_TMPDIR/d.json"
	run json_get "$BATS_TEST_TMPDIR/d.json" "[(d['name'], d['requests'], d['bytes_in'], d['errors']) for d in j['devices']]"
	[ "$status" -eq 0 ]
	[ "$output" = "[('wd_soft-0', 42, 4200, 1)]" ]
	WD_SYSFS_CLASS="$cls" run "$WDCTL" stats
	[[ "$output" == *"DEVICE wd_soft-0 (kernel): requests=42 errors=1 bytes_in=4200"* ]]
}
