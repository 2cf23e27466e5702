#!/bin/bash
# gzip-bench.sh WDGZIP DIR - wdgzip against gzip, pigz and igzip on one
# corpus in one run (the machine is shared: absolute times drift, ratios
# hold). Prints the BENCH lines of DESIGN.md:
#   ratio      = peer time / wdgzip time (above 1: wdgzip is faster);
#                the peer is pigz for -1/-6 (the issue's target), gzip for -d
#   *_ratio    = the same against each peer
#   size_ratio = wdgzip output size / gzip output size at the same level
#   *_cpu_s    = CPU seconds (user + system) of the run timed: on a busy machine
#                wall times depend on the scheduler, CPU time much less
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

# secs CMD... : wall time of the best of two runs, stdout to $OUT; the CPU
# time (user + system, all threads) of that run goes to $CPU_FILE
CPU_FILE=$DIR/.cpu
secs() {
	local best= i real user sys
	for i in 1 2; do
		TIMEFORMAT='%R %U %S'
		{ time "$@" > "$OUT" 2> /dev/null; } 2> "$DIR/.time" || return 1
		read -r real user sys < "$DIR/.time"
		if [ -z "$best" ] || [ "$(calc "%d" "$real < $best")" = 1 ]; then
			best=$real
			calc "%.2f" "$user + $sys" > "$CPU_FILE"
		fi
	done
	echo "$best"
}
cpu() { cat "$CPU_FILE"; }

div() { calc "%.3f" "$1 / $2"; }
mbps() { calc "%.1f" "$SIZE / $1 / 1000000"; }

for level in 6 1; do
	OUT=$DIR/wd.gz;   wd=$(secs "$WDGZIP" -$level -c "$CORPUS")
	wd_size=$(stat -c %s "$OUT"); wd_cpu=$(cpu)
	OUT=$DIR/gz.gz;   gz=$(secs gzip -$level -c "$CORPUS")
	gz_size=$(stat -c %s "$OUT"); gz_cpu=$(cpu)
	OUT=$DIR/pigz.gz; pz=$(secs pigz -$level -p "$NCPU" -c "$CORPUS")
	pz_size=$(stat -c %s "$OUT"); pz_cpu=$(cpu)
	gzip -dc "$DIR/wd.gz" | cmp -s - "$CORPUS" || echo "gzip-bench: wdgzip -$level output is wrong" >&2
	echo "BENCH wdgzip-L$level corpus_mb=$(calc "%.1f" "$SIZE / 1000000")" \
	     "wd_mbps=$(mbps "$wd") gzip_mbps=$(mbps "$gz") pigz_mbps=$(mbps "$pz")" \
	     "wd_cpu_s=$wd_cpu gzip_cpu_s=$gz_cpu pigz_cpu_s=$pz_cpu" \
	     "gzip_ratio=$(div "$gz" "$wd") pigz_ratio=$(div "$pz" "$wd")" \
	     "pigz_size_ratio=$(div "$wd_size" "$pz_size")" \
	     "ratio=$(div "$pz" "$wd") size_ratio=$(calc "%.4f" "$wd_size / $gz_size")"
done

# decompression of gzip -6's output by everyone
gzip -6 -c "$CORPUS" > "$DIR/in.gz"
OUT=/dev/null
wd=$(secs "$WDGZIP" -dc "$DIR/in.gz"); wd_cpu=$(cpu)
gz=$(secs gzip -dc "$DIR/in.gz"); gz_cpu=$(cpu)
pz=$(secs pigz -dc "$DIR/in.gz"); pz_cpu=$(cpu)
ig=
command -v igzip > /dev/null && ig=$(secs igzip -dc "$DIR/in.gz") && ig_cpu=$(cpu)
"$WDGZIP" -dc "$DIR/in.gz" | cmp -s - "$CORPUS" || echo "gzip-bench: wdgzip -d output is wrong" >&2
echo "BENCH wdgzip-d corpus_mb=$(calc "%.1f" "$SIZE / 1000000")" \
     "wd_mbps=$(mbps "$wd") gzip_mbps=$(mbps "$gz") pigz_mbps=$(mbps "$pz")" \
     ${ig:+"igzip_mbps=$(mbps "$ig")"} \
     "wd_cpu_s=$wd_cpu gzip_cpu_s=$gz_cpu pigz_cpu_s=$pz_cpu" \
     ${ig:+"igzip_cpu_s=$ig_cpu igzip_ratio=$(div "$ig" "$wd")"} \
     "pigz_ratio=$(div "$pz" "$wd") ratio=$(div "$gz" "$wd")"
rm -f "$DIR/wd.gz" "$DIR/gz.gz" "$DIR/pigz.gz" "$DIR/in.gz" "$DIR/.time" "$CPU_FILE"
