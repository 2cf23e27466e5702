#!/usr/bin/env bats
# wdctl config: every knob of libwd's table with its effective value and its
# source; doc/config.md agrees with the table; an AT_SECURE process ignores
# every WD_* variable.

load helpers

DUMP="$top_builddir/test/core/config_dump"

# knob NAME: the VALUE and SOURCE columns of NAME in $output, with single
# spaces between words
knob() {
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print }' <<< "$output"
}

@test "wdctl --help names the config command and --list" {
	run "$WDCTL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"config"* ]]
	[[ "$output" == *"--list"* ]]
}

@test "wdctl config: unset knobs show their defaults" {
	run env -u WD_DEVICE -u WD_SOFT_ENGINES -u WD_ZLIB -u WD_ZLIB_CHUNK \
		-u WD_SOFT_FAULT -u WD_RECV_SPIN_MAX_US "$WDCTL" config
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(knob WD_DEVICE)" =~ ^auto\ +default$ ]]
	[[ "$(knob WD_ZLIB)" =~ ^auto\ +default$ ]]
	[[ "$(knob WD_SOFT_FAULT)" =~ ^-\ +default$ ]]
	[[ "$(knob WD_RECV_SPIN_MAX_US)" =~ ^2000\ +default$ ]]
	[[ "$(knob WD_ZLIB_REPLAY_MAX)" =~ ^8M\ +default$ ]]
	# online CPUs
	n=$(getconf _NPROCESSORS_ONLN)
	[ "$n" -le 256 ] || n=256
	[[ "$(knob WD_SOFT_ENGINES)" =~ ^$n\ +default$ ]]
	# the helpers export WD_STATS_DIR: that one comes from the environment
	[ "$(knob WD_STATS_DIR)" = "$WD_STATS_DIR environment" ]
}

@test "wdctl config: set knobs show the environment's values" {
	run env WD_DEVICE=soft WD_SOFT_ENGINES=3 WD_ZLIB=on WD_ZLIB_CHUNK=128k \
		WD_SOFT_FAULT=error=3,noevent WD_COMP_INLINE_MAX=0 "$WDCTL" config
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(knob WD_DEVICE)" =~ ^soft\ +environment$ ]]
	[[ "$(knob WD_SOFT_ENGINES)" =~ ^3\ +environment$ ]]
	[[ "$(knob WD_ZLIB)" =~ ^force\ +environment$ ]]
	[[ "$(knob WD_ZLIB_CHUNK)" =~ ^128k\ +environment$ ]]
	[[ "$(knob WD_SOFT_FAULT)" =~ ^error=3,noevent\ +environment$ ]]
	[[ "$(knob WD_COMP_INLINE_MAX)" =~ ^0\ +environment$ ]]
}

@test "wdctl config: invalid values keep the default and say so" {
	run env WD_SOFT_SPIN_US=abc WD_SOFT_MAX_QUEUES=70000 WD_ZLIB=maybe \
		WD_ZLIB_PARALLEL=1 WD_COMP_ISAL_LEVEL=2x "$WDCTL" config
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(knob WD_SOFT_SPIN_US)" = '200 invalid, default used (given "abc")' ]
	[[ "$(knob WD_SOFT_MAX_QUEUES)" =~ ^1024\ +invalid,\ default\ used\ \(given\ \"70000\"\)$ ]]
	[[ "$(knob WD_ZLIB)" =~ ^auto\ +invalid,\ default\ used\ \(given\ \"maybe\"\)$ ]]
	[[ "$(knob WD_ZLIB_PARALLEL)" =~ ^[2-8]\ +invalid,\ default\ used ]]
	[[ "$(knob WD_COMP_ISAL_LEVEL)" =~ ^2\ +invalid,\ default\ used ]]
}

@test "wdctl config --json: values and sources" {
	WD_SOFT_ENGINES=3 WD_SOFT_SPIN_US=abc "$WDCTL" config --json > "$BATS_TEST_TMPDIR/c.json"
	run json_get "$BATS_TEST_TMPDIR/c.json" \
		"[(k['value'], k['source'], k.get('given')) for k in j['knobs'] if k['name'] in ('WD_SOFT_ENGINES', 'WD_SOFT_SPIN_US', 'WD_DEVICE')]"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "[('auto', 'default', None), ('3', 'environment', None), ('200', 'invalid', 'abc')]" ]
}

@test "wdctl config: wd_soft.ko parameters from sysfs, or 'module not loaded'" {
	run "$WDCTL" config
	echo "$output"
	[ "$status" -eq 0 ]
	for p in sva_devs sd_devs nr_queues nr_engines ring_depth share_max_mb spin_us; do
		if [ -d /sys/module/wd_soft ]; then
			v=$(cat "/sys/module/wd_soft/parameters/$p")
			[[ "$(knob "wd_soft.$p")" =~ ^$v\ +/sys/module/wd_soft/parameters/$ ]]
		else
			[[ "$(knob "wd_soft.$p")" =~ ^-\ +module\ not\ loaded$ ]]
		fi
	done
	[[ "$(knob cipher_threshold)" == "- "*"openssl.cnf [wd_sect]"* ]]
}

@test "doc/config.md lists exactly the table (wdctl config --list)" {
	"$WDCTL" config --list > "$BATS_TEST_TMPDIR/table"
	sed -n '/^<!-- wdctl config --list: begin -->$/,/^<!-- wdctl config --list: end -->$/p' \
		"$top_srcdir/doc/config.md" | sed '1d;$d' > "$BATS_TEST_TMPDIR/page"
	[ -s "$BATS_TEST_TMPDIR/page" ]
	diff -u "$BATS_TEST_TMPDIR/page" "$BATS_TEST_TMPDIR/table"
	# every knob libwd reads from the environment is a row
	[ "$(grep -c '| environment |' "$BATS_TEST_TMPDIR/table")" -eq 18 ]
}

# A setgid copy of config_dump (it opens libwd by its absolute path; a
# libtool program such as wdctl cannot find the uninstalled libwd when the
# loader ignores LD_LIBRARY_PATH). The kernel sets AT_SECURE when the
# effective group differs from the real one: that needs a group of ours
# other than our own (root may use any), on a file system without nosuid.
@test "an AT_SECURE process ignores every WD_* variable" {
	[ -x "$DUMP" ] || skip "config_dump is not built"
	grp=
	if [ "$(id -u)" -eq 0 ]; then
		grp=$(getent group nogroup | cut -d: -f3)
	else
		for g in $(id -G); do [ "$g" != "$(id -g)" ] && grp=$g && break; done
	fi
	[ -n "$grp" ] || skip "no group other than our own to make a setgid program with"
	D=
	for base in "$BATS_TEST_TMPDIR" /tmp "$top_builddir/test/core"; do
		case ",$(findmnt -n -o OPTIONS -T "$base" 2>/dev/null)," in
		*,nosuid,*) continue ;;
		esac
		D=$(mktemp -d "$base/wd-sgid.XXXXXX") && break
	done
	[ -n "$D" ] || skip "no file system without nosuid"
	cp "$DUMP" "$D/dump"
	chgrp "$grp" "$D/dump" && chmod 2755 "$D/dump" || skip "cannot make a setgid program"
	set -- WD_SOFT_ENGINES=3 WD_DEVICE=kernel WD_STATS_DIR="$D" WD_SYSFS_CLASS="$D" \
		WD_ZLIB=off WD_SOFT_FAULT=missing WD_SOFT_SPIN_US=abc
	run env -u WD_ZLIB_CHUNK "$@" "$D/dump"
	secure=$output
	run env -u WD_ZLIB_CHUNK "$@" "$DUMP"
	plain=$output
	rm -rf "$D"
	echo "setgid: $secure"
	echo "plain: $plain"
	[[ "$secure" == *"secure=1"* ]] || skip "the kernel did not set AT_SECURE (setgid not honoured here)"
	# the same program without setgid honours them (the test can see them)
	[[ "$plain" == *"secure=0"* ]]
	[[ "$plain" == *"WD_SOFT_ENGINES 3 environment"* ]]
	[[ "$plain" == *"WD_DEVICE kernel environment"* ]]
	[[ "$plain" == *"WD_SOFT_SPIN_US 200 invalid, default used"* ]]
	# setgid: every one of them ignored, the defaults hold
	[[ "$secure" == *"WD_DEVICE auto ignored (AT_SECURE)"* ]]
	[[ "$secure" == *"WD_STATS_DIR /dev/shm ignored (AT_SECURE)"* ]]
	[[ "$secure" == *"WD_SYSFS_CLASS /sys/class/uacce ignored (AT_SECURE)"* ]]
	[[ "$secure" == *"WD_ZLIB auto ignored (AT_SECURE)"* ]]
	[[ "$secure" == *"WD_SOFT_FAULT - ignored (AT_SECURE)"* ]]
	[[ "$secure" == *"WD_SOFT_SPIN_US 200 ignored (AT_SECURE)"* ]]
	[[ "$secure" =~ WD_SOFT_ENGINES\ [0-9]+\ ignored\ \(AT_SECURE\) ]]
	[[ "$secure" != *"WD_SOFT_ENGINES 3 "* ]] || [ "$(nproc)" -eq 3 ]
	# and an unset one is plainly the default
	[[ "$secure" == *"WD_ZLIB_CHUNK 0 default"* ]]
}
