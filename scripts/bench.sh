#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the benchmark programs in a release build of their own and run every
# one of them (shared/design/performance.md), then print one combined table:
# benchmark, median ns/op, min-max, baseline ns/op, ratio, target, result.
# The rows are also written as one JSON array.
#
#   scripts/bench.sh [--json PATH] [NAME...]
#
# NAME limits the run to those programs (e.g. bench_map). Programs whose name
# ends in _preload run with the preload library in LD_PRELOAD. A program
# that writes no JSON rows (an older one) has its own output shown instead.
# Environment: SIO_BENCH_BUILD (build directory, default build-bench).
# Exit status: 0 when every program ran and every row passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

dir=${SIO_BENCH_BUILD:-build-bench}
json_out=
only=()
while [ $# -gt 0 ]; do
	case $1 in
	--json)
		json_out=${2:?--json needs a path}
		shift 2
		;;
	-h|--help)
		sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		only+=("$1")
		shift
		;;
	esac
done
[ -n "$json_out" ] || json_out=$dir/bench.json

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "=== release build in $dir ==="
if ! { meson setup --reconfigure "$dir" -Dbuildtype=release -Dbench=true -Dtests=false \
		>"$out/setup.log" 2>&1 ||
       meson setup "$dir" -Dbuildtype=release -Dbench=true -Dtests=false \
		>"$out/setup.log" 2>&1; } ||
   ! ninja -C "$dir" >"$out/build.log" 2>&1; then
	cat "$out/setup.log" "$out/build.log" 2>/dev/null | tail -40
	echo "bench: build failed"
	exit 1
fi

preload=$(ls "$dir"/src/preload/libsoftiommu-preload.so 2>/dev/null)
status=0
progs=()
for exe in "$dir"/bench/bench_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe")
	if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then
		continue
	fi
	progs+=("$name")
	echo "=== $name ==="
	if [[ $name == *_preload ]]; then
		LD_PRELOAD=$preload "$exe" --json "$out/$name.json" >"$out/$name.log" 2>&1
	else
		"$exe" --json "$out/$name.json" >"$out/$name.log" 2>&1
	fi
	rc=$?
	# The program's notes (its rows are repeated in the combined table).
	if [ -s "$out/$name.json" ]; then
		grep -v '^benchmark \|^B[0-9]' "$out/$name.log" | sed 's/^/  /'
	else
		echo "  (no JSON rows: output shown after the table)"
	fi
	if [ $rc -ne 0 ]; then
		echo "  $name: exit status $rc"
		status=1
	fi
done
if [ ${#progs[@]} -eq 0 ]; then
	echo "bench: no benchmark program matched"
	exit 1
fi

echo
python3 - "$out" "$json_out" "${progs[@]}" <<'EOF' || status=1
import json, os, sys

out, json_out, progs = sys.argv[1], sys.argv[2], sys.argv[3:]
rows, raw = [], []
for p in progs:
    path = os.path.join(out, p + ".json")
    try:
        with open(path) as f:
            for r in json.load(f):
                r["program"] = p
                rows.append(r)
    except (OSError, ValueError):
        raw.append(p)

fmt = "{:<36} {:>10} {:>19} {:>12} {:>8}  {:<26} {}"
print(fmt.format("benchmark", "median ns", "min-max", "baseline ns", "ratio", "target",
                 "result"))
for r in rows:
    print(fmt.format(r["benchmark"], "%.2f" % r["median_ns"],
                     "%.2f-%.2f" % (r["min_ns"], r["max_ns"]),
                     "%.2f" % r["baseline_ns"] if r["baseline_ns"] else "-",
                     "%.3f" % r["ratio"], r["target"], "PASS" if r["pass"] else "FAIL"))
failed = [r for r in rows if not r["pass"]]
print("%d rows, %d passed, %d failed" % (len(rows), len(rows) - len(failed), len(failed)))
for p in raw:
    print("\n=== %s (no JSON rows; its own output) ===" % p)
    with open(os.path.join(out, p + ".log")) as f:
        sys.stdout.write(f.read())
os.makedirs(os.path.dirname(os.path.abspath(json_out)), exist_ok=True)
with open(json_out, "w") as f:
    json.dump(rows, f, indent=1)
    f.write("\n")
print("rows written to %s" % json_out)
sys.exit(1 if failed else 0)
EOF
exit $status
