#!/bin/sh
# comp-bench.sh TOP_BUILDDIR - `make bench` lines of the comp area.
#
# One unmodified zlib program (comp_zpipe) runs on the same corpus with
# and without LD_PRELOAD=libwdz.so.1, alternately, best of $WD_BENCH_RUNS
# (default 3) each, in this one run: the machine is shared and noisy, the
# ratio is what counts. Corpus: a tar of /usr/include plus the largest
# shared library found (>= 50 MB in all), built under the build tree at
# bench time, never committed.
set -e
top=$1
dir="$top/bench/comp"
zpipe="$top/tools/bench/comp_zpipe"
shim="$top/zlib-shim/.libs/libwdz.so.1"
runs=${WD_BENCH_RUNS:-3}
export LD_LIBRARY_PATH="$top/libwd/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

mkdir -p "$dir"
corpus="$dir/corpus"
if [ ! -s "$corpus" ]; then
	big=$(ls -S /usr/lib/x86_64-linux-gnu/*.so* /usr/lib/*/*.so* 2>/dev/null |
	      while read -r f; do
		s=$(stat -c %s "$f")
		[ "$s" -le 40000000 ] && [ "$s" -ge 5000000 ] && { echo "$f"; break; }
	      done)
	{ tar cf - -C / usr/include 2>/dev/null; [ -n "$big" ] && cat "$big"; } > "$corpus.tmp"
	mv "$corpus.tmp" "$corpus"
fi
size=$(stat -c %s "$corpus")
if [ "$size" -lt 50000000 ]; then
	echo "BENCH comp-corpus skipped=1 reason=corpus_only_${size}_bytes"
	exit 0
fi

# best_pair A B: shell functions A and B run in turns, $runs times each
# (a slow spell of the machine then falls on both, not on one side's
# batch); prints "a_out a_secs b_out b_secs", each side's smallest time.
best_pair() {
	ba="" bb=""
	i=0
	while [ $i -lt "$runs" ]; do
		r=$($1)
		oa=$(echo "$r" | cut -d' ' -f2)
		s=$(echo "$r" | cut -d' ' -f3)
		if [ -z "$ba" ] || awk "BEGIN { exit !($s < $ba) }"; then ba=$s; fi
		r=$($2)
		ob=$(echo "$r" | cut -d' ' -f2)
		s=$(echo "$r" | cut -d' ' -f3)
		if [ -z "$bb" ] || awk "BEGIN { exit !($s < $bb) }"; then bb=$s; fi
		i=$((i + 1))
	done
	echo "$oa $ba $ob $bb"
}

# the program, without and with the shim, as best_pair runs them
zlib_c() { "$zpipe" -c "$level" "$corpus" -o "$dir/zlib.$level"; }
wd_c() { env LD_PRELOAD="$shim" "$zpipe" -c "$level" "$corpus" -o "$dir/wd.$level"; }
zlib_d() { "$zpipe" -d "$dir/zlib.6"; }
wd_d() { env LD_PRELOAD="$shim" "$zpipe" -d "$dir/zlib.6"; }

line() {	# name zlib_out zlib_s wd_out wd_s with_size
	awk -v n="$1" -v size="$size" -v zo="$2" -v zs="$3" -v wo="$4" -v ws="$5" \
	    -v with_size="$6" 'BEGIN {
		printf "BENCH %s zlib_mbps=%.1f wd_mbps=%.1f", n, size / zs / 1e6, size / ws / 1e6
		if (with_size == 1)
			printf " zlib_bytes=%d wd_bytes=%d ratio=%.2f size_ratio=%.4f\n", zo, wo, zs / ws, wo / zo
		else
			printf " ratio=%.2f\n", zs / ws
	}'
}

for level in 6 1; do
	# shellcheck disable=SC2046 # its four fields, split on purpose
	set -- $(best_pair zlib_c wd_c)
	zo=$1 zs=$2 wo=$3 ws=$4
	# the shim's stream must give the corpus back through stock zlib
	back=$("$zpipe" -d "$dir/wd.$level" | cut -d' ' -f2)
	[ "$back" = "$size" ] || { echo "BENCH zlib-deflate-L$level error=bad_stream"; continue; }
	line zlib-deflate-L$level "$zo" "$zs" "$wo" "$ws" 1
done
# shellcheck disable=SC2046
set -- $(best_pair zlib_d wd_d)
line zlib-inflate "$1" "$2" "$3" "$4" 0
