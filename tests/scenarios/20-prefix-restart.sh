# A new allocation has empty caches: restart by fetching the newest flushed
# checkpoint from the prefix. Also: a restart with fewer ranks reads the
# prefix files in place; scr_index lists what the prefix holds.
. "$(dirname "$0")/../lib/harness.sh"

args=(--steps 12 --every 2 --files 2 --bytes 150000)
reference 4 2 "${args[@]}"

note "8 ranks on 4 nodes, flush every 2nd checkpoint, killed after step 10"
SCR_FLUSH=2 run 4 2 first -- "$APP" "${args[@]}" --die-at 10 && fail "the killed run exited 0"
# checkpoints 2,4,6,8,10 are datasets 1..5; 2 and 4 were flushed (steps 4 and 8)
[ -s "$T/prefix/ckpt.8/rank_7.1.dat" ] || fail "flushed checkpoint ckpt.8 missing from the prefix"
[ ! -e "$T/prefix/ckpt.10" ] || fail "ckpt.10 should be in cache only"
"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/index" 2>&1 || { show index; fail "scr_index --list failed"; }
expect_in index 'ckpt\.8'
expect_in index 'ckpt\.4'

note "new allocation: every cache wiped"
rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc2
SCR_FLUSH=2 expect_ok second 4 2 second -- "$APP" "${args[@]}" --expect-restart 8
same_result reference second
# the fetched dataset went through the cache
[ -d "$(cache_of node0)" ] || fail "no cache directory in the new allocation"

note "restart with fewer ranks than wrote it reads the prefix in place"
rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc3
SCR_DEBUG=1 run 2 1 fewer -- "$APP" "${args[@]}" --expect-restart 0 || true
# 2 ranks cannot read a checkpoint of 8 ranks' state, but scr must offer it
# (read in place) without failing: the app itself rejects it and starts fresh
expect_in fewer 'read in place'

note "scr_index --current picks an older dataset once; a newer flush ends that choice"
rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc4
"$SCR_INDEX" --prefix "$T/prefix" --current ckpt.4 >/dev/null || fail "scr_index --current failed"
SCR_FLUSH=1 expect_ok cur1 4 2 cur1 -- "$APP" "${args[@]}" --expect-restart 4
same_result reference cur1
rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc5
SCR_FLUSH=1 expect_ok cur2 4 2 cur2 -- "$APP" "${args[@]}" --expect-restart 12
echo "prefix restart ok"
