# Storage tiers: several CACHE descriptors (say a RAM disk and an SSD), CKPT
# descriptors choosing a store (STORE=), each store keeping its SIZE and
# its BYTES; restart and rebuild across stores; scr_inspect_cache sees
# every store; a store missing or too small on a node sends its
# checkpoints to the prefix directly, as a full cache does.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60
args=(--steps 12 --every 2 --bytes 150000)
reference 2 2 "${args[@]}"
export SCR_FLUSH=0 SCR_CONF_FILE=$T/tiers.conf

tiers() {   # extra lines: the configuration of the two tiers, plus lines
	{
		echo "CACHE=$T/tier1 SIZE=1"
		echo "CACHE=$T/tier2 SIZE=2"
		echo "CKPT=0 INTERVAL=1 STORE=$T/tier1"
		echo "CKPT=1 INTERVAL=2 STORE=$T/tier2 TYPE=XOR SET_SIZE=2"
		printf '%s\n' "$@"
	} >"$T/tiers.conf"
}
in_tier() {   # tier node id: dataset id's directory there
	echo "$T/$1/$ME/scr.$SCR_JOB_ID/$2/cache/scr.dataset.$3"
}
fresh() {
	rm -rf "$T/tier1" "$T/tier2" "$T/tier3" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	export SCR_JOB_ID=$1
}

note "odd checkpoints in tier1 (SIZE 1), even ones in tier2 (SIZE 2, XOR)"
tiers
fresh tiers
run 2 2 tiers -- "$APP" "${args[@]}" --die-at 12 && fail "the killed run exited 0"
expect_in tiers "checkpoint at step 12"
for node in node0 node1; do
	[ -d "$(in_tier tier1 $node 5)" ] || fail "dataset 5 is not in tier1 on $node"
	[ ! -e "$(in_tier tier1 $node 3)" ] || fail "tier1 keeps more than its SIZE 1 on $node"
	for id in 4 6; do
		[ -d "$(in_tier tier2 $node $id)" ] || fail "dataset $id is not in tier2 on $node"
	done
	[ ! -e "$(in_tier tier2 $node 2)" ] || fail "tier2 keeps more than its SIZE 2 on $node"
	[ -n "$(find "$(in_tier tier2 $node 6)/.scr" -name 'red.*' 2>/dev/null)" ] ||
		fail "dataset 6 in tier2 has no XOR data on $node"
done
[ ! -e "$T/cache" ] || fail "something went to SCR_CACHE_BASE, which the CACHE descriptors replace"
SCR_NODE_NAME=node0 "$BUILD/bin/scr_inspect_cache" >"$T/out/inspect" 2>&1 ||
	{ show inspect; fail "scr_inspect_cache failed"; }
for id in 4 5 6; do
	expect_in inspect "^D id=$id rank=0 .*data=ok"
done

note "restart from tier2 in the same allocation"
expect_ok tiers_again 2 2 tiers_again -- "$APP" "${args[@]}" --expect-restart 12
same_result reference tiers_again

note "node1 lost: XOR rebuilds dataset 6 in tier2 on the spare node"
fresh tiers_lost
run 2 2 lost1 -- "$APP" "${args[@]}" --die-at 12 && fail "the killed run exited 0"
rm -rf "$T/tier1/$ME/scr.$SCR_JOB_ID/node1" "$T/tier2/$ME/scr.$SCR_JOB_ID/node1" \
	"$T/cntl/$ME/scr.$SCR_JOB_ID/node1"
NODE_NAMES="node0 spare0" expect_ok lost2 2 2 lost2 -- "$APP" "${args[@]}" --expect-restart 12
expect_in lost2 "rebuilt the files of 2 lost rank\(s\) from XOR"
same_result reference lost2
[ -d "$(in_tier tier2 spare0 6)" ] || fail "the rebuilt dataset 6 is not in tier2 on the spare node"

note "tier1 with a byte limit below a checkpoint: its checkpoints go to the prefix"
tiers "CACHE=$T/tier1 BYTES=100KB"
fresh tiers_bytes
run 2 2 bytes -- "$APP" "${args[@]}" --die-at 12 && fail "the killed run exited 0"
expect_in bytes "the cache '$T/tier1/.*' has [0-9]+ bytes left under its byte limit and the newest checkpoint took [0-9]+: dataset [0-9]+ goes to the prefix directly"
[ -s "$T/prefix/ckpt.10/rank_0.0.dat" ] || fail "checkpoint 10 (tier1's) is not in the prefix"
expect_ok bytes_again 2 2 bytes_again -- "$APP" "${args[@]}" --expect-restart 12
same_result reference bytes_again

note "a store that cannot be made on the nodes: its checkpoints go to the prefix"
: >"$T/notadir"
tiers "CACHE=$T/notadir/tier3 SIZE=2" "CKPT=2 INTERVAL=3 STORE=$T/notadir/tier3"
fresh tiers_missing
run 2 2 missing -- "$APP" "${args[@]}" --die-at 12 && fail "the killed run exited 0"
expect_in missing "cache store '$T/notadir/tier3' is not usable on node 'node0' \(.*\): the checkpoints it takes go to the prefix directly"
[ -s "$T/prefix/ckpt.6/rank_3.0.dat" ] || fail "checkpoint 6 (dataset 3, the missing store's) is not in the prefix"
expect_ok missing_again 2 2 missing_again -- "$APP" "${args[@]}" --expect-restart 12
same_result reference missing_again

note "transparent mode: the stores, and a byte limit that sends files to their real paths"
tp_args=(--steps 6 --every 2 --bytes 100000 --pause-ms 1200)
APP=$APPS/posix_app reference 2 2 "${tp_args[@]}"
tiers "CACHE=$T/tier1 BYTES=150KB"
fresh tiers_tp
SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/' run_tp 2 2 tp -- "$APPS/posix_app" "${tp_args[@]}" ||
	{ show tp; fail "the transparent run failed"; }
same_result reference tp
expect_in tp "cannot keep '.*' in the cache \(the cache is nearly full\)"
# dataset 3 (tier1's) went to the real paths: the older cached ones were
# written back there and left the cache, as after any cache-full fallback
[ -s "$T/prefix/ckpt/ckpt.4/rank_0.dat" ] || fail "checkpoint 4 (tier2's) is not at its real path"

note "a CKPT descriptor naming no store is a configuration error"
tiers "CKPT=3 INTERVAL=5 STORE=$T/nowhere"
fresh tiers_bad
run 2 2 bad -- "$APP" "${args[@]}" || true
expect_in bad "STORE=$T/nowhere: no CACHE or STORE descriptor names that directory"
echo "storage tiers ok"
