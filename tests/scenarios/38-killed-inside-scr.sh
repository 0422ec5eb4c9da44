# A rank killed in the middle of scr's own work, then the job restarted:
# nothing half-written is ever used, and the restart takes the newest
# checkpoint that is whole, with the answer of an uninterrupted run.
# tests/faults/libcrash.so kills one rank the moment it creates a given file:
# a data file of a flush to the prefix, a redundancy file of an encode, a
# file a rebuild or a fetch writes into the cache.
#
# 8 ranks on 4 nodes; XOR sets {0,2,4,6} and {1,3,5,7}; checkpoints at steps
# 3, 6, 9, 12 are datasets 1..4.
. "$(dirname "$0")/../lib/harness.sh"
CRASH=$BUILD/tests/faults/libcrash.so
args=(--steps 12 --every 3 --files 2 --bytes 400000)
reference 4 2 "${args[@]}"

clean() { rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"; }

# crashed NAME RANK PATH [APP-ARGS]: a run in which rank RANK dies as it
# creates a file whose path contains PATH
crashed() {
	local name=$1 rank=$2 path=$3; shift 3
	PRELOAD=$CRASH TEST_CRASH_RANK=$rank TEST_CRASH_PATH=$path \
		run 4 2 "$name" -- "$APP" "${args[@]}" "$@" && fail "$name: the run exited 0"
	expect_in "$name" "crash: killed while creating" "(the injector fired)"
}

# restarted NAME STEP: a run that must restart from STEP (0: fresh) and
# finish with the reference answer
restarted() {
	local name=$1 step=$2
	expect_ok "$name" 4 2 "$name" -- "$APP" "${args[@]}" --expect-restart "$step"
	same_result reference "$name"
}

note "killed in the middle of a flush: the prefix copy is never offered"
clean
SCR_FLUSH=2 crashed flush 1 prefix/ckpt.6/
"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/flush-index" 2>&1
expect_not_in flush-index 'ckpt\.6' "(a half-flushed checkpoint must not be indexed)"
# a new allocation has only the prefix: nothing whole there
SCR_JOB_ID=alloc2 SCR_FLUSH=2 restarted flush-newalloc 0
# the same allocation restarts from the cache
clean
SCR_FLUSH=2 crashed flush-again 1 prefix/ckpt.6/
SCR_FLUSH=2 restarted flush-cache 6

note "killed writing its XOR file: that checkpoint is not used, the one before survives a lost node"
clean
SCR_COPY_TYPE=XOR SCR_FLUSH=0 crashed encode 1 scr.dataset.3/.scr/red.1
lose_node node1
SCR_COPY_TYPE=XOR SCR_FLUSH=0 restarted encode-restart 6
expect_in encode-restart "rebuil"

note "killed in the middle of a rebuild: the next restart rebuilds again"
clean
SCR_COPY_TYPE=XOR SCR_FLUSH=0 run 4 2 rebuild-first -- "$APP" "${args[@]}" --die-at 10 &&
	fail "the killed run exited 0"
lose_node node1
# rank 2 (node1) has written its first rebuilt file and starts the second
SCR_COPY_TYPE=XOR SCR_FLUSH=0 crashed rebuild 2 ckpt.9/rank_2.1.dat
SCR_COPY_TYPE=XOR SCR_FLUSH=0 restarted rebuild-again 9

note "killed in the middle of a fetch: the next run fetches again"
clean
SCR_FLUSH=1 run 4 2 fetch-first -- "$APP" "${args[@]}" --die-at 10 && fail "the killed run exited 0"
export SCR_JOB_ID=alloc3
SCR_FLUSH=1 crashed fetch 5 ckpt.9/rank_5.1.dat
SCR_FLUSH=1 restarted fetch-again 9
