# scr_halt on a SLURM cluster: a long transparent-mode job (posix_app under
# LD_PRELOAD with SCR_HALT_EXIT=1) under scr_run (mpirun in the
# allocation; scenario 92 covers scr_srun) is asked to stop
#   1. after its next checkpoint (scr_halt --checkpoints 1, while it runs),
#   2. when less than 100 s of its 2-minute allocation are left
#      (scr_halt --seconds 100 set beforehand; scr_run exports the
#      allocation's end from squeue as SCR_END_TIME).
# Each time the job stops cleanly right after a checkpoint: that checkpoint
# is flushed and indexed in the prefix, the application never reaches its
# last step, scr_run does not relaunch it and the batch job completes.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/cluster.sh"
APP=$APPS/posix_app
HALT=$BUILD/bin/scr_halt

cluster_up 4
unset SCR_CACHE_BASE SCR_CNTL_BASE SCR_JOB_ID SCR_NODE_NAME

submit() {   # name minutes: a 200-step job under scr_run
	cat >"$PFS/$1.sh" <<JOB
#!/bin/bash
export SCR_PREFIX=$SCR_PREFIX SCR_COPY_TYPE=XOR SCR_FLUSH=0 SCR_DEBUG=1 SCR_HALT_EXIT=1
export SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/' SCR_RUNS=3
$BUILD/bin/scr_run -np 8 --map-by ppr:2:node env LD_PRELOAD=$SHIM $APP --steps 200 --every 2 --files 1 \
	--bytes 50000 --pause-ms 1500
JOB
	timeout 20 sbatch --parsable -N4 --ntasks-per-node=2 --no-kill -t "$2" \
		-o "$PFS/$1.out" -D "$SCR_PREFIX" "$PFS/$1.sh" || fail "cannot submit $1"
}

check_halted() {   # name: stopped after a checkpoint, flushed, not relaunched
	local name=$1 step
	expect_in "$name" 'halting: '
	expect_not_in "$name" 'posix_app: result'
	expect_not_in "$name" 'run 2'
	expect_in "$name" 'stopping: halt condition'
	step=$(grep -o 'checkpoint at step [0-9]*' "$T/out/$name" | tail -1 | grep -o '[0-9]*$')
	[ -n "$step" ] || fail "$name: no checkpoint"
	"$SCR_INDEX" --list >"$T/out/$name-index" 2>&1
	expect_in "$name-index" "ckpt/ckpt\.$step\b"
	[ -s "$SCR_PREFIX/ckpt/ckpt.$step/rank_7.dat" ] ||
		fail "$name: the last checkpoint (step $step) is not in the prefix"
	echo "$name: halted after the checkpoint of step $step, flushed"
}

note "scr_halt --checkpoints 1 while the job runs"
job=$(submit ckpts 3)
for ((i = 0; i < 600; i++)); do
	grep -q 'dataset 1 protected' "$PFS/ckpts.out" 2>/dev/null && break
	sleep 0.2
done
grep -q 'dataset 1 protected' "$PFS/ckpts.out" ||
	{ timeout 5 scancel "$job"; cp "$PFS/ckpts.out" "$T/out/ckpts"; show ckpts; fail "no first checkpoint"; }
"$HALT" --checkpoints 1 >"$T/out/halt-set" 2>&1 || { show halt-set; fail "scr_halt --checkpoints failed"; }
state=$(wait_job "$job" 150)
cp "$PFS/ckpts.out" "$T/out/ckpts"
[ "$state" = COMPLETED ] || { show ckpts; fail "job ckpts: $state"; }
check_halted ckpts
expect_in ckpts 'checkpoints left reached 0'

note "scr_halt --seconds 100 in a 2-minute allocation"
"$HALT" --remove >/dev/null 2>&1
"$HALT" --seconds 100 >"$T/out/halt-seconds" 2>&1 || { show halt-seconds; fail "scr_halt --seconds failed"; }
job=$(submit seconds 2)
state=$(wait_job "$job" 150)
cp "$PFS/seconds.out" "$T/out/seconds"
[ "$state" = COMPLETED ] || { show seconds; fail "job seconds: $state"; }
check_halted seconds
expect_in seconds 'allocation ends at .* s left, within the 100 s'
echo "scr_halt stopped both jobs cleanly with their data flushed"
