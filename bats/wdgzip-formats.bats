#!/usr/bin/env bats
# wdgzip reading what gzip -d reads besides gzip: compress(1) .Z (LZW),
# pack(1) .z and the first entry of a .zip, side by side with GNU gzip
# (/bin/gzip) on copies of the same files: exit status, stderr (program
# name swapped), stdout bytes and the resulting files (names, contents,
# mode, mtime) must be identical, on good, truncated and corrupted input.
#
# The vectors are made at run time: .Z by compress(1) (ncompress) at
# several -b, and by a small LZW encoder below for what compress cannot
# write (the non-block mode of compress 2.0, -b 9 codes as gzip reads them);
# pack by an encoder below (pack(1) is not in Debian), plus the vector of
# gzip's own tests/unpack-valid; zip by Python's zipfile (stored, deflated,
# with a data descriptor, two entries, bzip2 and zip64 for the refusals).

load helpers

GNU_GZIP=/bin/gzip

setup_file() {
	V="$BATS_FILE_TMPDIR/v"
	mkdir -p "$V"
	cd "$V"
	printf 'hello\n' > hello
	printf 'x' > one
	: > empty
	seq 1 30000 > text
	head -c 200000 /dev/urandom > rand
	# 150 KB of text with a small alphabet: long strings, a full LZW table
	python3 -c 'import random; r = random.Random(7); print("".join(r.choice("abcd \n") for _ in range(150000)))' > big
	cat > lzw.py <<'EOF'
import sys
# LZW as compress(1) writes it (see tools/wdgzip/unlzw.c), without clear
# codes: maxbits, block mode flag.
def lzw(data, maxbits, block):
    maxmax = 1 << maxbits
    out = bytearray([0x1f, 0x9d, maxbits | (0x80 if block else 0)])
    st = {"acc": 0, "n": 0, "seg": 0, "width": 9, "maxcode": 511,
          "dfree": 257 if block else 256, "codes": 0}
    def put(code):
        st["acc"] |= code << st["n"]; st["n"] += st["width"]; st["seg"] += 1
        while st["n"] >= 8:
            out.append(st["acc"] & 255); st["acc"] >>= 8; st["n"] -= 8
    def emit(code):
        if st["dfree"] > st["maxcode"]:      # the decoder widens here
            while st["seg"] % 8: put(0)
            st["seg"] = 0; st["width"] += 1
            st["maxcode"] = maxmax if st["width"] == maxbits else (1 << st["width"]) - 1
        put(code); st["codes"] += 1
        if st["codes"] >= 2 and st["dfree"] < maxmax: st["dfree"] += 1
    table = {bytes([i]): i for i in range(256)}
    efree = 257 if block else 256
    w = b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        emit(table[w])
        if efree < maxmax:
            table[wc] = efree; efree += 1
        w = bytes([c])
    if w: emit(table[w])
    if st["n"]: out.append(st["acc"] & 255)
    return bytes(out)
data = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(lzw(data, int(sys.argv[2]), sys.argv[3] == "block"))
EOF
	cat > pack.py <<'EOF'
import sys, heapq, itertools, collections
# pack(1): one Huffman code, see tools/wdgzip/unpack.c.
def pack(data):
    freq = collections.Counter(data)
    if not freq: freq[0] = 0             # a leaf never used
    items = [(w, s) for s, w in sorted(freq.items())] + [(-1, 256)]
    n = itertools.count()
    heap = [(w, next(n), [s]) for w, s in items]
    heapq.heapify(heap)
    depth = {s: 0 for _, s in items}
    while len(heap) > 1:
        w1, _, a = heapq.heappop(heap); w2, _, b = heapq.heappop(heap)
        for s in a + b: depth[s] += 1
        heapq.heappush(heap, (w1 + w2, next(n), a + b))
    top = max(depth.values())
    if depth[256] != top:                # the end code is a longest one
        s = next(s for s in depth if depth[s] == top)
        depth[s], depth[256] = depth[256], top
    levels = {l: sorted(s for s in depth if depth[s] == l and s != 256)
              for l in range(1, top + 1)}
    levels[top].append(256)
    parents, nodes = {}, 0
    for l in range(top, 0, -1):
        nodes >>= 1; parents[l] = nodes; nodes += len(levels[l])
    code = {s: (parents[l] + i, l) for l in levels for i, s in enumerate(levels[l])}
    out = bytearray(b"\x1f\x1e") + len(data).to_bytes(4, "big") + bytes([top])
    for l in range(1, top + 1):
        out.append(len(levels[l]) - (2 if l == top else 0))
    for l in range(1, top + 1):
        out += bytes(s for s in levels[l] if s != 256)
    bits = "".join(format(code[b][0], "0%db" % code[b][1]) for b in data)
    bits += format(code[256][0], "0%db" % top)
    bits += "0" * (-len(bits) % 8)
    out += int(bits, 2).to_bytes(len(bits) // 8, "big")
    return bytes(out)
sys.stdout.buffer.write(pack(open(sys.argv[1], "rb").read()))
EOF
	for f in hello one empty text rand big; do
		python3 pack.py $f > $f.z
		python3 lzw.py $f 16 block > $f.lzw16.Z
		python3 lzw.py $f 12 plain > $f.lzw12.Z
		python3 lzw.py $f 9 block > $f.lzw9.Z
	done
	if command -v compress > /dev/null; then
		for f in hello one empty text rand big; do
			for b in 9 12 16; do compress -c -b $b $f > $f.c$b.Z; done
		done
	fi
	# gzip's tests/unpack-valid
	printf '\037\036\000\000\000\006\003\001\001\000\141\156\142\026\310' > banana.z
	python3 - <<'EOF'
import io, zipfile
def mk(name, method, data, entries=1):
    with zipfile.ZipFile(name, "w", method) as z:
        for i in range(entries):
            z.writestr("e%d" % i, data)
text = open("text", "rb").read()
mk("text-defl.zip", zipfile.ZIP_DEFLATED, text)
mk("text-stored.zip", zipfile.ZIP_STORED, text)
mk("empty.zip", zipfile.ZIP_DEFLATED, b"")
mk("two.zip", zipfile.ZIP_DEFLATED, b"first\n", 2)
mk("bzip2.zip", zipfile.ZIP_BZIP2, text)
# written to a stream that cannot seek: sizes in a data descriptor
class Pipe(io.RawIOBase):
    def __init__(self): self.b = bytearray()
    def writable(self): return True
    def write(self, d): self.b += d; return len(d)
for name, method in (("desc-defl.zip", zipfile.ZIP_DEFLATED),
                     ("desc-stored.zip", zipfile.ZIP_STORED)):
    p = Pipe()
    with zipfile.ZipFile(p, "w", method) as z:
        with z.open("d", "w", force_zip64=(method == zipfile.ZIP_STORED)) as e:
            e.write(text)
    open(name, "wb").write(bytes(p.b))
EOF
	# corrupt variants: cut short, and one byte changed in the middle
	for f in text.z rand.z text.lzw16.Z rand.lzw12.Z text-defl.zip text-stored.zip \
		 $(ls *.c16.Z 2> /dev/null | head -n 2); do
		n=$(stat -c %s $f)
		for cut in 1 2 3 5 9 30 $((n / 2)) $((n - 1)); do
			[ $cut -lt $n ] && head -c $cut $f > cut$cut-$f
		done
		cp $f flip-$f
		printf '\377' | dd of=flip-$f bs=1 seek=$((n / 2)) conv=notrunc status=none
		printf '\000' | dd of=flip-$f bs=1 seek=$((n / 3)) conv=notrunc status=none
	done
	# hand-made oddities: reserved LZW flags, 17-bit codes, a first code
	# that is no literal, a code past the next entry; pack trees
	printf '\037\235\360\000\000' > lzw-flags.Z
	printf '\037\235\221\141\000' > lzw-bits17.Z
	printf '\037\235\220\000\002' > lzw-first.Z
	printf '\037\235\220\141\000\377\377' > lzw-past.Z
	printf '\037\036\000\000\000\001\000' > pack-len0.z
	printf '\037\036\000\000\000\001\032' > pack-len26.z
	printf '\037\036\000\000\000\001\002\002\000' > pack-many.z
	printf '\037\036\000\000\000\001\002\000\000\141' > pack-few.z
	printf '\037\036\000\000\000\007\003\001\001\000\141\156\142\026\310' > pack-badlen.z
	cp text.z text.z.pk
	cp text.z exists.z
	cp hello exists
	cp /dev/null "$V/.done"
}

setup() {
	V="$BATS_FILE_TMPDIR/v"
	PATH="$top_builddir/tools/wdgzip:$PATH"
	# the program itself, not libtool's wrapper script: this file runs
	# wdgzip about 600 times, and the script costs more than the work
	if [ -x "$top_builddir/tools/wdgzip/.libs/wdgzip" ]; then
		mkdir -p "$BATS_FILE_TMPDIR/bin"
		ln -sf "$top_builddir/tools/wdgzip/.libs/wdgzip" "$BATS_FILE_TMPDIR/bin/wdgzip"
		PATH="$BATS_FILE_TMPDIR/bin:$PATH"
		export LD_LIBRARY_PATH="$top_builddir/libwd/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	fi
	T="$BATS_TEST_TMPDIR"
	rm -rf "$T/src"
	cp -a "$V" "$T/src"
	touch -d '2021-03-04 05:06:07' "$T/src"/*
	cd "$T"
	unset GZIP STDIN EXTRA
}

# run_in DIR PROG ARGS...: run in a fresh directory holding copies of
# the files of src that ARGS (and $EXTRA) name; sets rc files.
run_in() {
	local d="$1" prog="$2" a
	shift 2
	rm -rf "$T/$d"
	mkdir "$T/$d"
	for a in "$@" $EXTRA; do
		[ -f "$T/src/$a" ] && cp -a "$T/src/$a" "$T/$d/"
	done
	(cd "$T/$d" || exit 1
	 rc=0
	 "$prog" "$@" < "${STDIN:-/dev/null}" > "$T/$d.out" 2> "$T/$d.err" || rc=$?
	 echo $rc > "$T/$d.rc") 3>&-
}

# same ARGS...: GNU gzip ARGS and wdgzip ARGS, exactly the same.
same() {
	run_in g "$GNU_GZIP" "$@"
	run_in w wdgzip "$@"
	sed -i 's/^gzip: /wdgzip: /' "$T/g.err"
	if [ "$(cat "$T/g.rc")" != "$(cat "$T/w.rc")" ]; then
		echo "gzip $*: exit status: gzip $(cat "$T/g.rc"), wdgzip $(cat "$T/w.rc")"
		cat "$T/g.err" "$T/w.err"
		return 1
	fi
	diff -u "$T/g.err" "$T/w.err" || { echo "gzip $*: stderr differs"; return 1; }
	cmp "$T/g.out" "$T/w.out" || { echo "gzip $*: stdout differs"; return 1; }
	diff <(cd "$T/g" && find . | sort) <(cd "$T/w" && find . | sort) ||
		{ echo "gzip $*: files differ"; return 1; }
	diff <(cd "$T/g" && find . -type f | sort | xargs stat -c '%n %a %Y') \
	     <(cd "$T/w" && find . -type f | sort | xargs stat -c '%n %a %Y') ||
		{ echo "gzip $*: modes or times differ"; return 1; }
	local f
	for f in $(cd "$T/w" && find . -type f); do
		cmp "$T/g/$f" "$T/w/$f" || { echo "gzip $*: $f differs"; return 1; }
	done
}

# quick ARGS...: same, for a command that writes no file (-c, -t, -l):
# run in src itself, so nothing is copied.
quick() {
	local g=0 w=0
	(cd "$T/src" && "$GNU_GZIP" "$@") < "${STDIN:-/dev/null}" > "$T/g.out" 2> "$T/g.err" || g=$?
	(cd "$T/src" && wdgzip "$@") < "${STDIN:-/dev/null}" > "$T/w.out" 2> "$T/w.err" || w=$?
	sed -i 's/^gzip: /wdgzip: /' "$T/g.err"
	[ $g = $w ] || { echo "gzip $*: exit status: gzip $g, wdgzip $w"; cat "$T/g.err" "$T/w.err"; return 1; }
	diff -u "$T/g.err" "$T/w.err" || { echo "gzip $*: stderr differs"; return 1; }
	cmp "$T/g.out" "$T/w.out" || { echo "gzip $*: stdout differs"; return 1; }
}

# each ARGS...: quick ARGS -dc F, -t F and -lv F, for each F in FILES.
each() {
	local f
	for f in $FILES; do
		quick "$@" -dc "$f" || return 1
		quick "$@" -t "$f" || return 1
		quick "$@" -lv "$f" || return 1
	done
}

@test "a .Z written by compress decodes as gzip decodes it (-b 9, 12, 16)" {
	command -v compress > /dev/null || skip "compress (ncompress) is not installed"
	FILES=$(cd src && ls *.c*.Z) each
	# the decoded bytes are the original's (gzip itself fails on -b 9)
	for f in hello one empty text rand big; do
		cmp src/$f <(wdgzip -dc src/$f.c16.Z)
		cmp src/$f <(wdgzip -dc src/$f.c12.Z)
	done
}
@test "LZW in block and non-block mode, 9 to 16 bits" {
	FILES=$(cd src && ls *.lzw*.Z) each
	for f in hello one empty text rand big; do
		cmp src/$f <(wdgzip -dc src/$f.lzw16.Z)
		cmp src/$f <(wdgzip -dc src/$f.lzw12.Z)
		cmp src/$f <(wdgzip -dc src/$f.lzw9.Z)
	done
}
@test "pack .z data, and gzip's unpack-valid vector" {
	FILES="$(cd src && ls *.z)" each
	for f in hello one empty text rand big; do
		cmp src/$f <(wdgzip -dc src/$f.z)
	done
	[ "$(wdgzip -dc src/banana.z)" = banana ]
}
@test "zip: stored, deflated, data descriptor, empty" {
	FILES="text-defl.zip text-stored.zip desc-defl.zip desc-stored.zip empty.zip" each
	cmp src/text <(wdgzip -dc src/text-defl.zip)
	cmp src/text <(wdgzip -dc src/text-stored.zip)
	cmp src/text <(wdgzip -dc src/desc-defl.zip)
}
@test "zip: refused entries, two entries" {
	FILES="bzip2.zip two.zip" each
	# not to stdout, two entries are an error and no file is written
	same -d -S .zip two.zip
	[ "$(cat "$T/w.rc")" = 1 ]
	same -d -S .zip text-defl.zip
	[ -f "$T/w/text-defl" ]
}
@test "cut short and corrupted: the same messages, status and output" {
	FILES="$(cd src && ls cut* flip*)" each
}
@test "hand-made bad headers and trees" {
	FILES="$(cd src && ls lzw-* pack-*)" each
	[ "$(wdgzip -dc src/pack-few.z 2>&1)" = "
wdgzip: src/pack-few.z: too few leaves in Huffman tree" ]
}
@test "in place: -d on .Z and .z, -k, -f, -v, several files" {
	same -d text.c16.Z rand.lzw12.Z text.z
	[ -f "$T/w/text.c16" ] && [ ! -e "$T/w/text.c16.Z" ]
	same -dk -v big.z hello.lzw16.Z
	same -df cut30-text.z text.z
	same -d cut9-text.lzw16.Z text.lzw16.Z
	same -d flip-text.lzw16.Z
}
@test "-S, a stored name, and an existing output" {
	same -d -S .zip text-stored.zip
	same -d -S .Z -N text.lzw16.Z
	same -d -S .pk text.z.pk
	# an output that exists: refused, then overwritten with -f
	EXTRA=exists same -d exists.z
	EXTRA=exists same -df exists.z
}
@test "stdin and stdout: -d, -cd, -t, -l from a pipe" {
	for f in text.z text.lzw16.Z text-defl.zip desc-defl.zip cut30-text.z \
		 flip-text.lzw16.Z; do
		STDIN=$T/src/$f same -d || return 1
		STDIN=$T/src/$f quick -dc - || return 1
		STDIN=$T/src/$f quick -t || return 1
		STDIN=$T/src/$f quick -l || return 1
	done
}
@test "members after members: gzip + pack + gzip, trailing zeros and garbage" {
	cd src
	{ gzip -c hello; cat text.z; gzip -c one; } > mix1.gz
	{ cat hello.z text.z; } > mix2.z
	{ cat text.z; printf '\0\0\0\0'; } > zeros.z
	{ cat text.z; printf 'garbage'; } > garbage.z
	{ gzip -c hello; cat text.lzw16.Z; } > gz-lzw.gz
	{ gzip -c hello; cat text-defl.zip; } > gz-zip.gz
	{ cat text.lzw16.Z; gzip -c hello; } > lzw-gz.Z
	{ cat text-defl.zip; gzip -c hello; } > zip-gz.zip
	touch -d '2021-03-04 05:06:07' mix1.gz mix2.z zeros.z garbage.z gz-*.gz lzw-gz.Z zip-gz.zip
	cd "$T"
	FILES="mix1.gz mix2.z zeros.z garbage.z gz-lzw.gz gz-zip.gz lzw-gz.Z zip-gz.zip" each
	FILES="zeros.z garbage.z gz-zip.gz" each -v
	same -d mix1.gz mix2.z zeros.z garbage.z
	quick -l mix1.gz mix2.z text.lzw16.Z text-defl.zip
}
@test "-cdf copies what is no member, after members too" {
	cd src
	{ cat text.z; printf 'plain\n'; } > pack-plain.z
	{ gzip -c hello; printf '\0\0\0'; } > gz-zeros.gz
	{ gzip -c hello; printf 'y'; } > gz-y.gz
	touch -d '2021-03-04 05:06:07' pack-plain.z gz-zeros.gz gz-y.gz
	cd "$T"
	for f in pack-plain.z gz-zeros.gz gz-y.gz text hello; do
		quick -cdf $f || return 1
		quick -cdfv $f || return 1
		STDIN=$T/src/$f quick -cdf || return 1
	done
}
@test "a table gzip calls bad before the input ends (gzip's tests/hufts)" {
	cd src
	# a dynamic block whose code-length code has no codes, cut short
	printf '\037\213\010\000\060\060\060\060\060\060\144\000\000\000' > bug33501.gz
	printf '\037\213\010\000\000\000\000\000\000\003\144\000\000\000' > bug2.gz
	{ gzip -c text | head -c 3000; } > cut-text.gz
	touch -d '2021-03-04 05:06:07' bug33501.gz bug2.gz cut-text.gz
	cd "$T"
	FILES="bug33501.gz bug2.gz cut-text.gz" each
	for f in bug33501.gz bug2.gz cut-text.gz; do
		STDIN=$T/src/$f same -d || return 1
		# from a pipe too
		(cd src && cat $f | "$GNU_GZIP" -d) > g.out 2> g.err || true
		(cd src && cat $f | wdgzip -d) > w.out 2> w.err || true
		diff <(sed 's/^gzip:/wdgzip:/' g.err) w.err
		cmp g.out w.out
	done
	run wdgzip -dc src/bug33501.gz
	[ "$status" = 1 ]
	[[ "$output" == *"invalid compressed data--format violated" ]]
}
