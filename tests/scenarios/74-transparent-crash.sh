# Transparent mode: a rank dies of SIGSEGV while writing a checkpoint. scr
# prints a backtrace naming the function, the signal takes its course (the
# job dies), and the restart sees the previous checkpoint, never the one
# being written. Then a job dies inside the completion of a checkpoint it
# closed: one rank recorded it complete, the other only in its journal.
# Then a job killed in the middle of a checkpoint (rank 0 closed its file,
# rank 1 still writing) restarts where it would natively, and the torn file
# is never served nor saved. Last, a job killed with a checkpoint only
# closed restarts with every rank on another node: the journals follow
# their ranks (core/migrate.c).
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'

run_tp 2 2 crash -- "$APPS/crash_app" write && fail "the crashing job exited 0"
expect_in crash "rank 0: fatal signal 11 \(SEGV\)"
expect_in crash "crash_here" "(the backtrace names the crashing function)"
expect_in crash "signal 11|Segmentation fault" "(the signal took its normal course)"
run_tp 2 2 verify -- "$APPS/crash_app" verify || { show verify; fail "restart saw the crashed checkpoint"; }
expect_in verify "crash_app: verify ok"

note "a crash inside a completion: rank 0 holds checkpoint 2 complete, rank 1 only closed"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
args=(--steps 4 --every 2 --bytes 20000)
APP=$APPS/posix_app reference 2 1 "${args[@]}"
SCR_SETTLE_SECONDS=30 run_tp 2 1 closed -- "$APPS/posix_app" "${args[@]}" --die-at 2 &&
	fail "the job was not killed"
saved=$T/node1-cntl
cp -a "$(cntl_of node1)" "$saved"
run_tp 2 1 finish -- "$APPS/posix_app" --steps 2 --every 2 --bytes 20000 --expect-restart 2 ||
	{ show finish; fail "restart from the closed checkpoint 2 failed"; }
expect_in finish "closed by the application but not completed .*: completed now"
# rank 1 as it was before that completion; rank 0 keeps it complete
rm -f "$(cntl_of node1)"/*
cp -a "$saved"/. "$(cntl_of node1)"/
run_tp 2 1 after -- "$APPS/posix_app" "${args[@]}" --expect-restart 2 ||
	{ show after; fail "restart after a crash inside the completion failed"; }
expect_in after "checkpoint '.*' \(dataset 1: 2 files, "
same_result reference after

note "killed in the middle of a checkpoint: rank 0 closed its file, rank 1 still writing"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr" "$T/native"
mkdir -p "$T/native"
(cd "$T/native" && run 2 1 native_torn -- "$APPS/posix_app" "${args[@]}" --die-writing 4) &&
	fail "the native job was not killed"
[ -s "$T/native/ckpt/ckpt.4/rank_1.dat" ] || fail "natively, rank 1's torn file is not there"
# scr holds checkpoint 2 only closed (SCR_SETTLE_SECONDS=30): 2 and 4 are one
# dataset, of which rank 1 closed nothing of 4
SCR_SETTLE_SECONDS=30 run_tp 2 1 torn -- "$APPS/posix_app" "${args[@]}" --die-writing 4 &&
	fail "the job was not killed"
expect_in torn "rank 1 dies while writing"
SCR_FLUSH=1 run_tp 2 1 after_torn -- "$APPS/posix_app" --steps 2 --every 2 --bytes 20000 \
	--expect-restart 2 || { show after_torn; fail "restart after a kill mid-checkpoint failed"; }
# what rank 0 closed is kept with its bytes, what rank 1 never closed is not
cmp "$T/native/ckpt/ckpt.4/rank_0.dat" "$T/prefix/ckpt/ckpt.4/rank_0.dat" ||
	fail "rank 0's closed file of checkpoint 4 is not in the prefix as written"
[ ! -e "$T/prefix/ckpt/ckpt.4/rank_1.dat" ] || fail "the torn file of rank 1 was saved"
cmp "$T/native/ckpt/ckpt.2/rank_1.dat" "$T/prefix/ckpt/ckpt.2/rank_1.dat" ||
	fail "checkpoint 2 is not in the prefix as written"

note "a closed checkpoint follows its ranks to other nodes"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
RANK_NODES="A B B A" reference 0 0 "${args[@]}"
RANK_NODES="A B B A" SCR_SETTLE_SECONDS=30 run_tp 0 0 moved_closed -- "$APPS/posix_app" \
	"${args[@]}" --die-at 2 && fail "the job was not killed"
expect_not_in moved_closed "dataset 1 .*complete" "(checkpoint 2 completed before the kill)"
RANK_NODES="B A A B" SCR_DEBUG=1 run_tp 0 0 moved -- "$APPS/posix_app" "${args[@]}" \
	--expect-restart 2 || { show moved; fail "restart on other nodes lost the closed checkpoint"; }
expect_in moved "restarted on another node: the cache of 4 followed them"
expect_in moved "closed by the application but not completed .*: completed now"
same_result reference moved
echo "crash ok"
