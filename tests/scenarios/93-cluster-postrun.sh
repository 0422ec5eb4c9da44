# scr_postrun on a SLURM cluster: a transparent-mode job (posix_app under
# LD_PRELOAD, XOR, SCR_FLUSH=0) launched by scr_run (mpirun on the healthy
# nodes of the allocation) is killed after its checkpoint of step 6, so that
# checkpoint only lives in the node caches (the application pauses after
# each checkpoint, long enough for the transparent mode to complete it). Then node n2 dies (slurmd and
# storage gone, marked down). scr_postrun, still in the allocation, asks
# the surviving nodes what they hold (pdsh over srun steps), copies their
# parts to the prefix at once with progress, rebuilds n2's ranks' files from
# the XOR parity and indexes the checkpoint. A new allocation, without n2,
# restarts from the prefix and finishes with the answer of an uninterrupted
# run.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/cluster.sh"
JOB_MINUTES=4
APP=$APPS/posix_app
args=(--steps 8 --every 2 --files 2 --bytes 200000)

reference 4 2 "${args[@]}"
cluster_up 5
unset SCR_CACHE_BASE SCR_CNTL_BASE SCR_JOB_ID SCR_NODE_NAME
common="export SCR_PREFIX=$SCR_PREFIX SCR_COPY_TYPE=XOR SCR_FLUSH=0 SCR_DEBUG=1
export SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/' SCR_WATCHDOG_TIMEOUT=60"

# allocation 1: the run dies after step 6; scr_postrun waits for the test
# to take n2 away
cat >"$PFS/job1.sh" <<JOB
#!/bin/bash
$common
$BUILD/bin/scr_run --no-postrun -np 8 --map-by ppr:2:node \\
	env LD_PRELOAD=$SHIM $APP ${args[*]} --pause-ms 2500 --die-at 6
echo "first run over"
for ((i = 0; i < 600; i++)); do [ -e "$PFS/n2-gone" ] && break; sleep 0.2; done
$BUILD/bin/scr_postrun
echo "scr_postrun exit status \$?"
JOB
job=$(timeout 20 sbatch --parsable -N4 -w 'n[1-4]' --ntasks-per-node=2 --no-kill \
	-t "$JOB_MINUTES" -o "$PFS/job1.out" -D "$SCR_PREFIX" "$PFS/job1.sh") ||
	fail "cannot submit job 1"
for ((i = 0; i < 600; i++)); do
	grep -q 'first run over' "$PFS/job1.out" 2>/dev/null && break
	sleep 0.2
done
cp "$PFS/job1.out" "$T/out/job1" 2>/dev/null
expect_in job1 'first run over'
expect_in job1 'checkpoint at step 6'
[ -z "$(find "$SCR_PREFIX/ckpt" -path '*ckpt.[0-9]*' -type f 2>/dev/null)" ] ||
	fail "checkpoint files reached the prefix with SCR_FLUSH=0"
note "n2 dies"
node_kill n2
node_down n2 "scr test: node lost"
touch "$PFS/n2-gone"
state=$(wait_job "$job" 120) || { cp "$PFS/job1.out" "$T/out/job1"; show job1; fail "job 1 did not end"; }
cp "$PFS/job1.out" "$T/out/job1"
expect_in job1 'down nodes, not read: n2'
expect_in job1 "dataset 3 'ckpt/ckpt.6'"
expect_in job1 'ranks without cached files: 2-3'
expect_in job1 'MB copied, .* MB/s, nodes done 3/3'
expect_in job1 'ranks rebuilt: 2 \(2,3\)'
expect_in job1 'scr_postrun exit status 0'
[ -s "$SCR_PREFIX/ckpt/ckpt.6/rank_2.0.dat" ] || fail "rank 2's rebuilt file is not at its real path"
"$SCR_INDEX" --list >"$T/out/index" 2>&1
expect_in index 'ckpt/ckpt.6'

note "allocation 2 restarts from the prefix"
cat >"$PFS/job2.sh" <<JOB
#!/bin/bash
$common
mpirun -np 8 --map-by ppr:2:node env LD_PRELOAD=$SHIM $APP ${args[*]} --expect-restart 6
JOB
job=$(timeout 20 sbatch --parsable -N4 --ntasks-per-node=2 -t "$JOB_MINUTES" \
	-o "$PFS/job2.out" -D "$SCR_PREFIX" "$PFS/job2.sh") || fail "cannot submit job 2"
state=$(wait_job "$job" 120)
cp "$PFS/job2.out" "$T/out/job2"
[ "$state" = COMPLETED ] || { show job2; fail "job 2: $state"; }
expect_in job2 "fetching dataset 3 'ckpt/ckpt.6'"
same_result reference job2
echo "scr_postrun saved the killed job's cached checkpoint and a new allocation restarted from it"
