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
echo "cache restart ok"
