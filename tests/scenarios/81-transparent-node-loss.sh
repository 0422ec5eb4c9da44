# Transparent mode under node failure: an unmodified application
# (posix_app, three files per rank) runs under LD_PRELOAD with XOR on 4 nodes.
# Mid-run, once the checkpoint of step 4 is complete, node1 "fails": its
# processes are killed and its cache and control directories wiped, which
# takes the whole job down. The restart puts a spare node in its place; scr
# rebuilds node1's files from the XOR parity and the application finishes
# with the answer of a run without scr. The same with PARTNER, with the
# ranks in a new node order.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=90
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
args=(--steps 8 --every 2 --files 3 --bytes 50000)
APP=$APPS/posix_app

# pids_on NODE: the processes of this test that run on NODE (by their
# SCR_NODE_NAME and SCR_CACHE_BASE), in pids=()
pids_on() {
	local on p
	on=$(grep -lzx "SCR_NODE_NAME=$1" /proc/[0-9]*/environ 2>/dev/null)
	pids=()
	[ -n "$on" ] || return 0
	for p in $(grep -lzx "SCR_CACHE_BASE=$SCR_CACHE_BASE" $on 2>/dev/null); do
		p=${p#/proc/}
		pids+=(${p%/environ})
	done
}

wait_for() {   # pattern: until the first run's output has it (30 s at most)
	for ((i = 0; i < 600; i++)); do
		grep -q "$1" "$T/out/first" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

reference 4 2 "${args[@]}"

for scheme in XOR PARTNER; do
	note "$scheme: node1 fails mid-run"
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	# a long pause after each checkpoint: the kill lands after checkpoint 4
	# is protected and before checkpoint 6 begins, however loaded the machine
	SCR_COPY_TYPE=$scheme SCR_DEBUG=1 run_tp 4 2 first -- "$APP" "${args[@]}" --pause-ms 3000 &
	job=$!
	# node1's ranks, found while the run is at its first checkpoint
	wait_for "dataset 1 protected by $scheme" && pids_on node1
	[ ${#pids[@]} -eq 2 ] || { kill $job; wait $job; show first; fail "$scheme: node1's ranks not found"; }
	wait_for "dataset 2 protected by $scheme" ||
		{ kill $job; wait $job; show first; fail "$scheme: checkpoint 4 never completed"; }
	kill -9 "${pids[@]}"
	lose_node node1
	wait $job && fail "$scheme: the job survived the loss of a node"
	expect_not_in first "checkpoint at step 6" "(node1 was lost too late)"
	[ -d "$(cache_of node1)" ] && [ -n "$(find "$(cache_of node1)" -type f -path '*ckpt.4*')" ] &&
		fail "$scheme: node1's cache still holds checkpoint 4"

	names="node0 spare1 node2 node3"
	[ $scheme = PARTNER ] && names="node2 node3 spare1 node0"
	NODE_NAMES=$names SCR_COPY_TYPE=$scheme SCR_DEBUG=1 \
		run_tp 4 2 second -- "$APP" "${args[@]}" ||
		{ show second; fail "$scheme: restart failed"; }
	expect_in second "rebuilt the files of 2 lost rank\(s\) from $scheme" "($scheme)"
	expect_in second "restarted from step [4-8]" "($scheme: restart from the cache)"
	same_result reference second
done
echo "transparent node loss ok"
