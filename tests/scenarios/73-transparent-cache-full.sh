# Transparent mode with a cache too small for the checkpoints (a 1 MiB
# tmpfs): writes that hit ENOSPC move to the real path and go on, the
# affected checkpoint is not used for a restart, its other files land at
# their real paths too, and the application never notices: same answer, and
# a restart in a new allocation works from what reached the real paths.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=90
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
small=$T/smallcache
mkdir -p "$small"
mount -t tmpfs -o size=1m tmpfs "$small" || fail "cannot mount a small tmpfs (run as root)"
trap 'umount "$small" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export SCR_CACHE_BASE=$small
args=(--steps 6 --every 2 --pause-ms 2200 --bytes 200000)
# the first checkpoint of 4 x 300 kB overflows the 1 MiB cache mid-write
big=(--steps 6 --every 2 --pause-ms 2200 --bytes 300000)

APP=$APPS/posix_app reference 2 2 "${big[@]}" --pause-ms 0
run_tp 2 2 full -- "$APPS/posix_app" "${big[@]}" || { show full; fail "the application failed"; }
same_result reference full
expect_in full "the cache is full"
[ "$(grep -c 'the cache is full' "$T/out/full")" -le 4 ] || fail "the cache-full warning is repeated"
# the checkpoints that did not fit are whole at their real paths
for r in 0 1 2 3; do
	[ -s "$T/prefix/ckpt/ckpt.6/rank_$r.dat" ] || fail "ckpt.6/rank_$r.dat is not at its real path"
done

note "a write the nearly full cache takes only in part is completed, never short"
rm -rf "$small"/* "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
# 4 x 300 kB written by single write() calls: one of them meets the last
# free pages of the tmpfs, which takes part of it and returns a short count
run_tp 2 2 strict -- "$APPS/posix_app" "${big[@]}" --strict-writes ||
	{ show strict; fail "the application saw a short write"; }
expect_not_in strict "short write"
same_result reference strict

note "stdio streams (their writes bypass the wrappers): files go in place before the cache fills"
rm -rf "$small"/* "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
APP=$APPS/stdio_app reference 2 2 "${args[@]}" --pause-ms 0
run_tp 2 2 stdio -- "$APPS/stdio_app" "${args[@]}" || { show stdio; fail "stdio_app saw an error"; }
same_result reference stdio
expect_in stdio "the cache is (nearly )?full"

note "after a restart the estimate of the room a file needs is carried over"
rm -rf "$small"/* "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
# checkpoint 2 stays in the cache; the restarted run's first checkpoint (4)
# does not fit beside it, and its stdio writes would meet the full cache
run_tp 2 2 stdio_first -- "$APPS/stdio_app" --steps 2 --every 2 --bytes 200000 --die-at 2 &&
	fail "the killed stdio run exited 0"
run_tp 2 2 stdio_again -- "$APPS/stdio_app" "${args[@]}" --expect-restart 2 ||
	{ show stdio_again; fail "stdio_app saw an error in its first checkpoint after the restart"; }
same_result reference stdio_again
rm -rf "$small"/* "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
run_tp 2 2 full -- "$APPS/posix_app" "${big[@]}" || { show full; fail "the application failed"; }

note "a checkpoint that rewrites the files of an older cached one goes to the real paths: no rollback"
rm -rf "$small"/* "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
same=(--steps 6 --every 2 --bytes 200000 --same-name)
APP=$APPS/posix_app reference 2 2 "${same[@]}"
SCR_CHECKPOINT_PATTERN='/state/' run_tp 2 2 same_first -- "$APPS/posix_app" "${same[@]}" \
	--pause-ms 1500 --die-at 6 && fail "the killed run exited 0"
expect_in same_first "the cache is (nearly )?full"
# checkpoint 2 is still in the cache; the real paths hold checkpoint 6
SCR_CHECKPOINT_PATTERN='/state/' run_tp 2 2 same_again -- "$APPS/posix_app" "${same[@]}" \
	--expect-restart 6 || { show same_again; fail "the restart saw an older version of its files"; }
same_result reference same_again
# the same, rewritten faster than SCR_SETTLE_SECONDS: the next checkpoint
# goes in place while the one before is still pending
rm -rf "$small"/* "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_CHECKPOINT_PATTERN='/state/' run_tp 2 2 fast_first -- "$APPS/posix_app" "${same[@]}" \
	--die-at 6 && fail "the killed run exited 0"
SCR_CHECKPOINT_PATTERN='/state/' run_tp 2 2 fast_again -- "$APPS/posix_app" "${same[@]}" \
	--expect-restart 6 || { show fast_again; fail "the restart saw an older version of its files"; }
same_result reference fast_again
rm -rf "$small"/* "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
run_tp 2 2 full -- "$APPS/posix_app" "${big[@]}" || { show full; fail "the application failed"; }

note "new allocation, caches gone: restart from what is at the real paths"
umount "$small"
rm -rf "$T/cntl"
export SCR_CACHE_BASE=$T/cache SCR_JOB_ID=alloc2
run_tp 2 2 again -- "$APPS/posix_app" "${big[@]}" --steps 8 --expect-restart 6 ||
	{ show again; fail "restart after the cache-full run failed"; }
APP=$APPS/posix_app reference 2 2 --steps 8 --every 2 --bytes 300000
same_result reference again
echo "cache full ok"
