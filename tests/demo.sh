#!/usr/bin/env bash
# make demo: first an unmodified MPI application (plain POSIX I/O, no scr in
# its source) under LD_PRELOAD on 4 simulated nodes with XOR redundancy: it
# checkpoints into node-local cache, is killed, loses a node's cache, and
# restarts on a spare node from the rebuilt cache. Then one written against
# the SCR API on 2 nodes. Both finish with the answer of an uninterrupted run.
# The event log is on: scr_report sums up the API job and draws its
# timeline into build/demo-timeline.svg.
. "$(dirname "$0")/lib/harness.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "TRANSPARENT MODE: tests/apps/posix_app, built without scr, run under LD_PRELOAD"
export SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/' SCR_COPY_TYPE=XOR
targs=(--steps 10 --every 2 --bytes 500000 --pause-ms 1500)
APP=$APPS/posix_app reference 4 1 "${targs[@]}"
grep 'result' "$T/out/reference"
say "run 1: 4 ranks on node0..node3, LD_PRELOAD=libscr_interpose.so SCR_CHECKPOINT_PATTERN='$SCR_CHECKPOINT_PATTERN' SCR_COPY_TYPE=XOR, killed after step 6"
SCR_FLUSH=0 SCR_DEBUG=1 run_tp 4 1 tp1 -- "$APPS/posix_app" "${targs[@]}" --die-at 6
grep -E '^(posix_app|scr: rank 0)' "$T/out/tp1"
say "the application wrote ckpt/ckpt.N/rank_R.dat; the files are in the node caches (with XOR parity in .scr/), not in the prefix"
(cd "$T/cache" && find . -name '*.dat' -o -name 'red.*' | grep 'dataset.3/' | sort | sed 's|^\./|  |')
echo "  in the prefix: $(find "$T/prefix/ckpt" -name '*.dat' | wc -l) checkpoint files"
say "node1 fails: its cache and control directories are destroyed"
lose_node node1
echo "  rm -rf $(cache_of node1) $(cntl_of node1)"
say "run 2: the same command, with a spare node 'spare1' in place of node1, restarts from the rebuilt cache"
NODE_NAMES="node0 spare1 node2 node3" SCR_DEBUG=1 run_tp 4 1 tp2 -- "$APPS/posix_app" "${targs[@]}"
grep -E '^(posix_app|scr: rank 0)' "$T/out/tp2"
ref=$(result_of reference) got=$(result_of tp2)
echo "  uninterrupted: $ref   killed, node lost, rebuilt and restarted under LD_PRELOAD: $got"
[ "$ref" = "$got" ] || fail "the answers differ"
echo "  identical"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
unset SCR_CHECKPOINT_PATTERN SCR_COPY_TYPE

say "API MODE: tests/mpi/api_app calls SCR_Start_output/SCR_Route_file/SCR_Complete_output"
export SCR_LOG_ENABLE=1
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

say "what the event log says (SCR_LOG_ENABLE=1): scr_report"
"$BUILD/bin/scr_report" --prefix "$T/prefix" --svg "$BUILD/demo-timeline.svg"
echo "  (open $BUILD/demo-timeline.svg in a web browser: one lane per run)"
