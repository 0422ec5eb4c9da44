# Checkpoint several times, kill the job, restart in the same allocation from
# cache; the answer matches an uninterrupted run. 4 ranks on 2 nodes and
# 8 ranks on 4 nodes, two files per rank.
. "$(dirname "$0")/../lib/harness.sh"

for layout in "2 2" "4 2"; do
	set -- $layout
	nodes=$1 ppn=$2
	note "$((nodes * ppn)) ranks on $nodes nodes"
	rm -rf "$T/prefix"/* "$T/cache" "$T/cntl"
	args=(--steps 12 --every 3 --files 2 --bytes 200000)
	reference "$nodes" "$ppn" "${args[@]}"

	SCR_FLUSH=0 run "$nodes" "$ppn" first -- "$APP" "${args[@]}" --die-at 9 &&
		fail "the killed run exited 0"
	expect_in first 'checkpoint at step 9'
	# nothing was flushed: the checkpoints live in cache only
	[ -z "$(ls -d "$T"/prefix/ckpt.* 2>/dev/null)" ] || fail "checkpoint files reached the prefix with SCR_FLUSH=0"
	for ((n = 0; n < nodes; n++)); do
		f=$(cache_of node$n)/scr.dataset.3/ckpt.9/rank_$((n * ppn)).1.dat
		[ -s "$f" ] || fail "cached file '$f' missing"
	done

	SCR_FLUSH=0 expect_ok second "$nodes" "$ppn" second -- "$APP" "${args[@]}" --expect-restart 9
	expect_in second 'restarted from step 9'
	same_result reference second
done

note "another rank count or another prefix in the same allocation does not take this cache"
rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
args=(--steps 8 --every 2)
SCR_FLUSH=0 run 2 2 four -- "$APP" "${args[@]}" --die-at 6 && fail "the killed run exited 0"
# 2 ranks cannot take 4 ranks' cache: the checkpoint is scavenged to the
# prefix at SCR_Init and read there in place
SCR_DEBUG=1 SCR_FLUSH=0 expect_ok two 2 1 two -- "$APP" "${args[@]}" --expect-restart 6
expect_in two "of a 4-rank run was only in the node caches: copied to the prefix"
expect_in two "read in place"
mkdir -p "$T/other"
(cd "$T/other" && SCR_PREFIX=$T/other SCR_FLUSH=0 run 2 2 other -- "$APP" "${args[@]}" --expect-restart 0) ||
	{ show other; fail "a run with another prefix restarted from this cache"; }
echo "cache restart ok"
