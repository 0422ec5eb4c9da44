#!/usr/bin/env bash
# Runs the test suite: unit tests, then the MPI scenarios, each under a time
# limit (a hang is a failure). Prints "N passed, N failed" last.
#   tests/run.sh            everything
#   tests/run.sh unit       unit tests only
#   tests/run.sh 10 30      scenarios whose names start with 10 or 30
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
UNIT_LIMIT=${UNIT_LIMIT:-120}
SCENARIO_LIMIT=${SCENARIO_LIMIT:-300}
passed=0 failed=0 failures=()
logdir=$(mktemp -d /tmp/scr-tests.XXXXXX)

run_one() {   # name limit command...
	local name=$1 limit=$2; shift 2
	local log="$logdir/${name//\//_}.log" start=$SECONDS
	if timeout -k 10 "$limit" "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		printf 'ok    %-40s %3ds\n' "$name" $((SECONDS - start))
	else
		local rc=$?
		failed=$((failed + 1)); failures+=("$name")
		[ $rc -eq 124 ] && echo "TIMEOUT after ${limit}s" >>"$log"
		printf 'FAIL  %-40s %3ds (exit %d)\n' "$name" $((SECONDS - start)) "$rc"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
}

want() {   # does the scenario match the filter arguments?
	[ $# -eq 0 ] && return 0
	local base=$1; shift
	for f in "${FILTERS[@]}"; do
		[[ $base == "$f"* ]] && return 0
	done
	return 1
}

FILTERS=("$@")
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	# "unit" runs them all; other filters pick unit tests by name too
	[ $# -eq 0 ] || [ "$1" = unit ] || want "$(basename "$t")" "${FILTERS[@]}" || continue
	run_one "unit/$(basename "$t")" "$UNIT_LIMIT" "$t"
done
[ "${1:-}" = unit ] && FILTERS=(none)
for s in tests/scenarios/[0-9]*.sh; do
	[ -f "$s" ] || continue
	base=$(basename "$s" .sh)
	[ ${#FILTERS[@]} -eq 0 ] || want "$base" "${FILTERS[@]}" || continue
	run_one "scenario/$base" "$SCENARIO_LIMIT" bash "$s"
done

echo
[ $failed -eq 0 ] || echo "failed: ${failures[*]} (logs in $logdir)"
[ $failed -eq 0 ] && rm -rf "$logdir"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
