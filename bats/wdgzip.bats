#!/usr/bin/env bats
# wdgzip side by side with GNU gzip 1.12: every option and error path is run
# by both programs on copies of the same files; exit status, stderr (with the
# program name swapped), stdout (decompressed when it is gzip data) and the
# resulting files (names, decompressed contents, mode, mtime) must match.

load helpers

setup() {
	PATH="$top_builddir/tools/wdgzip:$PATH"
	T="$BATS_TEST_TMPDIR"
	mkdir -p "$T/src"
	cd "$T/src"
	printf 'hello\n' > a
	seq 1 20000 > b
	head -c 100000 /dev/urandom > r
	: > empty
	gzip -c b > b.gz
	gzip -c a > a.gz
	touch -d '2021-03-04 05:06:07' a b r empty b.gz a.gz
	cd "$T"
	unset GZIP STDIN
}

is_gzip() {
	[ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]
}

# Same data: identical bytes, or both gzip data that decompress the same.
same_data() {
	if is_gzip "$1" && is_gzip "$2" && gzip -t "$1" 2>/dev/null &&
	   gzip -t "$2" 2>/dev/null; then
		cmp <(gzip -dc "$1") <(gzip -dc "$2")
	else
		cmp "$1" "$2"
	fi
}

# Same tree: same names, same data, same mode and mtime.
same_tree() {
	diff <(cd "$1" && find . | sort) <(cd "$2" && find . | sort) || return 1
	diff <(cd "$1" && find . -type f | sort | xargs -r stat -c '%n %a %Y') \
	     <(cd "$2" && find . -type f | sort | xargs -r stat -c '%n %a %Y') || return 1
	local f
	for f in $(cd "$1" && find . -type f); do
		cmp -s "$1/$f" "$2/$f" || same_data "$1/$f" "$2/$f" ||
			{ echo "differs: $f"; return 1; }
	done
}

# run_in DIR PROG ARGS...: run in a fresh copy of src; sets rc files.
run_in() {
	local d="$1" prog="$2"
	shift 2
	rm -rf "$T/$d"
	cp -a "$T/src" "$T/$d"
	(cd "$T/$d" || exit 1
	 rc=0
	 "$prog" "$@" < "${STDIN:-/dev/null}" > "$T/$d.out" 2> "$T/$d.err" || rc=$?
	 echo $rc > "$T/$d.rc") 3>&-
}

# both ARGS...: gzip ARGS and wdgzip ARGS must behave the same.
both() {
	run_in g gzip "$@"
	run_in w wdgzip "$@"
	# compressed sizes differ, so compression ratios may differ
	sed -e 's/^gzip: /wdgzip: /' -e "s/\`gzip --help'/\`wdgzip --help'/" \
	    -e 's/type: gzip -h/type: wdgzip -h/' -e 's/ *-*[0-9]*\.[0-9]%/ R%/g' \
	    "$T/g.err" > "$T/g.err2"
	sed -i -e 's/ *-*[0-9]*\.[0-9]%/ R%/g' "$T/w.err"
	if [ "$(cat "$T/g.rc")" != "$(cat "$T/w.rc")" ]; then
		echo "exit status: gzip $(cat "$T/g.rc"), wdgzip $(cat "$T/w.rc")"
		cat "$T/g.err2" "$T/w.err"
		return 1
	fi
	diff -u "$T/g.err2" "$T/w.err" || return 1
	cmp -s "$T/g.out" "$T/w.out" || same_data "$T/g.out" "$T/w.out" ||
		{ echo "stdout differs"; return 1; }
	same_tree "$T/g" "$T/w"
}

rc() { cat "$T/w.rc"; }

@test "compress a file in place" {
	both r
	[ -f "$T/w/r.gz" ]
	[ ! -e "$T/w/r" ]
}
@test "compress several files, verbose" { both -v a b r empty; }
@test "-k keeps the input" { both -k r; [ -f "$T/w/r" ]; }
@test "--keep --verbose" { both --keep --verbose b; }
@test "-c writes to stdout and keeps the input" { both -c b; }
@test "--stdout --to-stdout" { both --stdout b a; both --to-stdout r; }
@test "-d decompresses in place" { both -d b.gz; [ -f "$T/w/b" ]; }
@test "--decompress --uncompress -v" { both --decompress -v b.gz; both --uncompress a.gz; }
@test "grouped short options -dc and -cd" { both -dc b.gz; both -cdv a.gz b.gz; }
@test "-t tests, -tv says OK" { both -t b.gz a.gz; both -tv b.gz; both --test a.gz; }
@test "-l lists like gzip" { both -l b.gz a.gz; both -l a.gz; }
@test "-lv lists method, crc and date" { both -lv b.gz a.gz; }
@test "-lq lists without the title" { both -lq b.gz; }
@test "--list from stdin" { STDIN="$T/src/b.gz" both --list; }
@test "-n and -N store the name and mtime like gzip (identical header bytes)" {
	cd "$T/src"
	for o in "" -n -N --no-name --name -1 -9 --fast --best; do
		cmp <(gzip -c $o b | head -c 12) <(wdgzip -c $o b | head -c 12)
	done
	cmp <(gzip -c < b | head -c 10) <(wdgzip -c < b | head -c 10)
	cmp <(cat b | gzip -c | head -c 10) <(cat b | wdgzip -c | head -c 10)
}
@test "-N restores the stored name and mtime" {
	cd "$T/src"
	gzip -c b > x.gz && touch -d '2022-01-01' x.gz
	cd "$T"
	both -dN x.gz
	[ -f "$T/w/b" ]
	both -d x.gz
	both -dNv x.gz
	both -dNvv x.gz
	both -dNc x.gz
}
@test "-f overwrites, without -f the output is kept" {
	cd "$T/src" && cp a b.gz.new && gzip -c r > r.gz && cd "$T"
	both r
	[ "$(rc)" = 2 ]
	both -f r
	both -d r.gz
	both -df r.gz
}
@test "---presume-input-tty asks, and no answer means no" {
	cd "$T/src" && gzip -c r > r.gz && cd "$T"
	both ---presume-input-tty r
	STDIN=/dev/null both ---presume-input-tty -d r.gz
}
@test "compressed data is not written to or read from a terminal" {
	STDIN="$T/src/a" both ---presume-input-tty
	STDIN="$T/src/a.gz" both ---presume-input-tty -d
	STDIN="$T/src/a" both ---presume-input-tty -q
	STDIN="$T/src/a" both ---presume-input-tty -f
}
@test "-q silences warnings but not the exit status" {
	both -q b.gz
	both -qd a
	both -q a.gz a
}
@test "-r recurses into directories" {
	mkdir -p "$T/src/d/e" && cp "$T/src/b" "$T/src/d/" && cp "$T/src/r" "$T/src/d/e/"
	both -r d
	both -rv d
	cd "$T/src" && gzip -r d && cd "$T"
	both -dr d
	both -drv d
	both -tr d
	both d
}
@test "-S uses another suffix, and -S '' is refused" {
	both -S .foo b
	both --suffix=_x b a
	both -S '' b
	[ "$(rc)" = 1 ]
	cd "$T/src" && gzip -S .foo b && cd "$T"
	both -d -S .foo b.foo
	both -d -S .foo b
	both -S 0123456789012345678901234567890 b
}
@test "every level and --fast/--best compress as gzip does" {
	for l in -1 -4 -9 --fast --best; do
		both -c $l b
	done
}
@test "bad options: unknown, -Z, -b, --help and --version" {
	both -x a
	both --frobnicate a
	both -Z a
	both -b x a
	both -b 12 -c a
	both -a -c a
	run wdgzip --help
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: wdgzip [OPTION]... [FILE]..."* ]]
	[[ "$output" == *"--rsyncable"* ]]
	[[ "$output" == *"--synchronous"* ]]
	run wdgzip -V
	[ "$status" -eq 0 ]
	[[ "$output" == "wdgzip (warpdrive) "* ]]
	run wdgzip -L
	[ "$status" -eq 0 ]
}
@test "run as gzip, --version ends its first line with gzip's version" {
	local bin="$top_builddir/tools/wdgzip/.libs/wdgzip"
	[ -x "$bin" ] || skip "no $bin to run under another name (static build?)"
	mkdir -p "$T/bin"
	ln -s "$bin" "$T/bin/gzip"
	ln -s "$bin" "$T/bin/zcat"
	export LD_LIBRARY_PATH="$top_builddir/libwd/.libs"
	run "$T/bin/gzip" --version
	[ "$status" -eq 0 ]
	# what gzip's tests/help-version and version-sniffing scripts read
	[ "$(echo "$output" | sed -n '1s/.* //p;q')" = 1.12 ]
	[[ "${lines[0]}" == "gzip (warpdrive wdgzip "*") 1.12" ]]
	run "$T/bin/zcat" -V
	[[ "${lines[0]}" == "zcat (warpdrive wdgzip "*") 1.12" ]]
	run wdgzip --version
	[[ "${lines[0]}" != *1.12 ]]
}
@test "--synchronous and --rsyncable are accepted" {
	both --synchronous b
	both --rsyncable -c b
}
@test "GZIP environment variable: options, warning, refusals" {
	GZIP=-9 both -c b
	GZIP="-q -1" both -c b
	GZIP="  " both -c b
	GZIP="--best -v -n -N" both -c b
	GZIP=--rsyncable both -c b
	GZIP=-c both b
	GZIP=-- both b
	GZIP=foo both b
	GZIP=-x both b
	GZIP=--stdout both b
	GZIP=-d both b.gz
}
@test "gunzip and zcat behaviour comes from the program name" {
	mkdir -p "$T/bin"
	# the program itself, not libtool's wrapper, which would rename it
	real="$top_builddir/tools/wdgzip/.libs/wdgzip"
	[ -x "$real" ] || real="$top_builddir/tools/wdgzip/wdgzip"
	export LD_LIBRARY_PATH="$top_builddir/libwd/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	ln -s "$real" "$T/bin/wdgunzip"
	ln -s "$real" "$T/bin/wdzcat"
	gzip -c "$T/src/b" > "$T/src/x.gz"
	run_in g gunzip x.gz
	run_in w "$T/bin/wdgunzip" x.gz
	[ "$(cat "$T/w.rc")" = 0 ]
	[ -f "$T/w/x" ]
	same_tree "$T/g" "$T/w"
	run_in g zcat b.gz a.gz
	run_in w "$T/bin/wdzcat" b.gz a.gz
	[ "$(cat "$T/w.rc")" = 0 ]
	cmp "$T/g.out" "$T/w.out"
	same_tree "$T/g" "$T/w"
}
@test "concatenated members decompress as one" {
	cd "$T/src" && cat a.gz b.gz a.gz > m.gz && cd "$T"
	both -dc m.gz
	both -d m.gz
	both -tv m.gz
	both -l m.gz
	both -lv m.gz a.gz
}
@test "trailing garbage warns (status 2), trailing zeros do not" {
	cd "$T/src" && cp b.gz g.gz && printf 'garbage' >> g.gz &&
		cp b.gz z.gz && head -c 100 /dev/zero >> z.gz && cd "$T"
	both -dc g.gz
	[ "$(rc)" = 2 ]
	both -d g.gz
	both -dcq g.gz
	both -dc z.gz
	[ "$(rc)" = 0 ]
	both -dcv z.gz
	both -t g.gz z.gz
}
@test "not gzip, empty, truncated and corrupt inputs fail like gzip, leaving no output" {
	cd "$T/src"
	echo plain > p.gz
	: > e.gz
	head -c 3000 b.gz > t.gz
	python3 - <<'PY'
d = bytearray(open('b.gz', 'rb').read()); d[-6] ^= 1; open('c.gz', 'wb').write(d)
d = bytearray(open('b.gz', 'rb').read()); d[-2] ^= 1; open('l.gz', 'wb').write(d)
open('f.gz', 'wb').write(bytes([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff]))
d = bytearray(open('a.gz', 'rb').read()); d[2] = 7; open('m7.gz', 'wb').write(d)
d = bytearray(open('a.gz', 'rb').read()); d[3] |= 0x20; open('enc.gz', 'wb').write(d)
d = bytearray(open('a.gz', 'rb').read()); d[3] |= 0x40; open('res.gz', 'wb').write(d)
PY
	cd "$T"
	for f in p e t c l f m7 enc res; do
		both -d $f.gz
		[ "$(rc)" != 0 ]
		[ ! -e "$T/w/$f" ]
		[ -z "$(ls -A "$T/w" | grep wdgzip)" ]
	done
	# what reaches stdout before the error, and -t going on after a CRC error
	for f in t c f res; do both -dc $f.gz; done
	# no trailer after highly compressible data: all 20 MB come out first
	head -c 20000000 /dev/zero | gzip > "$T/src/z.gz"
	head -c $(($(stat -c %s "$T/src/z.gz") - 8)) "$T/src/z.gz" > "$T/src/zt.gz"
	rm "$T/src/z.gz"
	both -dc zt.gz
	[ "$(stat -c %s "$T/w.out")" -eq 20000000 ]
	both -t c.gz l.gz a.gz
	both -t m7.gz enc.gz b.gz
	both -t p.gz b.gz
	both -d t.gz a.gz
	both -t c.gz a.gz
	both -d c.gz a.gz
	both -l t.gz
}
@test "header fields: extra, comment, header CRC, and stored names with paths" {
	cd "$T/src"
	python3 - <<'PY'
import struct, zlib
data = open('b', 'rb').read()
c = zlib.compressobj(6, zlib.DEFLATED, -15)
body = c.compress(data) + c.flush()
trailer = struct.pack('<II', zlib.crc32(data), len(data))
def member(flags, name=b'', extra=b'', comment=b'', hcrc_ok=True, mtime=1600000000):
    h = bytes([0x1f, 0x8b, 8, flags]) + struct.pack('<I', mtime) + bytes([0, 3])
    if flags & 4:
        h += struct.pack('<H', len(extra)) + extra
    if flags & 8:
        h += name + b'\0'
    if flags & 16:
        h += comment + b'\0'
    if flags & 2:
        crc = zlib.crc32(h) & 0xffff
        h += struct.pack('<H', crc if hcrc_ok else crc ^ 1)
    return h + body + trailer
open('x.gz', 'wb').write(member(4 | 8 | 16 | 2, b'orig', b'XYZW', b'a comment'))
open('h.gz', 'wb').write(member(2, hcrc_ok=False))
open('p.gz', 'wb').write(member(8, b'../../up/evil'))
open('s.gz', 'wb').write(member(8, b'dir/sub/name'))
PY
	cd "$T"
	both -dc x.gz
	both -dcv x.gz
	both -dN x.gz
	both -dNv x.gz
	both -lv x.gz
	both -tv x.gz
	both -d h.gz
	both -dc h.gz
	both -dcf h.gz
	both -dcff h.gz
	both -dN p.gz
	[ -f "$T/w/evil" ]
	both -dN s.gz
	[ -f "$T/w/name" ]
}
@test "-cf passes data that is not gzip through unchanged" {
	both -dcf a
	both -dcf a.gz a r
	STDIN="$T/src/r" both -dcf
	STDIN="$T/src/empty" both -dcf
}
@test "missing files, directories, links and special files" {
	cd "$T/src" && mkdir dir && ln -s a sl && ln b hl && cd "$T"
	both nosuch
	both -d nosuch
	both dir
	both sl
	both -c sl
	both -f sl
	both hl
	both -f hl
	both -c hl
	both /dev/null
	both -c /dev/null
}
@test "suffixes: unknown, already there, .tgz .taz -gz .z _z" {
	cd "$T/src"
	for s in .tgz .taz -gz .z _z .GZ .Z -z; do gzip -c b > "x$s"; done
	cd "$T"
	both -d b
	[ "$(rc)" = 2 ]
	both b.gz
	[ "$(rc)" = 0 ]
	both -v b.gz
	both -f b.gz
	for s in .tgz .taz -gz .z _z .GZ .Z -z; do both -d "x$s"; done
	both -d x
}
@test "-d NAME finds NAME.gz" {
	both -d b
	both -dv a
	both -d nosuch
	both -d -S .zz nosuch
}
@test "stdin as -, and -- before names that start with -" {
	cd "$T/src" && cp a ./-x && cd "$T"
	STDIN="$T/src/b" both -c -
	STDIN="$T/src/b.gz" both -dc - a.gz
	STDIN="$T/src/b" both -c a -
	both -- -x
	both -v -- -x
}
@test "mode and mtime follow the input" {
	chmod 640 "$T/src/b"; chmod 604 "$T/src/b.gz"
	both b
	both -d b.gz
	both -k b
}
@test "a signal leaves no partial output behind" {
	cd "$T/src"
	seq 1 4000000 > big
	for sig in TERM INT HUP; do
		# bash starts background jobs with SIGINT ignored: undo that
		env --default-signal=INT wdgzip -9 -p 1 big 3>&- &
		pid=$!
		sleep 0.3
		kill -$sig $pid
		st=0
		wait $pid || st=$?
		[ "$st" -ne 0 ]
		[ -f big ]
		[ ! -e big.gz ]
		[ -z "$(ls -A | grep wdgzip)" ]
	done
}
@test "a write error fails with status 1 and gzip's message" {
	[ -e /dev/full ] || skip "no /dev/full"
	run bash -c 'wdgzip -c "$1" > /dev/full' _ "$T/src/r"
	[ "$status" -eq 1 ]
	[[ "$output" == *"wdgzip: stdout: No space left on device"* ]]
	run bash -c 'gzip -c "$1" > /dev/full' _ "$T/src/r"
	[ "$status" -eq 1 ]
}
