# Background flush (SCR_FLUSH_ASYNC=1): checkpoints drain to the prefix
# while the application computes, one thread per node, capped by
# SCR_FLUSH_ASYNC_BW.
# - every checkpoint reaches the prefix and the index, with the result of a
#   run without scr; the end of each flush says bytes, seconds and GB/s;
# - scr_flush_file --progress shows the flush while it runs;
# - SIGKILL at several points of a flush: the dataset in flight is never
#   indexed, the older one is, the node still holds it for scr_postrun
#   (--needflush), a new allocation restarts from the prefix and the same
#   allocation from the cache, both with the right answer;
# - eviction never removes the dataset in flight (SCR_CACHE_SIZE=1);
# - the transparent mode under the shim, with an unmodified application.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60
FF=$BUILD/bin/scr_flush_file
# 4 ranks on 2 nodes, 3 MB each: 6 MB per node, 1.5 s at a 4 MB/s cap
args=(--steps 6 --every 2 --bytes 3000000)
reference 2 2 "${args[@]}"
export SCR_FLUSH_ASYNC=1 SCR_FLUSH=1

index_list() {   # out: the prefix index, listed
	"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/$1" 2>&1 || { show "$1"; fail "scr_index --list failed"; }
}
fresh() {   # job id: empty caches and prefix
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	export SCR_JOB_ID=$1
}

note "every checkpoint flushed in the background, same answer"
fresh bg1
SCR_DEBUG=1 expect_ok bg 2 2 bg -- "$APP" "${args[@]}" --pause-ms 200
same_result reference bg
for id in 1 2 3; do
	expect_in bg "dataset $id 'ckpt\.$((2 * id))': [0-9]+ bytes flushing in the background"
	expect_in bg "flushed dataset $id 'ckpt\.$((2 * id))' to '.*' in the background: [0-9]+ bytes; this node's [0-9]+ in [0-9.]+ s \([0-9.]+ GB/s\); indexed [0-9.]+ s after the start"
done
index_list bg_index
for s in 2 4 6; do
	grep -qE "^ *[0-9]+ YES .* ckpt\.$s$" "$T/out/bg_index" || { show bg_index; fail "ckpt.$s is not valid in the index"; }
done
ls "$T"/prefix/ckpt.*/*.scr-flush.* >/dev/null 2>&1 && fail "a temporary flush file was left in the prefix"
# the prefix copies are whole: a new allocation restarts from them
export SCR_JOB_ID=bg2
rm -rf "$T/cache" "$T/cntl"
expect_ok bg_fetch 2 2 bg_fetch -- "$APP" "${args[@]}" --expect-restart 6
same_result reference bg_fetch

note "scr_flush_file --progress while a capped flush runs"
fresh prog
SCR_FLUSH_ASYNC_BW=2MB run 2 2 prog -- "$APP" "${args[@]}" --pause-ms 1500 &
job=$!
seen=
for _ in $(seq 100); do
	SCR_NODE_NAME=node0 "$FF" --progress >"$T/out/progress" 2>&1 || true
	if grep -qE "^dataset [0-9]+ 'ckpt\.[0-9]+': running, [1-9][0-9]* of 6001[0-9]{3} bytes \([0-9.]+%\) in 2 files, [0-9.]+ s, [0-9.]+ MB/s, [0-9.]+ s left \(cap 2\.1 MB/s\)$" "$T/out/progress"; then
		seen=1
		# scr_inspect's view: each node's line, merged
		SCR_NODE_NAME=node0 "$BUILD/bin/scr_inspect_cache" 2>&1 | sed 's/^/node0: /' |
			"$BUILD/bin/scr_inspect_cache" --merge >"$T/out/inspect" 2>&1
		break
	fi
	sleep 0.1
done
wait $job || { show prog; fail "the capped run failed"; }
[ -n "$seen" ] || { show progress; fail "scr_flush_file --progress never showed a flush running"; }
expect_in inspect "^background flush on node0: dataset [0-9]+ running, [0-9]+ of 6001[0-9]{3} bytes \([0-9.]+%\), [0-9.]+ MB/s$"
SCR_NODE_NAME=node0 "$FF" --progress >"$T/out/progress_end" 2>&1 || { show progress_end; fail "--progress after the job"; }
expect_in progress_end "^dataset 3 'ckpt\.6': copied, ([0-9]+) of \1 bytes \(100\.0%\)"
same_result reference prog

note "killed at several points of a background flush"
for pause in 0 400 900; do
	fresh kill$pause
	# checkpoint 4 (dataset 2) starts flushing once dataset 1 is in; the
	# kill comes $pause ms later, while its 1.5 s of copies run
	SCR_FLUSH_ASYNC_BW=4MB run 2 2 kill$pause -- "$APP" "${args[@]}" --die-at 4 --pause-ms "$pause" &&
		fail "the killed run exited 0"
	expect_in kill$pause "checkpoint at step 4"
	index_list kill${pause}_index
	grep -qE "^ *1 YES .* ckpt\.2$" "$T/out/kill${pause}_index" ||
		{ show kill${pause}_index; fail "checkpoint 2, flushed before the kill, is not valid in the index"; }
	! grep -qE " ckpt\.4$" "$T/out/kill${pause}_index" ||
		{ show kill${pause}_index; fail "checkpoint 4, in flight at the kill, is in the index"; }
	SCR_NODE_NAME=node1 "$FF" --needflush 2 >"$T/out/need$pause" 2>&1 ||
		{ show need$pause; fail "node1 does not say that dataset 2 still needs a flush"; }
	if [ "$pause" = 400 ]; then
		# a new allocation: the caches are gone, the prefix offers checkpoint 2
		export SCR_JOB_ID=kill${pause}b
		expect_ok kill${pause}_prefix 2 2 kill${pause}_prefix -- "$APP" "${args[@]}" --expect-restart 2
		same_result reference kill${pause}_prefix
	else
		# the same allocation: checkpoint 4 from the cache, then flushed;
		# the killed flush's temporaries leave the prefix first
		expect_ok kill${pause}_again 2 2 kill${pause}_again -- "$APP" "${args[@]}" --expect-restart 4
		! ls "$T"/prefix/ckpt.*/*.scr-flush.* >/dev/null 2>&1 ||
			fail "the killed flush's temporary files are still in the prefix"
		same_result reference kill${pause}_again
		index_list kill${pause}_index2
		grep -qE "^ *[0-9]+ YES .* ckpt\.6$" "$T/out/kill${pause}_index2" ||
			{ show kill${pause}_index2; fail "the restarted run's checkpoint 6 is not in the index"; }
	fi
done

note "eviction keeps the dataset in flight (SCR_CACHE_SIZE=1)"
fresh evict
SCR_CACHE_SIZE=1 SCR_FLUSH_ASYNC_BW=8MB SCR_DEBUG=1 expect_ok evict 2 2 evict -- "$APP" "${args[@]}"
expect_in evict "keeping dataset 1 beyond SIZE 1 of store '.*' while its background flush runs"
expect_not_in evict "failed|cannot"
same_result reference evict
index_list evict_index
[ "$(grep -cE '^ *[0-9]+ YES ' "$T/out/evict_index")" -eq 3 ] || { show evict_index; fail "not every checkpoint reached the index"; }

note "transparent mode: an unmodified application under the shim"
fresh tp
tp_args=(--steps 6 --every 2 --bytes 2000000 --pause-ms 300)
APP=$APPS/posix_app reference 2 2 "${tp_args[@]}"
SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/' SCR_DEBUG=1 run_tp 2 2 tp -- "$APPS/posix_app" "${tp_args[@]}" ||
	{ show tp; fail "the transparent run failed"; }
expect_in tp "in the background: [0-9]+ bytes; this node's"
same_result reference tp
index_list tp_index
grep -qE "^ *[0-9]+ YES " "$T/out/tp_index" || { show tp_index; fail "no checkpoint of the transparent run reached the index"; }
echo "background flush ok"
