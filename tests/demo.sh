#!/usr/bin/env bash
# make demo: an MPI application using the SCR API checkpoints into
# node-local cache, is killed, restarts from cache and finishes with the same
# answer as an uninterrupted run. 4 ranks over 2 simulated nodes.
. "$(dirname "$0")/lib/harness.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
args=(--steps 12 --every 3 --bytes 1000000 --files 2)

say "uninterrupted run without scr, for the reference answer"
reference 2 2 "${args[@]}"
grep '^api_app: result' "$T/out/reference"

say "run 1: 4 ranks on nodes node0 and node1, checkpoint every 3 steps, killed after step 9"
SCR_FLUSH=0 SCR_DEBUG=1 run 2 2 run1 -- "$APP" "${args[@]}" --die-at 9
grep -E '^(api_app|scr: rank 0)' "$T/out/run1"

say "what the node-local caches hold now (nothing was flushed to the prefix)"
(cd "$T/cache" && find . -name '*.dat' | sort | sed 's|^\./|  |')
"$SCR_INDEX" --prefix "$T/prefix"

say "run 2: same allocation, restart from cache"
SCR_DEBUG=1 expect_ok run2 2 2 run2 -- "$APP" "${args[@]}"
grep -E '^(api_app|scr: rank 0)' "$T/out/run2"

say "the answer"
ref=$(result_of reference) got=$(result_of run2)
echo "  uninterrupted: $ref"
echo "  killed+restarted from cache: $got"
[ "$ref" = "$got" ] || fail "the answers differ"
echo "  identical"

say "the prefix after the run (SCR_Finalize flushed the newest checkpoint)"
"$SCR_INDEX" --prefix "$T/prefix"
