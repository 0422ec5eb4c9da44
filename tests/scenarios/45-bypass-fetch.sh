# SCR_CACHE_BYPASS writes straight to the prefix and restarts read the files
# in place; SCR_FETCH=0 leaves prefix datasets alone in a new allocation.
. "$(dirname "$0")/../lib/harness.sh"

args=(--steps 8 --every 2 --files 2 --bytes 50000)
reference 2 2 "${args[@]}"

note "bypass: files land in the prefix at completion, nothing in cache"
# a redundancy scheme has nothing in cache to protect: no warning about it
SCR_COPY_TYPE=XOR SCR_CACHE_BYPASS=1 run 2 2 first -- "$APP" "${args[@]}" --die-at 6 && fail "the killed run exited 0"
[ -s "$T/prefix/ckpt.6/rank_3.1.dat" ] || fail "bypass did not write ckpt.6 to the prefix"
[ -z "$(find "$T/cache" -type f 2>/dev/null)" ] || fail "bypass left files in cache"
expect_not_in first "not protected"
"$SCR_INDEX" --prefix "$T/prefix" >"$T/out/index" 2>&1
expect_in index 'ckpt\.6'

note "bypass restart reads the prefix copy in place"
SCR_DEBUG=1 SCR_CACHE_BYPASS=1 expect_ok second 2 2 second -- "$APP" "${args[@]}" --expect-restart 6
expect_in second "read in place"
same_result reference second

note "SCR_FETCH=0: a new allocation starts fresh although the prefix has checkpoints"
rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc2
SCR_FETCH=0 expect_ok third 2 2 third -- "$APP" "${args[@]}" --expect-restart 0
same_result reference third
note "and with SCR_FETCH=1 it restarts from the newest"
expect_ok fourth 2 2 fourth -- "$APP" "${args[@]}" --expect-restart 8
echo "bypass and fetch ok"
