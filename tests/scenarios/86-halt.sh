# Halt conditions end to end: scr_halt sets them in the prefix, the library
# checks them in SCR_Should_exit and after every checkpoint, flushes the
# checkpoint it halts at, records why, and with SCR_HALT_EXIT ends the run
# itself (an unmodified application under LD_PRELOAD included); the
# command's own options, exit codes and a damaged halt file.
. "$(dirname "$0")/../lib/harness.sh"

HALT=$BUILD/bin/scr_halt
HAPP=$BUILD/tests/mpi/halt_app
HFILE=$T/prefix/.scr/halt.scr
export SCR_FLUSH=100   # only a halt flushes before SCR_Finalize

fresh() {
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
}

# the exit reason recorded in the halt file ('' when none)
reason() { "$HALT" --list | sed -n 's/^  exit reason *//p'; }

expect_reason() {   # pattern
	local r
	r=$(reason)
	[[ $r =~ $1 ]] || { "$HALT" --list; fail "exit reason '$r' does not match /$1/"; }
}

# the index lists dataset NAME as complete (VALID YES)
expect_indexed() {
	"$SCR_INDEX" | grep -qE "^ *[0-9]+ YES .* $1\$" ||
		{ "$SCR_INDEX"; fail "$1 is not a complete dataset in the index"; }
}

hrun() {   # name expected-status command...: run it, check its exit status
	local name=$1 want=$2; shift 2
	"$@" >"$T/out/$name" 2>&1
	local rc=$?
	[ $rc -eq "$want" ] || { show "$name"; fail "$* exited $rc, expected $want"; }
}
hcmd() { local name=$1 want=$2; shift 2; hrun "$name" "$want" "$HALT" "$@"; }
# stand-ins for squeue and scancel, outside any SLURM job
mkdir -p "$T/fakebin"
fake() { env -u SLURM_JOB_ID -u SLURM_JOBID PATH="$T/fakebin:$PATH" "$@"; }

note "(a) --checkpoints 2: an API loop stops after exactly two checkpoints"
fresh
hcmd set-ckpt 0 --checkpoints 2
expect_in set-ckpt 'checkpoints left +2'
run 2 2 ckpt2 -- "$HAPP" --steps 10 || { show ckpt2; fail "halt_app failed"; }
expect_in ckpt2 'checkpoint at step 2'
expect_not_in ckpt2 'checkpoint at step 3'
expect_in ckpt2 'told to exit after step 2'
expect_in ckpt2 "halting: checkpoints left reached 0; checkpoint 'ckpt.2' is in the prefix"
expect_indexed ckpt.2
# only the halt flushed (SCR_FLUSH=100): step 1 stayed in cache
[ -f "$T/prefix/ckpt.2/rank_3.dat" ] || fail "ckpt.2 is not at its real path"
[ ! -e "$T/prefix/ckpt.1" ] || fail "ckpt.1 reached the prefix without a flush"
expect_reason '^checkpoints left reached 0$'
hcmd list-ckpt 0 --list
expect_in list-ckpt 'checkpoints left +0'
expect_in list-ckpt 'a halt condition holds now: checkpoints left reached 0'
# as long as the reason stands, a new run stops at its first check
run 2 2 again -- "$HAPP" --steps 10 || { show again; fail "halt_app failed"; }
expect_in again 'restarted from step 2'
expect_in again 'told to exit after step 3'
# removed: a new allocation restarts from the prefix and runs to the end
hcmd remove-ckpt 0 --remove
[ ! -e "$HFILE" ] || fail "--remove left the halt file"
rm -rf "$T/cache" "$T/cntl"
SCR_JOB_ID=alloc2 run 2 2 restart -- "$HAPP" --steps 5 --expect-restart 3 ||
	{ show restart; fail "restart after --remove failed"; }
expect_in restart 'done at step 5'
# it ended by itself: SCR_Finalize says so, and the next run clears it again
expect_reason '^SCR_Finalize called$'
hcmd check-final 0 --check
expect_in check-final '^SCR_Finalize called$'
SCR_JOB_ID=alloc2 run 2 2 rerun -- "$HAPP" --steps 7 --expect-restart 5 ||
	{ show rerun; fail "a run after one that finished failed"; }
expect_in rerun 'done at step 7'

note "(a) SCR_HALT_EXIT=1: the API program ends with status 0 right after the checkpoint"
fresh
hcmd set-exit 0 --checkpoints 1
SCR_HALT_EXIT=1 run 2 2 apiexit -- "$HAPP" --steps 10 || { show apiexit; fail "SCR_HALT_EXIT run exited non-zero"; }
# SCR_Complete_output of step 1 did not return: the library ended the run
expect_in apiexit "halting: checkpoints left reached 0; checkpoint 'ckpt.1' is in the prefix; exiting \(SCR_HALT_EXIT=1\)"
expect_not_in apiexit 'checkpoint at step|told to exit|done at step'
expect_indexed ckpt.1
[ -z "$(find "$T/cache" -path '*ckpt.2*')" ] || fail "the run went on past the halt"
expect_reason '^checkpoints left reached 0$'

note "(b) --after a past time: the first check stops the run"
fresh
hcmd set-after 0 --after "@$(( $(date +%s) - 60 ))"
expect_in set-after 'a halt condition holds now: exit after'
run 2 2 after -- "$HAPP" --steps 10 || { show after; fail "halt_app failed"; }
expect_in after 'told to exit after step 1$'
expect_indexed ckpt.1
expect_reason '^exit after .* reached$'

note "(b) --before soon with --seconds: stops once the margin is reached; far away: runs on"
fresh
hcmd set-before-far 0 --before +2h --seconds 10m
run 2 2 before-far -- "$HAPP" --steps 3 || { show before-far; fail "halt_app failed"; }
expect_in before-far 'done at step 3'
hcmd set-before 0 --before +12s --seconds 8
expect_in set-before 'halt seconds +8'
start=$(date +%s)
run 2 2 before -- "$HAPP" --steps 100 --sleep-ms 1000 || { show before; fail "halt_app failed"; }
expect_in before 'told to exit after step'
expect_not_in before 'done at step'
expect_reason '^exit before '
last=$(sed -n 's/.*told to exit after step //p' "$T/out/before")
expect_indexed "ckpt.$last"

note "(c) SCR_HALT_SECONDS with SCR_END_TIME: stops when the allocation is about to end"
fresh
SCR_HALT_SECONDS=10 SCR_END_TIME=$(( $(date +%s) + 7200 )) \
	run 2 2 end-far -- "$HAPP" --steps 3 || { show end-far; fail "halt_app failed"; }
expect_in end-far 'done at step 3'
SCR_HALT_SECONDS=15 SCR_END_TIME=$(( $(date +%s) + 30 )) \
	run 2 2 end-near -- "$HAPP" --steps 100 --sleep-ms 1000 || { show end-near; fail "halt_app failed"; }
expect_in end-near 'told to exit after step'
expect_in end-near 'halting: allocation ends at .*within the 15 s of SCR_HALT_SECONDS'
expect_reason '^allocation ends at '
last=$(sed -n 's/.*told to exit after step //p' "$T/out/end-near")
expect_indexed "ckpt.$last"
# a new run, a new allocation: how the last one ended does not stop it
SCR_JOB_ID=alloc3 run 2 2 after-end -- "$HAPP" --steps $((last + 2)) --expect-restart "$last" ||
	{ show after-end; fail "the run after an allocation ended failed"; }
expect_in after-end "done at step $((last + 2))"

note "(c) under SLURM without SCR_END_TIME the library asks squeue (once)"
fresh
cat >"$T/fakebin/squeue" <<EOF
#!/bin/sh
echo "\$*" >>"$T/squeue.calls"
date -d @$(( $(date +%s) + 30 )) +%Y-%m-%dT%H:%M:%S
EOF
chmod +x "$T/fakebin/squeue"
rm -f "$T/squeue.calls"
SCR_HALT_SECONDS=15 run 2 2 squeue -- env SLURM_JOB_ID=4242 PATH="$T/fakebin:$PATH" \
	"$HAPP" --steps 100 --sleep-ms 1000 || { show squeue; fail "halt_app failed"; }
expect_in squeue 'told to exit after step'
expect_reason '^allocation ends at '
[ "$(cat "$T/squeue.calls")" = "-h -j 4242 -o %e" ] ||
	fail "squeue was not asked exactly once: $(cat "$T/squeue.calls")"

note "(d) transparent mode: SCR_HALT_EXIT stops an unmodified program at its next checkpoint"
fresh
. "$TOP/tests/lib/transparent.sh"   # SCR_FLUSH=0: only the halt flushes
APP=$APPS/posix_app reference 2 2 --steps 2 --every 2 --bytes 30000
hcmd set-tp 0 --checkpoints 1
SCR_HALT_EXIT=1 run_tp 2 2 tp -- "$APPS/posix_app" "${common[@]}" --pause-ms 2300 ||
	{ show tp; fail "the halted transparent run exited non-zero"; }
expect_in tp 'checkpoint at step 2'
expect_not_in tp 'checkpoint at step 4'
expect_not_in tp 'result '
expect_in tp "halting: checkpoints left reached 0; checkpoint 'ckpt/ckpt.2' is in the prefix; the application is stopped when it starts its next checkpoint"
expect_indexed ckpt/ckpt.2
expect_reason '^checkpoints left reached 0$'
# the files are at their real paths and valid: the program reads them
# without scr and carries on to the answer of an uninterrupted run
rm -rf "$T/cache" "$T/cntl"
SCR_ENABLE=0 run 2 2 tp-plain -- "$APPS/posix_app" --steps 2 --every 2 --bytes 30000 \
	--expect-restart 2 || { show tp-plain; fail "the flushed checkpoint does not read back"; }
same_result reference tp-plain
APP=$APPS/posix_app reference 2 2 --steps 6 --every 2 --bytes 30000
hcmd remove-tp 0 --remove
SCR_JOB_ID=alloc2 run_tp 2 2 tp-restart -- "$APPS/posix_app" "${common[@]}" --pause-ms 2300 --expect-restart 2 ||
	{ show tp-restart; fail "restart of the transparent run failed"; }
same_result reference tp-restart
export SCR_FLUSH=100

note "(e) scr_halt: list, unset, check, remove and their exit codes"
fresh
hcmd none-list 0
expect_in none-list "no halt conditions in $HFILE"
hcmd none-check 1 --check
[ ! -s "$T/out/none-check" ] || { show none-check; fail "--check printed without a condition"; }
hcmd set-all 0 --checkpoints 5 --before "2099-01-01 10:00" --after 23:59 --seconds 1h
expect_in set-all 'checkpoints left +5'
expect_in set-all 'exit before +2099-01-01 10:00:00'
expect_in set-all 'halt seconds +3600'
expect_in set-all -- '--after 23:59 is (today|tomorrow)'
expect_in set-all 'no halt condition holds now'
hcmd check-none 1 --check
hcmd check-end-soon 0 --check --end-time $(( $(date +%s) + 60 ))
expect_in check-end-soon '^allocation ends at .*within the 3600 s of halt_seconds$'
hcmd set-reason 0 --reason "maintenance at noon"
hcmd check-reason 0 --check
[ "$(out check-reason)" = "maintenance at noon" ] || { show check-reason; fail "--check gave the wrong reason"; }
hcmd unset 0 --unset-reason --unset-before --unset-checkpoints
expect_not_in unset 'exit reason|exit before|checkpoints left'
expect_in unset 'exit after'
hcmd unset-rest 0 --unset-after --unset-seconds
expect_in unset-rest 'no halt conditions'
hcmd set-job 0 --set-job 7001
expect_in set-job 'job id +7001'
hcmd check-job 1 --check   # a job id is no condition
hcmd remove 0 --remove
expect_in remove 'removed every halt condition'
hcmd remove-again 0 --remove
expect_in remove-again 'no halt conditions to remove'

note "(e) bad input: the option and the accepted forms are named, exit 2"
for bad in "--before 25:00" "--after yesterday" "--before 2026-02-30T10:00" "--after +5x" \
	"--after @-3" "--checkpoints -1" "--checkpoints two" "--seconds 5y" "--reason ''"; do
	eval "\"$HALT\" $bad" >"$T/out/bad" 2>&1
	rc=$?
	[ $rc -eq 2 ] || { show bad; fail "scr_halt $bad exited $rc, expected 2"; }
	opt=${bad%% *}
	expect_in bad "scr_halt: $opt"
done
hcmd bad-time 2 --after 7pm
expect_in bad-time "--after: '7pm' is not a time; use HH:MM\[:SS\] \(today, or tomorrow when past\), YYYY-MM-DD\[ T\]HH:MM\[:SS\], @EPOCH or \+N\[smhd\]"
hcmd bad-mix 2 --check --checkpoints 3
hcmd bad-both 2 --checkpoints 3 --unset-checkpoints
hcmd bad-remove 2 --remove --reason x
hcmd bad-jobid 2 --jobid 5
hcmd bad-opt 2 --halt-now
[ ! -e "$HFILE" ] || fail "a rejected command wrote the halt file"

note "(e) --immediate: records the reason and runs scancel on the job"
cat >"$T/fakebin/scancel" <<EOF
#!/bin/sh
echo "\$*" >>"$T/scancel.calls"
[ "\$1" = 666 ] && exit 3
exit 0
EOF
chmod +x "$T/fakebin/scancel"
rm -f "$T/scancel.calls"
hrun imm-none 1 fake "$HALT" --immediate
expect_in imm-none 'no job to cancel: give --jobid ID'
[ ! -e "$T/scancel.calls" ] || fail "scancel ran without a job id"
hcmd imm-setjob 0 --set-job 5150
hrun imm-file 0 fake "$HALT" --immediate
expect_in imm-file 'cancelled job 5150 \(from the halt file\)'
expect_reason '^scr_halt --immediate$'
hrun imm-jobid 0 fake "$HALT" --immediate --jobid 77 --reason "node rack on fire"
expect_reason '^node rack on fire$'
# the job id the halt file records comes before SLURM_JOB_ID
hrun imm-env 0 fake env SLURM_JOB_ID=666 "$HALT" --immediate --reason stop
expect_in imm-env 'cancelled job 5150 \(from the halt file\)'
hcmd remove-imm 0 --remove
hrun imm-fail 1 fake env SLURM_JOB_ID=666 "$HALT" --immediate
expect_in imm-fail 'scancel 666 \(job id from SLURM_JOB_ID\) exited with status 3'
[ "$(tr '\n' ' ' <"$T/scancel.calls")" = "5150 77 5150 666 " ] ||
	fail "scancel calls: $(cat "$T/scancel.calls")"

note "(e) --set-job: a new job clears how the last run ended, not a user's reason"
fresh
run 2 2 finished -- "$HAPP" --steps 2 || { show finished; fail "halt_app failed"; }
expect_reason '^SCR_Finalize called$'
hcmd newjob 0 --set-job 8080
expect_in newjob "cleared the exit reason of an earlier run \('SCR_Finalize called'\)"
hcmd newjob-check 1 --check
hcmd user-reason 0 --reason "stop for good"
hcmd newjob2 0 --set-job 8081
expect_reason '^stop for good$'

note "(e) a damaged halt file: a clear error in scr_halt and the library; the job runs"
fresh
hcmd set-dmg 0 --checkpoints 1
flip_byte "$HFILE" 22
hcmd dmg-list 1 --list
expect_in dmg-list "halt file '$HFILE' is unusable \(checksum mismatch\): remove it with 'scr_halt --remove'"
hcmd dmg-check 1 --check
expect_in dmg-check "halt file '$HFILE' is unusable"
hcmd dmg-set 1 --checkpoints 4
expect_in dmg-set "scr_halt --remove"
run 2 2 dmg-run -- "$HAPP" --steps 3 || { show dmg-run; fail "the job failed with a damaged halt file"; }
expect_in dmg-run "halt file '$HFILE' is unusable .*halt conditions are ignored until then"
[ "$(grep -c 'is unusable' "$T/out/dmg-run")" -eq 1 ] || { show dmg-run; fail "the error was not said once"; }
expect_in dmg-run 'done at step 3'
rm -rf "$T/cache" "$T/cntl"
SCR_JOB_ID=alloc2 run 2 2 dmg-restart -- "$HAPP" --steps 4 --expect-restart 3 ||
	{ show dmg-restart; fail "restart with a damaged halt file failed"; }
hcmd dmg-remove 0 --remove
hcmd dmg-after 0 --list
expect_in dmg-after 'no halt conditions'
# transparent mode too
export SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
printf 'not a halt file\n' >"$HFILE"
SCR_HALT_EXIT=1 run_tp 2 2 dmg-tp -- "$APPS/posix_app" --steps 4 --every 2 --bytes 3000 ||
	{ show dmg-tp; fail "the transparent job failed with a damaged halt file"; }
expect_in dmg-tp "halt file '$HFILE' is unusable \(malformed state file\)"
expect_in dmg-tp 'result '
echo "halt conditions ok"
