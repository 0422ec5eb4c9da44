#!/usr/bin/env bash
# make demo: first an unmodified MPI application (plain POSIX I/O, no scr in
# its source) under LD_PRELOAD, then one written against the SCR API: each
# checkpoints into node-local cache, is killed, restarts from cache and
# finishes with the same answer as an uninterrupted run. 4 ranks over 2
# simulated nodes.
. "$(dirname "$0")/lib/harness.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "TRANSPARENT MODE: tests/apps/posix_app, built without scr, run under LD_PRELOAD"
export SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
targs=(--steps 10 --every 2 --bytes 500000 --pause-ms 1500)
APP=$APPS/posix_app reference 2 2 "${targs[@]}"
grep 'result' "$T/out/reference"
say "run 1: LD_PRELOAD=libscr_interpose.so SCR_CHECKPOINT_PATTERN='$SCR_CHECKPOINT_PATTERN', killed after step 6"
SCR_FLUSH=0 SCR_DEBUG=1 run_tp 2 2 tp1 -- "$APPS/posix_app" "${targs[@]}" --die-at 6
grep -E '^(posix_app|scr: rank 0)' "$T/out/tp1"
say "the application wrote ckpt/ckpt.N/rank_R.dat; the files are in the node caches, not in the prefix"
(cd "$T/cache" && find . -name '*.dat' | sort | sed 's|^\./|  |')
echo "  in the prefix: $(find "$T/prefix/ckpt" -name '*.dat' | wc -l) checkpoint files"
say "run 2: the same command restarts from cache"
SCR_DEBUG=1 run_tp 2 2 tp2 -- "$APPS/posix_app" "${targs[@]}"
grep -E '^(posix_app|scr: rank 0)' "$T/out/tp2"
ref=$(result_of reference) got=$(result_of tp2)
echo "  uninterrupted: $ref   killed+restarted under LD_PRELOAD: $got"
[ "$ref" = "$got" ] || fail "the answers differ"
echo "  identical"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
unset SCR_CHECKPOINT_PATTERN

say "API MODE: tests/mpi/api_app calls SCR_Start_output/SCR_Route_file/SCR_Complete_output"
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
