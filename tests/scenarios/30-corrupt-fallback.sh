# A flipped byte or a missing file is detected at restart: the damaged
# dataset is never used, scr says so, and the run falls back to the next
# older intact one, in cache and in the prefix. The same holds for a
# flipped byte in a redundancy file that a rebuild needs.
. "$(dirname "$0")/../lib/harness.sh"

args=(--steps 10 --every 2 --bytes 100000)
reference 2 2 "${args[@]}"

note "flipped byte in the newest cached checkpoint: fall back to the older one in cache"
SCR_FLUSH=0 run 2 2 first -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
victim=$(cache_of node1)/scr.dataset.4/ckpt.8/rank_3.0.dat
[ -s "$victim" ] || fail "expected cached file '$victim'"
flip_byte "$victim" 5000
SCR_FLUSH=0 expect_ok second 2 2 second -- "$APP" "${args[@]}" --expect-restart 6
expect_in second "dataset 4 in cache is missing or corrupt on 1 of 4 ranks" "(named warning)"
expect_in second "corrupt \(size"
same_result reference second

note "deleted cached file: same fallback"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/*
SCR_FLUSH=0 run 2 2 third -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
rm "$(cache_of node0)/scr.dataset.4/ckpt.8/rank_0.0.dat"
SCR_FLUSH=0 expect_ok fourth 2 2 fourth -- "$APP" "${args[@]}" --expect-restart 6
expect_in fourth "is missing"
same_result reference fourth

note "flipped byte in a redundancy file, then a lost node: not used, older checkpoint rebuilt"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_COPY_TYPE=XOR SCR_FLUSH=0 run 2 2 red_first -- "$APP" "${args[@]}" --die-at 8 &&
	fail "the killed run exited 0"
red=$(cache_of node1)/scr.dataset.4/.scr/red.2
[ -s "$red" ] || fail "expected the XOR redundancy file '$red'"
flip_byte "$red" 50000
lose_node node0
SCR_COPY_TYPE=XOR SCR_FLUSH=0 NODE_NAMES="spare0 node1" expect_ok red_second 2 2 red_second -- \
	"$APP" "${args[@]}" --expect-restart 6
# the parity is not checked on its own: the file rebuilt from it is
expect_in red_second "rebuilt file '.*rank_0\.0\.dat' of rank 0 fails its CRC check"
expect_in red_second "dataset 4 in cache is missing or corrupt .* XOR cannot rebuild it: not used"
expect_in red_second "restarted from step 6"
same_result reference red_second
# a damaged header is refused before any use
rm -rf "$T/cache" "$T/cntl"
SCR_COPY_TYPE=XOR SCR_FLUSH=0 run 2 2 red_third -- "$APP" "${args[@]}" --die-at 8 &&
	fail "the killed run exited 0"
flip_byte "$red" 3
lose_node node0
SCR_COPY_TYPE=XOR SCR_FLUSH=0 NODE_NAMES="spare0 node1" expect_ok red_fourth 2 2 red_fourth -- \
	"$APP" "${args[@]}" --expect-restart 6
expect_in red_fourth "redundancy file '.*red\.2' is damaged or not scr's \(bad header or framing\): not used"
same_result reference red_fourth

note "flipped byte in the prefix copy: marked failed, older flushed one used"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=1 run 2 2 fifth -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc2
flip_byte "$T/prefix/ckpt.8/rank_2.0.dat" 100
# a run that restarts and stops at once, so that nothing supersedes dataset 4
SCR_FLUSH=1 expect_ok sixth 2 2 sixth -- "$APP" --steps 6 --every 2 --bytes 100000 --expect-restart 6
expect_in sixth "dataset 4 'ckpt.8' in the prefix is missing files or fails its CRC"
"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/index" 2>&1 || { show index; fail "scr_index failed"; }
grep -E '^ *4 +NO' "$T/out/index" >/dev/null || { show index; fail "scr_index does not show dataset 4 invalid"; }
# the next run does not try it again and finishes with the right answer
SCR_FLUSH=1 expect_ok sixth-b 2 2 sixth-b -- "$APP" "${args[@]}" --expect-restart 6
expect_not_in sixth-b "ckpt.8' in the prefix"
same_result reference sixth-b

note "application rejects the restart data: SCR offers the next older one"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=0 run 2 2 seventh -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
# damage the app's own header; with SCR_CRC_ON_RESTART=0 scr checks sizes
# only, so the application is the one to notice and say valid=0
f=$(cache_of node0)/scr.dataset.4/ckpt.8/rank_0.0.dat
printf 'XXXXXXXX' | dd of="$f" bs=1 seek=0 conv=notrunc status=none
SCR_CRC_ON_RESTART=0 SCR_FLUSH=0 expect_ok eighth 2 2 eighth -- "$APP" "${args[@]}" --expect-restart 6
expect_in eighth "reported invalid by the application"
same_result reference eighth
echo "corruption fallback ok"
