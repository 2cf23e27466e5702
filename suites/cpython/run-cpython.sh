#!/bin/sh
# CPython 3.11's own tests of its zlib users against the shim (DESIGN.md,
# invariant 4): test_zlib, test_gzip, test_zipfile, test_tarfile and
# test_shutil from Debian's libpython3.11-testsuite, run by Debian's
# /usr/bin/python3.11 (WD_SUITE_PYTHON overrides; it must be the
# interpreter whose test package is installed, and one that links the
# system libz.so.1) with the shim preloaded: once with the default
# settings (WD_ZLIB=auto) and once forced (WD_ZLIB=force and
# WD_COMP_INLINE_MAX=0: every stream that can be goes to the queues; with
# WD_ZLIB=force alone a deflate stream shorter than WD_COMP_INLINE_MAX is
# still coded in the library, 308 of test_gzip's 311 then).
#
# Each mode is one "python3 -m test -j2" run (the modules spread over
# both cores, each in a worker process of its own); resource-hungry tests
# (bigmem, largefile, cpu) are skipped, as CPython does by default.
#
# TAP: one line per module and mode ("passed" in regrtest's words; the
# failing test names and regrtest's verbose output of the module are in
# the log), and, for each mode, one line proving offload: a sitecustomize
# on PYTHONPATH has every python process of the run record its own
# counters (wdctl stats --pid, read at exit while the counter file still
# exists) in counters-MODE.jsonl, and every module's worker must show
# deflate and inflate streams offloaded.
. "$top_srcdir/suites/lib/suite.sh"

PY=${WD_SUITE_PYTHON:-/usr/bin/python3.11}
MODULES="test_zlib test_gzip test_zipfile test_tarfile test_shutil"
MODES="auto force"
WDCTL=$top_builddir/tools/wdctl

[ -x "$PY" ] || suite_unavailable "no $PY (python3.11)"
"$PY" -c 'import test.test_zlib, test.test_gzip, test.test_zipfile, test.test_tarfile, test.test_shutil' \
	> /dev/null 2>&1 || suite_unavailable "$PY has no test package (libpython3.11-testsuite)"
[ -f "$SHIM" ] || suite_unavailable "no shim at $SHIM (build first)"
ldd "$PY" | grep -q 'libz\.so\.1 =>' ||
	suite_unavailable "$PY does not use the system libz.so.1: the shim would change nothing"

cd "$WORK" || exit 1
rm -rf site tmp
mkdir -p site tmp

# Every python process of the run appends its counters here at exit.
# Python's atexit runs before the C one that removes the counter file.
cat > site/sitecustomize.py <<'EOF'
# written by suites/cpython/run-cpython.sh: record this process's libwd
# counters at exit (the counter file is removed by libwd's own C atexit
# handler, which runs after this one)
import atexit, os, sys


def _wd_record():
    import json, subprocess
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    try:
        r = subprocess.run([os.environ["WD_SUITE_WDCTL"], "--json", "--pid",
                            str(os.getpid()), "stats"], env=env,
                           capture_output=True, text=True, timeout=60)
        algs = json.loads(r.stdout)["processes"][0]["algorithms"] if r.returncode == 0 else {}
    except Exception as e:
        algs = {"error": str(e)}
    rec = {"pid": os.getpid(), "ppid": os.getppid(), "argv": sys.argv,
           "algorithms": algs}
    with open(os.environ["WD_SUITE_COUNTERS"], "a") as f:
        f.write(json.dumps(rec) + "\n")


if os.environ.get("WD_SUITE_COUNTERS") and os.environ.get("WD_SUITE_WDCTL"):
    atexit.register(_wd_record)
EOF

# report MODE: the TAP lines of one run, from regrtest's own result lines
# (a worker that crashes has no other trace), the JUnit file (failing
# test names) and the counter records.
report() {
	"$PY" - "$1" "$tap_n" "$MODULES" <<'EOF'
import json, re, sys
import xml.etree.ElementTree as ET
mode, n, modules = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
out = open(f"regrtest-{mode}.out", errors="replace").read()
status = {}
for m in re.finditer(r"\[\s*\d+/\d+(?:/\d+)?\] (test_\w+) (.*)", out):
    status[m.group(1)] = m.group(2).split(" -- ")[0].strip()
bad, counts = {}, {}
try:
    root = ET.parse(f"junit-{mode}.xml").getroot()
    cases = root.iter("testcase")
except Exception:
    cases = []
for c in cases:
    name = c.get("name", "")
    mod = name.split(".")[1] if name.startswith("test.") else name
    k = counts.setdefault(mod, {"run": 0, "skipped": 0})
    k["run"] += 1
    if c.find("skipped") is not None:
        k["skipped"] += 1
    for tag in ("failure", "error"):
        e = c.find(tag)
        if e is not None:
            msg = (e.get("message") or e.text or "").strip().splitlines()
            bad.setdefault(mod, []).append(f"{tag}: {name}: {msg[-1] if msg else ''}")
for mod in modules:
    n += 1
    st = status.get(mod, "did not report (see regrtest's output)")
    ok = st.startswith("passed") and mod not in bad
    k = counts.get(mod, {"run": 0, "skipped": 0})
    print(f"{'ok' if ok else 'not ok'} {n} - {mode}: {mod} {st.split('(')[0].strip()}"
          f" ({k['run']} tests, {k['skipped']} skipped)")
    print(f"#   regrtest: {mod} {st}")
    for b in bad.get(mod, []):
        print(f"#   {b}")
# offload: every module's worker (regrtest --worker-args names its test)
# and the python processes it started must have offloaded deflate and
# inflate streams
try:
    recs = [json.loads(l) for l in open(f"counters-{mode}.jsonl")]
except OSError:
    recs = []
by_pid = {r["pid"]: r for r in recs}
def module_of(r, depth=0):
    if "--worker-args" in r["argv"]:
        return json.loads(r["argv"][r["argv"].index("--worker-args") + 1])[1]
    parent = by_pid.get(r.get("ppid"))
    return module_of(parent, depth + 1) if parent and depth < 5 else None
sums = {}
for r in recs:
    s = sums.setdefault(module_of(r), {"procs": 0})
    s["procs"] += 1
    for alg, c in r["algorithms"].items():
        if isinstance(c, dict):
            for k in ("offloaded", "fallback"):
                s[f"{alg} {k}"] = s.get(f"{alg} {k}", 0) + c.get(k, 0)
def offloaded(s):
    return s.get("deflate offloaded", 0) > 0 and s.get("inflate offloaded", 0) > 0
missing = []
total = {}
for mod in modules + [None]:
    s = sums.get(mod, {"procs": 0})
    print(f"#   {mod or 'other processes'}: " + ", ".join(f"{k} {v}" for k, v in s.items()))
    for k, v in s.items():
        total[k] = total.get(k, 0) + v
    if mod and not offloaded(s):
        missing.append(mod)
n += 1
# force: each module's streams must reach the queues; auto keeps small
# streams in zlib by design (doc/compression.md), so there the run as a
# whole must show both directions offloaded
if mode == "force":
    ok, what = not missing, "in every module's processes"
else:
    ok, what = offloaded(total), "in the run"
print(f"{'ok' if ok else 'not ok'} {n} - {mode}: counters show deflate and inflate"
      f" streams offloaded {what}" + (f" (not in {', '.join(missing)})" if missing and not ok else ""))
print(f"#   {len(recs)} python processes recorded their counters")
EOF
}

for mode in $MODES; do
	rm -f "counters-$mode.jsonl" "junit-$mode.xml"
	t0=$(date +%s)
	settings="WD_ZLIB=$mode"
	[ "$mode" = force ] && settings="$settings WD_COMP_INLINE_MAX=0"
	# shellcheck disable=SC2086
	env $settings LD_PRELOAD="$SHIM" TMPDIR="$WORK/tmp" \
		PYTHONPATH="$WORK/site" WD_SUITE_WDCTL="$WDCTL" \
		WD_SUITE_COUNTERS="$WORK/counters-$mode.jsonl" \
		"$PY" -m test -j2 -v --timeout 600 --junit-xml "junit-$mode.xml" $MODULES \
		> "regrtest-$mode.out" 2>&1
	st=$?
	t=$(($(date +%s) - t0))
	lines=$(report "$mode")
	printf '%s\n' "$lines"
	tap_n=$((tap_n + $(printf '%s\n' "$lines" | grep -c '^\(not \)\?ok ')))
	echo "# $settings: regrtest exited $st after $t s; its output but for the passed tests:"
	grep -v '\.\.\. ok$' "regrtest-$mode.out" | sed 's/^/#   /'
done
echo "1..$tap_n"
