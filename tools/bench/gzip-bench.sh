#!/bin/bash
# gzip-bench.sh WDGZIP DIR - wdgzip against gzip, pigz, igzip and
# libdeflate-gzip (the last two where installed) on one corpus in one run (the machine is shared: absolute times drift, ratios
# hold). Prints the BENCH lines of DESIGN.md:
#   ratio      = peer time / wdgzip time (above 1: wdgzip is faster);
#                the peer is pigz for -1/-6 (the issue's target), gzip for -d
#   *_ratio    = the same against each peer
#   size_ratio = wdgzip output size / gzip output size at the same level
#   *_cpu_s    = CPU seconds (user + system, median): on a busy machine wall
#                times depend on the scheduler, CPU time much less
# Times are medians of GZIP_BENCH_ROUNDS (default 3) runs taken in turns.
# The corpus (tar of /usr/include + 32 MiB of the largest shared library,
# >= 50 MB) is made in DIR once and never committed.
set -u
WDGZIP=$1
DIR=$2
NCPU=$(nproc)
mkdir -p "$DIR"
CORPUS=$DIR/gzip-corpus.tar

if [ ! -s "$CORPUS" ]; then
	big=$(ls -S /usr/lib/x86_64-linux-gnu/*.so* /usr/lib/*/*.so* /usr/bin/* 2>/dev/null | head -n 1)
	{ tar cf - /usr/include 2>/dev/null; head -c 33554432 "$big"; } > "$CORPUS"
fi
SIZE=$(stat -c %s "$CORPUS")
if [ "$SIZE" -lt 50000000 ]; then
	echo "gzip-bench: corpus too small ($SIZE bytes)" >&2
	exit 0
fi

# calc FORMAT EXPR: arithmetic on decimals
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# The machine is shared and its load drifts: the programs compared run in
# turns (one of each, ROUNDS times), and each figure is the median of its
# runs, so that a burst of someone else's work hits them all alike.
ROUNDS=${GZIP_BENCH_ROUNDS:-3}

# run NAME CMD... : one timed run, stdout to $OUT; appends "wall cpu" (cpu:
# user + system, all threads) to $DIR/.t.NAME
run() {
	local name=$1 real user sys
	shift
	TIMEFORMAT='%R %U %S'
	{ time "$@" > "$OUT" 2> /dev/null; } 2> "$DIR/.time" || return 1
	read -r real user sys < "$DIR/.time"
	echo "$real $(calc "%.2f" "$user + $sys")" >> "$DIR/.t.$name"
}
# median NAME COLUMN : median of a column of $DIR/.t.NAME
median() {
	awk -v c="$2" '{ print $c }' "$DIR/.t.$1" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
secs() { median "$1" 1; }
cpu() { median "$1" 2; }

div() { calc "%.3f" "$1 / $2"; }
mbps() { calc "%.1f" "$SIZE / $1 / 1000000"; }

# Single-threaded peers, where installed: libdeflate-gzip (whole-buffer
# libdeflate, levels 1-12) at both levels, igzip (ISA-L, levels 0-3, no 6)
# at level 1. Their sizes differ from gzip's at the same level: each has
# its size_ratio (wdgzip's size / theirs) next to its speed.
ld=
command -v libdeflate-gzip > /dev/null && ld=1
ig=
command -v igzip > /dev/null && ig=1

for level in 6 1; do
	rm -f "$DIR"/.t.*
	igl=
	[ "$level" = 1 ] && igl=$ig
	for _ in $(seq "$ROUNDS"); do
		OUT=$DIR/wd.gz;   run wd "$WDGZIP" -$level -c "$CORPUS"
		OUT=$DIR/gz.gz;   run gz gzip -$level -c "$CORPUS"
		OUT=$DIR/pigz.gz; run pz pigz -$level -p "$NCPU" -c "$CORPUS"
		if [ -n "$ld" ]; then
			OUT=$DIR/ld.gz; run ld libdeflate-gzip -$level -c "$CORPUS"
		fi
		if [ -n "$igl" ]; then
			OUT=$DIR/ig.gz; run ig igzip -$level -c "$CORPUS"
		fi
	done
	wd=$(secs wd); gz=$(secs gz); pz=$(secs pz)
	wd_size=$(stat -c %s "$DIR/wd.gz")
	gz_size=$(stat -c %s "$DIR/gz.gz")
	pz_size=$(stat -c %s "$DIR/pigz.gz")
	peers=""
	if [ -n "$ld" ]; then
		t=$(secs ld)
		peers="libdeflate_mbps=$(mbps "$t") libdeflate_cpu_s=$(cpu ld)"
		peers="$peers libdeflate_ratio=$(div "$t" "$wd")"
		peers="$peers libdeflate_size_ratio=$(div "$wd_size" "$(stat -c %s "$DIR/ld.gz")")"
	fi
	if [ -n "$igl" ]; then
		t=$(secs ig)
		peers="$peers igzip_mbps=$(mbps "$t") igzip_cpu_s=$(cpu ig)"
		peers="$peers igzip_ratio=$(div "$t" "$wd")"
		peers="$peers igzip_size_ratio=$(div "$wd_size" "$(stat -c %s "$DIR/ig.gz")")"
	fi
	gzip -dc "$DIR/wd.gz" | cmp -s - "$CORPUS" || echo "gzip-bench: wdgzip -$level output is wrong" >&2
	# shellcheck disable=SC2086 # $peers: several fields, or none
	echo "BENCH wdgzip-L$level corpus_mb=$(calc "%.1f" "$SIZE / 1000000")" \
	     "wd_mbps=$(mbps "$wd") gzip_mbps=$(mbps "$gz") pigz_mbps=$(mbps "$pz")" \
	     "wd_cpu_s=$(cpu wd) gzip_cpu_s=$(cpu gz) pigz_cpu_s=$(cpu pz)" \
	     "gzip_ratio=$(div "$gz" "$wd") pigz_ratio=$(div "$pz" "$wd")" \
	     "pigz_size_ratio=$(div "$wd_size" "$pz_size")" $peers \
	     "ratio=$(div "$pz" "$wd") size_ratio=$(calc "%.4f" "$wd_size / $gz_size")"
done

# decompression of gzip -6's output by everyone
gzip -6 -c "$CORPUS" > "$DIR/in.gz"
OUT=/dev/null
rm -f "$DIR"/.t.*
for _ in $(seq "$ROUNDS"); do
	run wd "$WDGZIP" -dc "$DIR/in.gz"
	run gz gzip -dc "$DIR/in.gz"
	run pz pigz -dc "$DIR/in.gz"
	[ -n "$ig" ] && run ig igzip -dc "$DIR/in.gz"
	[ -n "$ld" ] && run ld libdeflate-gzip -dc "$DIR/in.gz"
done
wd=$(secs wd); gz=$(secs gz); pz=$(secs pz)
[ -n "$ig" ] && ig=$(secs ig)
[ -n "$ld" ] && ld=$(secs ld)
"$WDGZIP" -dc "$DIR/in.gz" | cmp -s - "$CORPUS" || echo "gzip-bench: wdgzip -d output is wrong" >&2
echo "BENCH wdgzip-d corpus_mb=$(calc "%.1f" "$SIZE / 1000000")" \
     "wd_mbps=$(mbps "$wd") gzip_mbps=$(mbps "$gz") pigz_mbps=$(mbps "$pz")" \
     ${ig:+"igzip_mbps=$(mbps "$ig")"} \
     "wd_cpu_s=$(cpu wd) gzip_cpu_s=$(cpu gz) pigz_cpu_s=$(cpu pz)" \
     ${ig:+"igzip_cpu_s=$(cpu ig) igzip_ratio=$(div "$ig" "$wd")"} \
     ${ld:+"libdeflate_mbps=$(mbps "$ld") libdeflate_cpu_s=$(cpu ld)"} \
     ${ld:+"libdeflate_ratio=$(div "$ld" "$wd")"} \
     "pigz_ratio=$(div "$pz" "$wd") ratio=$(div "$gz" "$wd")"
rm -f "$DIR/wd.gz" "$DIR/gz.gz" "$DIR/pigz.gz" "$DIR/ld.gz" "$DIR/ig.gz" "$DIR/in.gz" "$DIR/.time" "$DIR"/.t.*
