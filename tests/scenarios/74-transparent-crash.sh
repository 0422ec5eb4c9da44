# Transparent mode: a rank dies of SIGSEGV while writing a checkpoint. scr
# prints a backtrace naming the function, the signal takes its course (the
# job dies), and the restart sees the previous checkpoint, never the one
# being written.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'

run_tp 2 2 crash -- "$APPS/crash_app" write && fail "the crashing job exited 0"
expect_in crash "rank 0: fatal signal 11 \(SEGV\)"
expect_in crash "crash_here" "(the backtrace names the crashing function)"
expect_in crash "signal 11|Segmentation fault" "(the signal took its normal course)"
run_tp 2 2 verify -- "$APPS/crash_app" verify || { show verify; fail "restart saw the crashed checkpoint"; }
expect_in verify "crash_app: verify ok"
echo "crash ok"
