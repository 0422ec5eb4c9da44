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

# kill every process of the test that runs on node (by its SCR_NODE_NAME)
kill_node() {
	local node=$1 p
	for p in /proc/[0-9]*; do
		tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "SCR_NODE_NAME=$node" || continue
		tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "SCR_CACHE_BASE=$SCR_CACHE_BASE" || continue
		kill -9 "${p#/proc/}" 2>/dev/null
	done
}

reference 4 2 "${args[@]}"

for scheme in XOR PARTNER; do
	note "$scheme: node1 fails mid-run"
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	SCR_COPY_TYPE=$scheme SCR_DEBUG=1 run_tp 4 2 first -- "$APP" "${args[@]}" --pause-ms 1500 &
	job=$!
	# wait until checkpoint 4 is complete (protected) on every rank
	for ((i = 0; i < 300; i++)); do
		grep -q "dataset 2 protected by $scheme" "$T/out/first" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "dataset 2 protected by $scheme" "$T/out/first" ||
		{ kill_node node0; wait $job; show first; fail "$scheme: checkpoint 4 never completed"; }
	lose_node node1
	kill_node node1
	wait $job && fail "$scheme: the job survived the loss of a node"
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
