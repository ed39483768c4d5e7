#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and run every test: a plain -Werror build, an ASan+UBSan build, and a
# ThreadSanitizer build (which the multi-threaded stress tests are for). Ends with the
# line "N passed, N failed". Exit status 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

out=${SIO_BUILD_ROOT:-build-test}
jobs=$(nproc)
total_pass=0
total_fail=0

# run_suite NAME MESON_SETUP_ARGS MESON_TEST_ARGS
run_suite() {
	local name=$1 setup_args=$2 test_args=$3 dir="$out/$1" pass fail
	echo "=== $name build ==="
	if ! { meson setup --reconfigure "$dir" -Dwerror=true $setup_args >"$dir.setup.log" 2>&1 ||
	       meson setup "$dir" -Dwerror=true $setup_args >"$dir.setup.log" 2>&1; } ||
	   ! ninja -C "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
		cat "$dir.setup.log" "$dir.build.log" 2>/dev/null | tail -40
		echo "$name: build failed"
		total_fail=$((total_fail + 1))
		return
	fi
	echo "=== $name tests ==="
	meson test -C "$dir" --num-processes "$jobs" --print-errorlogs $test_args
	pass=$(python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    if json.loads(l)["result"] in ("OK","EXPECTEDFAIL"): n+=1
print(n)' "$dir/meson-logs/testlog.json" 2>/dev/null || echo 0)
	fail=$(python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    if json.loads(l)["result"] not in ("OK","EXPECTEDFAIL","SKIP"): n+=1
print(n)' "$dir/meson-logs/testlog.json" 2>/dev/null || echo 1)
	echo "$name: $pass passed, $fail failed"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

mkdir -p "$out"
run_suite plain "-Dbuildtype=debugoptimized" ""
run_suite asan "-Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false" ""
run_suite tsan "-Dbuildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false -Dbench=false" ""

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
