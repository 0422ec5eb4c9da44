# A rank that runs out of memory inside scr never takes the job down: the
# redundancy encode and rebuild take every buffer before their first
# message and agree on it, so the ranks fail that step together, say so, and
# the application goes on (the checkpoint unprotected, or the restart from
# an older one). tests/faults/libnomem.so makes one rank's megabyte-sized
# aligned allocations fail; scr's redundancy buffers are the only ones.
#
# Sets (8 ranks on 4 nodes): {0,2,4,6} and {1,3,5,7}, one rank per node.
. "$(dirname "$0")/../lib/harness.sh"

NOMEM=$BUILD/tests/faults/libnomem.so
# pieces of a megabyte: 4 MB per rank and checkpoint (the bytes are split
# among the files)
args=(--steps 12 --every 3 --files 2 --bytes 4000000)
reference 4 2 "${args[@]}"

clean() { rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"; }

for scheme in PARTNER XOR RS; do
	note "$scheme: rank 1 out of memory at every encode"
	clean
	# rank 1's big aligned allocations all fail
	PRELOAD=$NOMEM TEST_NOMEM_RANK=1 TEST_NOMEM_AFTER=0 SCR_COPY_TYPE=$scheme SCR_FLUSH=0 \
		expect_ok enc-$scheme 4 2 enc-$scheme -- "$APP" "${args[@]}"
	same_result reference enc-$scheme
	expect_in enc-$scheme "out of memory" "(the short rank says so)"
	expect_in enc-$scheme "is not protected by $scheme" "(the checkpoint is named unprotected)"
done

for scheme in PARTNER XOR; do
	note "$scheme: node1 lost, rank 0 out of memory in the middle of the rebuild"
	clean
	# checkpoint 6 reaches the prefix, 9 lives only in the caches
	SCR_COPY_TYPE=$scheme SCR_FLUSH=2 run 4 2 first-$scheme -- "$APP" "${args[@]}" --die-at 10 &&
		fail "the killed run exited 0"
	expect_in first-$scheme 'checkpoint at step 9'
	lose_node node1
	# rank 0 only sends to the decoders: its first buffer is granted, the
	# next one fails
	PRELOAD=$NOMEM TEST_NOMEM_RANK=0 TEST_NOMEM_AFTER=1 SCR_COPY_TYPE=$scheme SCR_FLUSH=2 \
		expect_ok re-$scheme 4 2 re-$scheme -- "$APP" "${args[@]}" --expect-restart 6
	expect_in re-$scheme "nomem: failing" "(the injector fired during the rebuild)"
	expect_in re-$scheme "out of memory" "(the short rank says so)"
	same_result reference re-$scheme
done
