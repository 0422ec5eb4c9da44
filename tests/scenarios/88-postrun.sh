# scr_postrun after a job that died with its newest checkpoint only in the
# node caches (SCR_FLUSH=0): every node copies its part at once (pdsh,
# here with the exec module standing in for the simulated nodes), the lost
# node's files are rebuilt from the XOR data, a file corrupted in a cache
# is caught by its CRC and rebuilt too, and a new allocation restarts from
# the prefix with the answer of an uninterrupted run. Without redundancy a
# lost node means nothing is saved, said plainly; a second scr_postrun has
# nothing to do. (Scenario 92 does the same on a SLURM cluster.)
. "$(dirname "$0")/../lib/harness.sh"

args=(--steps 12 --every 3 --files 2 --bytes 300000)
export SCR_NODELIST='node[0-3]' SCR_REMOTE='env SCR_NODE_NAME=%h'
POSTRUN=$BUILD/bin/scr_postrun

fresh() {   # scheme: a clean prefix, and the first run killed at step 10
	rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
	SCR_COPY_TYPE=$1 SCR_FLUSH=0 run 4 2 first -- "$APP" "${args[@]}" --die-at 10 &&
		fail "the killed run exited 0"
	expect_in first 'checkpoint at step 9'
	[ -z "$(ls "$T"/prefix/ckpt.* 2>/dev/null)" ] || fail "files reached the prefix with SCR_FLUSH=0"
}

postrun() {   # out: scr_postrun, its status in $rc
	"$POSTRUN" >"$T/out/$1" 2>&1
	rc=$?
}

note "XOR: node1 lost"
reference 4 2 "${args[@]}"
fresh XOR
lose_node node1
SCR_LOG_ENABLE=1 postrun xor
[ $rc -eq 0 ] || { show xor; fail "scr_postrun failed"; }
# the event log hears of the save
grep -qE " event=flush job=alloc1 .* dataset=3 mode=postrun seconds=[0-9.]+$" "$T/prefix/.scr/log" ||
	fail "scr_postrun's save is not in the event log"
expect_in xor "dataset 3 'ckpt.9'"
expect_in xor 'ranks without cached files: 2-3'
expect_in xor 'MB copied, .* MB/s, nodes done 4/4'
expect_in xor 'ranks rebuilt: 2 \(2,3\)'
expect_in xor 'dataset 3 saved in'
SCR_JOB_ID=alloc2 run 4 2 restart -- "$APP" "${args[@]}" --expect-restart 9 ||
	{ show restart; fail "restart from the saved checkpoint failed"; }
same_result reference restart
postrun again
[ $rc -eq 0 ] || { show again; fail "a second scr_postrun failed"; }
expect_in again 'nothing to save'

note "XOR: nothing lost, every rank gathered intact, no rebuild"
fresh XOR
postrun whole
[ $rc -eq 0 ] || { show whole; fail "scr_postrun failed"; }
expect_in whole 'all 8 ranks intact'
expect_not_in whole 'rebuil'

note "XOR: a file corrupted in node2's cache is caught by its CRC and rebuilt"
fresh XOR
victim=$(ls "$(cache_of node2)"/scr.dataset.3/ckpt.9/rank_4.* | head -1)
flip_byte "$victim" 100
postrun corrupt
[ $rc -eq 0 ] || { show corrupt; fail "scr_postrun failed"; }
expect_in corrupt 'bad rank=4 .*CRC differs from the record'
expect_in corrupt 'ranks rebuilt: 1 \(4\)'
cmp -s "$T/prefix/ckpt.9/${victim##*/}" "$victim" && fail "the corrupt file was saved as it was"
SCR_JOB_ID=alloc3 run 4 2 restart3 -- "$APP" "${args[@]}" --expect-restart 9 ||
	{ show restart3; fail "restart after the corrupt file was rebuilt failed"; }
same_result reference restart3

note "XOR: node1 lost and a file of node2 corrupted: two losses in one set; the older checkpoint is saved"
fresh XOR
lose_node node1
flip_byte "$victim" 100
postrun older
[ $rc -eq 0 ] || { show older; fail "scr_postrun failed"; }
expect_in older 'dataset 3 could not be saved .*trying an older one'
expect_in older 'dataset 2 saved in'
SCR_JOB_ID=alloc4 run 4 2 restart4 -- "$APP" "${args[@]}" --expect-restart 6 ||
	{ show restart4; fail "restart from the older saved checkpoint failed"; }
same_result reference restart4

note "SINGLE: a lost node loses every cached checkpoint: said plainly, exit 1"
fresh SINGLE
lose_node node3
postrun single
[ $rc -eq 1 ] || { show single; fail "scr_postrun should fail when nothing can be saved"; }
expect_in single 'cannot rebuild'
expect_in single 'no cached checkpoint could be saved'
"$SCR_INDEX" --list >"$T/out/list" 2>&1
expect_not_in list 'ckpt\.'

# transparent mode: the job died with its newest checkpoint closed by the
# application but not completed (SCR_SETTLE_SECONDS far away); it is in the
# ranks' journals only, and scr_postrun saves it all the same
export SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
targs=(--steps 6 --every 2 --bytes 30000)
closed_run() {   # posix_app options: killed right after step 4 closed
	rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
	SCR_SETTLE_SECONDS=30 SCR_FLUSH=0 run_tp 4 2 tp-first -- "$APPS/posix_app" \
		"${targs[@]}" "$@" --die-at 4 && fail "the killed run exited 0"
	[ ! -e "$T/prefix/ckpt/ckpt.4/rank_0.dat" ] || fail "step 4 reached the prefix"
}

note "transparent: the newest checkpoint only closed when the job died is saved"
APP=$APPS/posix_app reference 4 2 "${targs[@]}"
closed_run
SCR_NODE_NAME=node1 "$BUILD/bin/scr_flush_file" --list >"$T/out/tp-list" 2>&1 ||
	{ show tp-list; fail "scr_flush_file --list failed"; }
expect_in tp-list "^ +1 +checkpoint +closed +no +2-3 +ckpt/ckpt.2$"
[ "$(SCR_NODE_NAME=node1 "$BUILD/bin/scr_flush_file" --latest)" = 1 ] ||
	fail "scr_flush_file --latest does not take the closed checkpoint"
postrun tp-save
[ $rc -eq 0 ] || { show tp-save; fail "scr_postrun failed"; }
# (steps 2 and 4 are one dataset: no step sealed another before it)
expect_in tp-save "'ckpt/ckpt.2': checkpoint, 8 ranks, .*closed by the application, not completed"
expect_in tp-save "dataset [0-9]+ saved in"
SCR_JOB_ID=alloc5 run_tp 4 2 tp-restart -- "$APPS/posix_app" "${targs[@]}" --expect-restart 4 ||
	{ show tp-save; show tp-restart; fail "restart from the saved closed checkpoint failed"; }
same_result reference tp-restart

note "transparent: a closed checkpoint rank 0 alone wrote is saved too"
APP=$APPS/posix_app reference 4 2 "${targs[@]}" --rank0-only
closed_run --rank0-only
postrun tp-save0
[ $rc -eq 0 ] || { show tp-save0; fail "scr_postrun failed"; }
expect_in tp-save0 "closed by the application, not completed"
SCR_JOB_ID=alloc6 run_tp 4 2 tp-restart0 -- "$APPS/posix_app" "${targs[@]}" --rank0-only \
	--expect-restart 4 || { show tp-save0; show tp-restart0; fail "restart failed"; }
same_result reference tp-restart0

note "transparent: a node lost with the closed checkpoint: nothing can be saved, said plainly"
APP=$APPS/posix_app reference 4 2 "${targs[@]}"
closed_run
lose_node node2
postrun tp-lost
[ $rc -eq 1 ] || { show tp-lost; fail "scr_postrun saved what SINGLE cannot rebuild"; }
expect_in tp-lost "'ckpt/ckpt.2' has lost ranks"
echo "all scr_postrun checks passed"
