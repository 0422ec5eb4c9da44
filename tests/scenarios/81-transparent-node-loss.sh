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
echo "transparent node loss (protected) ok"

note "XOR: killed before its newest checkpoint was protected, then node1 lost"
# The marker is inside the pattern, so it belongs to the checkpoint it names.
# Checkpoint 4 is closed (journaled) but not yet protected when the job dies;
# with node1's part gone it cannot be whole: scr says so and the restart
# takes checkpoint 2, rebuilt from XOR, marker included.
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
export SCR_CHECKPOINT_PATTERN='ckpt/(latest$|ckpt\.[0-9]+/)'
short=(--steps 8 --every 2 --bytes 50000)
rm -f "$T/out/first"
SCR_COPY_TYPE=XOR run_tp 4 2 first -- "$APP" "${short[@]}" --pause-ms 2500 &
job=$!
# checkpoint 2 is completed in the pause after it; checkpoint 4 is killed
# the moment it is reported, long before its agreement
wait_for "checkpoint at step 2" && pids_on node1
[ ${#pids[@]} -eq 2 ] || { kill $job; wait $job; show first; fail "node1's ranks not found"; }
others=("${pids[@]}")
for n in node0 node2 node3; do pids_on $n; others+=("${pids[@]}"); done
wait_for "checkpoint at step 4" || { kill $job; wait $job; show first; fail "no checkpoint 4"; }
kill -9 "${others[@]}"
wait $job && fail "the killed run exited 0"
expect_not_in first "dataset 3 .*complete" "(checkpoint 4 was completed before the kill)"
lose_node node1
NODE_NAMES="node0 spare1 node2 node3" SCR_COPY_TYPE=XOR SCR_DEBUG=1 \
	run_tp 4 2 after-loss -- "$APP" "${short[@]}" ||
	{ show after-loss; fail "restart after losing an unprotected checkpoint failed"; }
expect_in after-loss "rebuilt the files of 2 lost rank\(s\) from XOR"
expect_in after-loss "checkpoint 'ckpt/ckpt.4' \(dataset [0-9]+\) was closed by the application but not protected"
expect_in after-loss "'ckpt/ckpt.4/rank_0.dat' of unfinished checkpoint 'ckpt/ckpt.4' is not restored"
expect_in after-loss "restarted from step 2"
same_result reference after-loss
echo "transparent node loss, unprotected checkpoint ok"
