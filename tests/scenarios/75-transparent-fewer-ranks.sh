# Restart with fewer ranks than wrote the checkpoint, while it is only in the
# node caches: at MPI_Init the node leaders copy it to the prefix from every
# filemap their node holds, and each rank then reads any rank's file.
# Transparent mode (posix_app --any-ranks reads all old ranks' files) and
# the API (api_app restarts read in place).
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=90
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
args=(--steps 8 --every 2 --pause-ms 2200 --bytes 20000 --any-ranks)

run_tp 2 2 four -- "$APPS/posix_app" "${args[@]}" --die-at 6 && fail "the killed run exited 0"
[ -z "$(find "$T/prefix/ckpt" -type f -name 'rank_*')" ] || fail "files reached the prefix with SCR_FLUSH=0"
SCR_DEBUG=1 run_tp 2 1 two -- "$APPS/posix_app" "${args[@]}" --expect-restart 6 ||
	{ show two; fail "the 2-rank restart failed"; }
expect_in two "of a 4-rank run was only in the node caches: copied to the prefix"
expect_in two "posix_app: verified 4 files"
for r in 0 1 2 3; do
	[ -s "$T/prefix/ckpt/ckpt.6/rank_$r.dat" ] || fail "ckpt.6/rank_$r.dat was not scavenged"
done

note "a node lost before the restart: the checkpoint cannot be scavenged whole"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
run_tp 2 2 four-b -- "$APPS/posix_app" "${args[@]}" --die-at 4 && fail "the killed run exited 0"
lose_node node1
# the application's own marker points at ckpt.4, which no longer exists
# whole anywhere: scr must not hand out half of it, the app stops cleanly
SCR_DEBUG=1 run_tp 2 1 two-b -- "$APPS/posix_app" "${args[@]}" &&
	fail "the app restarted from a checkpoint that lost half its files"
expect_in two-b "the nodes hold files of 2 of its ranks, cannot scavenge it"
expect_in two-b "cannot open ckpt/ckpt.4/rank_2.dat"
"$SCR_INDEX" --prefix "$T/prefix" >"$T/out/index" 2>&1
expect_in index "no datasets"
echo "fewer ranks ok"
