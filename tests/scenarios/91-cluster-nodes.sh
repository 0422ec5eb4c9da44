# Node checks on the fake SLURM cluster (tests/cluster): inside a 5-node
# allocation scr_list_down_nodes lists nothing; a node SLURM sets down is
# listed with SLURM's reason; a node whose cache base is a read-only mount
# is listed with scr_check_node's reason, found through a pdsh + srun step
# on it; scr_prerun reports both and succeeds with enough usable nodes,
# fails with SCR_MIN_NODES above them; scr_srun launches on the usable nodes
# only (a node SLURM still counts as up but whose storage is bad is left
# out with srun --exclude); scr_env gives the job and its nodes.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/cluster.sh"

B=$BUILD/bin
# the library's defaults on the nodes: /dev/shm, each node's own; the job
# id is SLURM's
unset SCR_CACHE_BASE SCR_CNTL_BASE SCR_JOB_ID SCR_NODELIST SCR_REMOTE SCR_EXCLUDE_NODES
export SCR_PDSH_TIMEOUT=60 SCR_CACHE_BASE=/dev/shm/scr91
JOB_MINUTES=3
cluster_up 5

cmd() {   # name command...: output to $T/out/NAME, status in $rc
	local name=$1; shift
	timeout -k 5 150 "$@" >"$T/out/$name" 2>&1
	rc=$?
}

note "an allocation of 5 nodes that outlives a node going down (--no-kill)"
id=$(job_submit t91 -N5 --no-kill -- sleep 600)
for ((i = 0; i < 60; i++)); do
	state=$(timeout 5 squeue -h -j "$id" -o %T 2>/dev/null)
	[ "$state" = RUNNING ] && break
	sleep 0.5
done
[ "$state" = RUNNING ] || fail "job $id is not running: ${state:-gone}"
nodelist=$(timeout 5 squeue -h -j "$id" -o %N)
[ "$nodelist" = "n[1-5]" ] || fail "job $id has nodes '$nodelist', not n[1-5]"
# as inside the job
export SLURM_JOB_ID=$id SLURM_JOB_NODELIST=$nodelist

note "scr_env: the job and its nodes"
cmd env "$B/scr_env"
[ $rc -eq 0 ] || { show env; fail "scr_env failed"; }
expect_in env "^JOBID=$id\$"
expect_in env '^NODES=n\[1-5\]$'
expect_in env '^DOWN=$'
expect_in env "^PREFIX=$SCR_PREFIX\$"
end=$(sed -n 's/^ENDTIME=//p' "$T/out/env")
now=$(date +%s)
[ -n "$end" ] && [ "$end" -gt "$now" ] && [ "$end" -le $((now + 200)) ] ||
	{ show env; fail "ENDTIME '$end' is not within the 3-minute limit"; }
[ "$("$B/scr_env" --jobid --nodes)" = "$id
n[1-5]" ] || fail "scr_env --jobid --nodes"

note "all nodes healthy: nothing listed"
cmd healthy "$B/scr_list_down_nodes"
[ $rc -eq 0 ] || { show healthy; fail "scr_list_down_nodes failed"; }
[ "$(out healthy)" = "" ] || { show healthy; fail "nodes listed down on a healthy cluster"; }
cmd healthyr "$B/scr_list_down_nodes" --reason
[ ! -s "$T/out/healthyr" ] || { show healthyr; fail "reasons listed on a healthy cluster"; }
# the check ran on the nodes themselves and left nothing there
for n in n1 n5; do
	onnode "$n" test ! -e /dev/shm/scr91 || fail "the check left /dev/shm/scr91 on $n"
done

note "n3 dies and SLURM sets it down"
# killed first: a node set down whose slurmd still answers returns to
# service at once (ReturnToService=2)
node_kill n3
node_down n3 "t91 broken fan"
cmd down3 "$B/scr_list_down_nodes" --reason
[ $rc -eq 0 ] || { show down3; fail "scr_list_down_nodes failed"; }
[ "$(wc -l <"$T/out/down3")" = 1 ] || { show down3; fail "expected one node down"; }
expect_in down3 '^n3: SLURM state down.*: t91 broken fan$'
[ "$("$B/scr_list_down_nodes")" = n3 ] || fail "the hostlist is not n3"
got=$("$B/scr_env" --down 2>&1)
[ "$got" = n3 ] || fail "scr_env --down is not n3: $got"

note "n4's cache base is a read-only file system"
onnode n4 sh -c 'mkdir -p /dev/shm/scr91 && mount -t tmpfs -o ro,size=1m scr91 /dev/shm/scr91' ||
	fail "cannot mount a read-only tmpfs on n4"
cmd down34 "$B/scr_list_down_nodes" --reason
[ $rc -eq 0 ] || { show down34; fail "scr_list_down_nodes failed"; }
[ "$(wc -l <"$T/out/down34")" = 2 ] || { show down34; fail "expected two nodes down"; }
expect_in down34 '^n3: SLURM state down'
expect_in down34 "^n4: cannot create the job's cache directory '/dev/shm/scr91/$(id -un)/scr\\.$id/n4/cache': Read-only file system.*remount it read-write"
[ "$("$B/scr_list_down_nodes")" = 'n[3-4]' ] || fail "the hostlist is not n[3-4]"
# --skip-check goes by SLURM only
[ "$("$B/scr_list_down_nodes" --skip-check)" = n3 ] || fail "--skip-check"
# --free reaches the nodes' checks
cmd free "$B/scr_list_down_nodes" --reason --free 600MB
[ "$(grep -c 'needed (--free)' "$T/out/free")" = 3 ] || { show free; fail "--free 600MB: expected 3 nodes short of space (512m /dev/shm)"; }

note "scr_prerun: 3 usable nodes"
cmd prerun "$B/scr_prerun"
[ $rc -eq 0 ] || { show prerun; fail "scr_prerun failed with 3 usable nodes"; }
expect_in prerun '5 node\(s\) in the allocation: n\[1-5\]'
expect_in prerun 'usable: 3 node\(s\): n\[1-2,5\]'
expect_in prerun 'bad: 2 node\(s\): n\[3-4\]'
expect_in prerun 'n3: SLURM state down.*t91 broken fan'
expect_in prerun "n4: cannot create the job's cache directory .*Read-only file system"
[ -d "$SCR_PREFIX/.scr" ] || fail "scr_prerun did not create the prefix's .scr"
SCR_MIN_NODES=3 cmd prerun3 "$B/scr_prerun"
[ $rc -eq 0 ] || { show prerun3; fail "scr_prerun failed with SCR_MIN_NODES=3"; }
SCR_MIN_NODES=4 cmd prerun4 "$B/scr_prerun"
[ $rc -eq 1 ] || { show prerun4; fail "scr_prerun exited $rc with 3 usable nodes and SCR_MIN_NODES=4"; }
expect_in prerun4 'too few usable nodes: 3, 4 needed'

note "scr_srun launches on the usable nodes only"
SCR_RUNS=1 cmd srun "$B/scr_srun" --no-postrun --overlap -N3 -n3 hostname
[ $rc -eq 0 ] || { show srun; fail "scr_srun failed on the 3 usable nodes"; }
expect_in srun 'run 1, 3 healthy node\(s\): n\[1-2,5\] \(left out: n\[3-4\]\)'
[ "$(grep -x 'n[0-9]' "$T/out/srun" | sort | paste -sd, -)" = n1,n2,n5 ] ||
	{ show srun; fail "scr_srun's run was not on n1, n2 and n5"; }

note "n4 repaired: usable again; n3 back in service but no longer in the job"
onnode n4 umount /dev/shm/scr91 || fail "cannot unmount n4's read-only tmpfs"
node_resume n3
cmd back "$B/scr_list_down_nodes" --reason
[ $rc -eq 0 ] || { show back; fail "scr_list_down_nodes failed"; }
# SLURM took n3 out of the --no-kill job when it went down: no step runs there
[ "$(wc -l <"$T/out/back")" = 1 ] || { show back; fail "expected n3 alone"; }
expect_in back '^n3: scr_check_node did not run there: .*Unable to create step'

timeout 10 scancel "$id"
echo "cluster node checks ok"
