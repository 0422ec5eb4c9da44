# Full node-local or prefix storage never breaks an API application and
# never throws a good checkpoint away (small tmpfs mounts, real ENOSPC).
# - cache too small for a second checkpoint: the next ones go to the prefix
#   directly, said once per node; a restart reads the newest one in place
#   when it cannot be fetched into the full cache, and the prefix copy is
#   not marked failed for what was the cache's fault;
# - prefix full: the flush fails with the path and the reason, the
#   checkpoint stays in cache, nothing half-copied is indexed, and the same
#   allocation restarts from the cache with the right answer.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60
small=$T/small
mkdir -p "$small"
mount -t tmpfs -o size=1m tmpfs "$small" || fail "cannot mount a small tmpfs (run as root)"
trap 'cd /; umount "$small" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# 4 ranks x ~200 kB: one checkpoint fits in 1 MiB, two do not
args=(--steps 10 --every 2 --bytes 200000)
reference 2 2 "${args[@]}"

no_failed_entry() {   # why
	"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/index" 2>&1 || { show index; fail "scr_index failed"; }
	! grep -qE '^ *[0-9]+ +NO' "$T/out/index" || { show index; fail "$1"; }
}

note "cache full: checkpoints go to the prefix directly, and the restart reads there"
SCR_CACHE_BASE=$small SCR_FLUSH=0 run 2 2 cache_full -- "$APP" "${args[@]}" --die-at 8 &&
	fail "the killed run exited 0"
expect_in cache_full "checkpoint at step 8"
expect_in cache_full "bytes free and the newest checkpoint took [0-9]+: dataset [0-9]+ goes to the prefix directly"
[ "$(grep -c 'goes to the prefix directly' "$T/out/cache_full")" -le 2 ] ||
	{ show cache_full; fail "the no-room warning is repeated (once per node)"; }
expect_not_in cache_full "No space left|failed"
for r in 0 1 2 3; do
	[ -s "$T/prefix/ckpt.8/rank_$r.0.dat" ] || fail "checkpoint 8 of rank $r is not in the prefix"
done
SCR_CACHE_BASE=$small SCR_FLUSH=0 expect_ok cache_full_again 2 2 cache_full_again -- \
	"$APP" "${args[@]}" --expect-restart 8
expect_in cache_full_again "no room in the cache for dataset [0-9]+ 'ckpt.8': it is verified and read in place"
expect_not_in cache_full_again "marked failed"
same_result reference cache_full_again
no_failed_entry "a prefix checkpoint was marked failed because the cache was full"

note "prefix full: the flush fails, the checkpoint stays in cache and is restarted from"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr" "$small"/*
cd "$small" || fail "cannot enter '$small'"
SCR_PREFIX=$small SCR_FLUSH=2 run 2 2 prefix_full -- "$APP" "${args[@]}" --die-at 8 &&
	fail "the killed run exited 0"
expect_in prefix_full "checkpoint at step 8"
expect_in prefix_full "cannot copy '.*' to '$small/ckpt\.[0-9]+/rank_[0-3]\.0\.dat': No space left on device"
expect_in prefix_full "flush of dataset [0-9]+ failed on some rank: it stays in cache only"
"$SCR_INDEX" --prefix "$small" --list >"$T/out/small_index" 2>&1
! grep -qE ' ckpt\.8$' "$T/out/small_index" || { show small_index; fail "the unflushed checkpoint 8 is indexed"; }
ls "$small"/ckpt.*/*.scr-flush.* >/dev/null 2>&1 && fail "a temporary flush file was left in the prefix"
SCR_PREFIX=$small SCR_FLUSH=2 expect_ok prefix_full_again 2 2 prefix_full_again -- \
	"$APP" "${args[@]}" --expect-restart 8
same_result reference prefix_full_again
echo "full storage ok"
