# Damaged or hostile state in scr's own directories never hangs or crashes a
# job: a FIFO where a state file or a cached file belongs (an open would
# block for ever) is refused with a message naming it, and the run goes on
# with what is intact. A filemap that names another rank than its file
# name is refused the same way, and each damaged file is reported once.
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

note "a FIFO as the prefix index: said, and the run goes on"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
mkdir -p "$T/prefix/.scr"
plant_fifo "$T/prefix/.scr/index.scr"
SCR_FLUSH=1 expect_ok fifo_index 2 2 fifo_index -- "$APP" "${args[@]}"
expect_in fifo_index "index.scr'.*not a regular file"
same_result reference fifo_index
echo "hostile state ok"
