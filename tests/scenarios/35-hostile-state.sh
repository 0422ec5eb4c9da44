# Damaged or hostile state in scr's own directories never hangs or crashes a
# job: a FIFO where a state file or a cached file belongs (an open would
# block for ever) is refused with a message naming it, and the run goes on
# with what is intact. A filemap that names another rank than its file
# name, or a truncated one, is refused the same way, and each damaged file
# is reported once; a filemap resealed (valid CRC) with a wrong file size
# gets that file refused. A
# damaged prefix index (a flipped byte; an id out of range in an index
# resealed with a valid CRC) is rebuilt from the dataset summaries: the
# restart finds the newest flushed checkpoint and no id is used twice. A
# second job of the same user and job id on the same nodes steps aside.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=40
args=(--steps 10 --every 2 --bytes 100000)
reference 2 2 "${args[@]}"

plant_fifo() {   # path: a FIFO instead of the file
	rm -f "$1" && mkfifo "$1" || fail "cannot make a FIFO at '$1'"
}

note "a FIFO as a cached file of the newest checkpoint: fall back to the older one"
SCR_FLUSH=0 run 2 2 fifo_data_first -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
plant_fifo "$(cache_of node1)/scr.dataset.4/ckpt.8/rank_3.0.dat"
SCR_FLUSH=0 expect_ok fifo_data 2 2 fifo_data -- "$APP" "${args[@]}" --expect-restart 6
expect_in fifo_data "dataset 4 in cache is missing or corrupt on 1 of 4 ranks"
same_result reference fifo_data

note "a FIFO as a rank's filemap: that rank's cache is ignored, named"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=2 run 2 2 fifo_fm_first -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
plant_fifo "$(cntl_of node0)/filemap_1.scr"
SCR_FLUSH=0 expect_ok fifo_fm 2 2 fifo_fm -- "$APP" "${args[@]}" --expect-restart 8
expect_in fifo_fm "filemap_1.scr': not a regular file"
[ "$(grep -c "ignoring filemap" "$T/out/fifo_fm")" -eq 1 ] ||
	{ show fifo_fm; fail "the FIFO filemap is not reported exactly once"; }
same_result reference fifo_fm

note "a rank's filemap replaced by another rank's: refused, named, once"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=2 run 2 2 swapped_first -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
cp "$(cntl_of node0)/filemap_0.scr" "$(cntl_of node0)/filemap_1.scr"
SCR_FLUSH=0 expect_ok swapped 2 2 swapped -- "$APP" "${args[@]}" --expect-restart 8
expect_in swapped "filemap_1.scr': it names rank 0"
[ "$(grep -c "ignoring filemap" "$T/out/swapped")" -eq 1 ] ||
	{ show swapped; fail "the damaged filemap is not reported exactly once"; }
same_result reference swapped

note "a truncated filemap: that rank's cache is ignored, the prefix copy used"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=2 run 2 2 cut_first -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
fm=$(cntl_of node0)/filemap_1.scr
head -c 150 "$fm" >"$fm.cut" && mv "$fm.cut" "$fm"
SCR_FLUSH=0 expect_ok cut 2 2 cut -- "$APP" "${args[@]}" --expect-restart 8
expect_in cut "ignoring filemap '.*filemap_1.scr': truncated state file"
same_result reference cut

note "a filemap resealed with a wrong file size: the file is refused, not read"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=2 run 2 2 resealed_first -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
sed -i -E '/path=ckpt\.8/s/ size=([0-9]+)/ size=1\1/' "$fm"
reseal "$fm"
SCR_FLUSH=0 expect_ok resealed 2 2 resealed -- "$APP" "${args[@]}" --expect-restart 8
expect_in resealed "rank_1\.0\.dat' is corrupt \(size [0-9]+, expected 1[0-9]+"
expect_in resealed "dataset 4 in cache is missing or corrupt on 1 of 4 ranks"
same_result reference resealed

note "a FIFO as the prefix index: said, and the run goes on"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
mkdir -p "$T/prefix/.scr"
plant_fifo "$T/prefix/.scr/index.scr"
SCR_FLUSH=1 expect_ok fifo_index 2 2 fifo_index -- "$APP" "${args[@]}"
expect_in fifo_index "index.scr'.*not a regular file"
same_result reference fifo_index

# a job that flushed checkpoints 4 and 8 (datasets 2 and 4) to the prefix
flushed_job() {
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	SCR_FLUSH=2 run 2 2 "$1" -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
	rm -rf "$T/cache" "$T/cntl"
	grep -q "name=ckpt.8" "$T/prefix/.scr/index.scr" || fail "checkpoint 8 is not in the index"
}
# the older datasets' summaries are still theirs: no id was reused
summaries_kept() {
	grep -q "name=ckpt.4 " "$T/prefix/.scr/scr.dataset.2/summary.scr" &&
		grep -q "name=ckpt.8 " "$T/prefix/.scr/scr.dataset.4/summary.scr" ||
		fail "$1: a summary of an older dataset was overwritten"
}
index="$T/prefix/.scr/index.scr"

note "one damaged byte in the prefix index: rebuilt from the summaries, nothing lost"
flushed_job index_first
flip_byte "$index" 60
SCR_FLUSH=1 expect_ok index_flip 2 2 index_flip -- "$APP" "${args[@]}" --expect-restart 8
expect_in index_flip "index '.*' is damaged .*rebuilt from the summaries of 2 dataset"
same_result reference index_flip
summaries_kept index_flip
[ -f "$index.corrupt" ] || fail "the damaged index was not kept aside"
"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/index_list" 2>&1 || { show index_list; fail "scr_index --list failed"; }
grep -qE '^ *2 .*ckpt\.4' "$T/out/index_list" || { show index_list; fail "dataset 2 left the index"; }

note "an id out of range in a resealed index: refused, rebuilt, checkpoints go on"
flushed_job index_big_first
sed -i 's/^entry id=4 /entry id=2147483647 /' "$index"
reseal "$index"
SCR_FLUSH=1 expect_ok index_big 2 2 index_big -- "$APP" "${args[@]}" --expect-restart 8
expect_in index_big "index '.*' is damaged \(malformed state file\)"
expect_not_in index_big "out of memory"
same_result reference index_big
summaries_kept index_big
note "scr_index --rebuild-index after damage"
flushed_job index_cmd_first
flip_byte "$index" 60
"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/index_damaged" 2>&1 &&
	fail "scr_index --list accepted a damaged index"
grep -q "rebuild-index" "$T/out/index_damaged" || { show index_damaged; fail "no hint to --rebuild-index"; }
"$SCR_INDEX" --prefix "$T/prefix" --rebuild-index >"$T/out/index_rebuild" 2>&1 ||
	{ show index_rebuild; fail "scr_index --rebuild-index failed"; }
grep -q "from the summaries of 2 dataset" "$T/out/index_rebuild" || { show index_rebuild; fail "rebuild says nothing"; }
"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/index_rebuilt" 2>&1 || { show index_rebuilt; fail "rebuilt index unreadable"; }
grep -qE '^ *4 .*ckpt\.8' "$T/out/index_rebuilt" || { show index_rebuilt; fail "dataset 4 not in the rebuilt index"; }
note "two jobs of one user on the same nodes under one job id: the second steps aside"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr" "$T/prefix2"
mkdir -p "$T/prefix2"
slow=(--steps 6 --every 2 --bytes 100000)
APP=$APPS/posix_app reference 2 2 "${slow[@]}"
cp "$T/out/reference" "$T/out/posix_reference"
reference 2 2 "${args[@]}"
SCR_SETTLE_SECONDS=1 run_tp 2 2 first_job -- "$APPS/posix_app" "${slow[@]}" --pause-ms 1500 \
	--die-at 6 &
job=$!
for ((i = 0; i < 300; i++)); do
	grep -q "checkpoint at step 2" "$T/out/first_job" 2>/dev/null && break
	sleep 0.1
done
(cd "$T/prefix2" && SCR_PREFIX=$T/prefix2 run 2 2 second_job -- "$APP" "${args[@]}") ||
	{ show second_job; fail "the second job failed"; }
expect_in second_job "another job \(process [0-9]+ on this node\) is using scr's control directory"
same_result reference second_job
[ -s "$T/prefix2/ckpt.10/rank_0.0.dat" ] || fail "the second job's files are not where it wrote them"
wait $job && fail "the first job was not killed"
run_tp 2 2 first_again -- "$APPS/posix_app" "${slow[@]}" --expect-restart 6 ||
	{ show first_again; fail "the first job lost its checkpoint to the second"; }
same_result posix_reference first_again
echo "hostile state ok"
