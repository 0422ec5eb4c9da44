#!/usr/bin/env bash
# Runs the test suite: unit tests, then the MPI scenarios, each under a time
# limit (a hang is a failure). Ends with a summary: the counts, the slowest
# scenarios and where the logs are; "N passed, N failed" is the last line.
#   tests/run.sh            everything
#   tests/run.sh unit       unit tests only
#   tests/run.sh 10 30      scenarios whose names start with 10 or 30
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
UNIT_LIMIT=${UNIT_LIMIT:-120}
SCENARIO_LIMIT=${SCENARIO_LIMIT:-300}
passed=0 failed=0 failures=() times=()
logdir=$(mktemp -d /tmp/scr-tests.XXXXXX)
suite_start=$SECONDS

run_one() {   # name limit command...
	local name=$1 limit=$2; shift 2
	local log="$logdir/${name//\//_}.log" start=$SECONDS took
	if timeout -k 10 "$limit" "$@" >"$log" 2>&1; then
		took=$((SECONDS - start))
		passed=$((passed + 1))
		printf 'ok    %-40s %3ds\n' "$name" $took
	else
		local rc=$?
		took=$((SECONDS - start))
		failed=$((failed + 1)); failures+=("$name")
		[ $rc -eq 124 ] && echo "TIMEOUT after ${limit}s" >>"$log"
		printf 'FAIL  %-40s %3ds (exit %d)\n' "$name" $took "$rc"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
	# past half its limit is a warning: on a loaded machine it may fail
	((took * 2 > limit)) && printf 'SLOW  %s took %ds, over half its %ds limit\n' \
		"$name" $took "$limit"
	times+=("$took $name")
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
total=$((SECONDS - suite_start))
echo "summary: $passed passed, $failed failed in $((total / 60))m$((total % 60))s"
if [ ${#times[@]} -gt 0 ]; then
	echo "slowest:"
	printf '%s\n' "${times[@]}" | sort -rn | head -n 5 |
		while read -r took name; do printf '  %-40s %3ds\n' "$name" "$took"; done
fi
[ $failed -eq 0 ] || echo "failed: ${failures[*]}"
echo "logs: $logdir (one per test; KEEP=1 also keeps a scenario's files)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
