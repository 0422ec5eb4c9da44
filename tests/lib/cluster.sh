# Shared by the cluster scenarios, sourced after harness.sh: a fake SLURM
# cluster of nodes n1..nN on this host (tests/cluster/start.sh), jobs on it
# and node failures.
#
# On a fake node a process has hostname nX and the node's own /dev/shm; /tmp
# and the rest of the file system are shared, like a parallel file system.
# The harness's $T lies in the host's /dev/shm, which no node sees: cluster_up
# makes a shared directory $PFS on disk (removed at exit) for the prefix
# (SCR_PREFIX=$PFS/prefix, the working directory) and the jobs' output, and
# drops the harness's SCR_CACHE_BASE, SCR_CNTL_BASE and SCR_JOB_ID.
# Bound every SLURM and MPI command (timeout, sbatch -t): a step or mpirun
# that involves a dead node can hang.
CLUSTER=$TOP/tests/cluster
export SCR_CLUSTER_DIR=${SCR_CLUSTER_DIR:-/tmp/scr-cluster}
JOB_MINUTES=${JOB_MINUTES:-2}   # time limit of jobs (sbatch -t)
PFS=

# cluster_up [NNODES]: start the cluster (default 5 nodes), or reuse the one
# already up with that many nodes, with no jobs and empty /dev/shm. Stops it
# at exit (set CLUSTER_KEEP=1 to keep it), after which the harness's own
# exit trap runs. Sources env.sh: PATH with onnode, Open MPI settings.
# There is one cluster per host (/etc/slurm, ports): a lock, held until the
# scenario exits, makes a second test run wait for it (CLUSTER_LOCK_WAIT s).
cluster_up() {
	local n=${1:-5} prev=() node
	if [ -z "$PFS" ]; then
		exec {CLUSTER_LOCK}>>/tmp/scr-cluster.lock
		flock -w "${CLUSTER_LOCK_WAIT:-200}" "$CLUSTER_LOCK" ||
			fail "the cluster is busy: another test holds /tmp/scr-cluster.lock"
		eval "prev=($(trap -p EXIT))"   # (trap -- 'command' EXIT)
		trap "cluster_down${prev[2]:+; ${prev[2]}}" EXIT
		PFS=$(mktemp -d /tmp/scr-pfs.XXXXXX)
		mkdir -p "$PFS/prefix"
	fi
	# a cluster that is up may still run jobs of an earlier test
	[ -s "$SCR_CLUSTER_DIR/env.sh" ] && scontrol ping 2>/dev/null | grep -q UP &&
		timeout 5 scancel -u "$(id -un)" 2>/dev/null
	NNODES=$n timeout -k 5 90 "$CLUSTER/start.sh" >"$T/out/cluster-start" 2>&1 {CLUSTER_LOCK}>&- ||
		{ show cluster-start; fail "cannot start the cluster"; }
	. "$SCR_CLUSTER_DIR/env.sh"
	# The harness's prefix, cache and control bases lie in the host's
	# /dev/shm, out of the nodes' sight, and its job id is not SLURM's: the
	# prefix moves to $PFS, the library's defaults apply for the others
	# (each node's own /dev/shm, SLURM_JOB_ID). Values a scenario set itself
	# are kept.
	[ "${SCR_PREFIX:-}" != "$T/prefix" ] || export SCR_PREFIX=$PFS/prefix
	[ "${SCR_CACHE_BASE:-}" != "$T/cache" ] || unset SCR_CACHE_BASE
	[ "${SCR_CNTL_BASE:-}" != "$T/cntl" ] || unset SCR_CNTL_BASE
	[ "${SCR_JOB_ID:-}" != alloc1 ] || unset SCR_JOB_ID
	for ((node = 1; node <= n; node++)); do node_wipe "n$node"; done
	cd "$PFS/prefix"
}

# The exit trap: stop the cluster, remove $PFS (KEEP=1 keeps it too).
cluster_down() {
	[ -n "${CLUSTER_KEEP:-}" ] ||
		"$CLUSTER/stop.sh" >"$T/out/cluster-stop" 2>&1
	[ -n "${KEEP:-}" ] || [ -z "$PFS" ] || { cd /; rm -rf "$PFS"; }
}

# node_wipe NODE: the node's storage is gone (everything in its /dev/shm).
# Refuses unless it runs inside the node, never on the host's /dev/shm.
node_wipe() {
	onnode "$1" sh -c '[ "$(hostname)" = "$1" ] &&
		[ "$(stat -c %d /dev/shm)" != "$2" ] &&
		find /dev/shm -mindepth 1 -delete' sh "$1" "$(stat -c %d /dev/shm)" ||
		fail "cannot wipe /dev/shm of node $1"
}

# node_kill NODE: the node dies: its slurmd and every process in its
# namespaces (job steps, ranks) get SIGKILL; its /dev/shm goes with them.
# SLURM notices after about 30 s (SlurmdTimeout=10); node_down is immediate.
node_kill() {
	local pid ns p left i
	pid=$(cat "$SCR_CLUSTER_DIR/run/slurmd-$1.pid" 2>/dev/null)
	ns=$(readlink "/proc/${pid:-none}/ns/uts" 2>/dev/null)
	[ -n "$ns" ] && [ "$ns" != "$(readlink /proc/self/ns/uts)" ] ||
		fail "node_kill: node $1 is not up"
	kill -KILL "$pid"
	for ((i = 0; i < 20; i++)); do   # steps may fork while we kill
		left=
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/ns/uts" 2>/dev/null)" = "$ns" ] && left+=" ${p#/proc/}"
		done
		[ -z "$left" ] && return 0
		kill -KILL $left 2>/dev/null
		sleep 0.1
	done
	fail "node_kill: processes of $1 survive:$left"
}

# node_down NODE [REASON]: SLURM takes the node out at once: jobs without
# --no-kill on it are killed, the others lose it (srun -x NODE still runs).
# It stays down (sinfo: down) until node_resume, even with a live slurmd.
node_down() {
	timeout 10 scontrol update nodename="$1" state=down reason="${2:-test}" ||
		fail "cannot set node $1 down"
}

# node_resume NODE: the node is back (a killed one with a fresh, empty
# /dev/shm) and idle.
node_resume() {
	timeout 5 scontrol update nodename="$1" state=resume 2>/dev/null
	timeout -k 5 60 "$CLUSTER/start.sh" "$1" >"$T/out/resume-$1" 2>&1 {CLUSTER_LOCK}>&- ||
		{ show "resume-$1"; fail "cannot resume node $1"; }
}

# nodes_in STATE: the nodes in that state (sinfo -t: idle, down, alloc...)
nodes_in() { timeout 10 sinfo -h -N -t "$1" -o %N | sort -u | paste -sd' ' -; }

# job_submit NAME [SBATCH OPTION...] -- COMMAND...: a batch job that runs
# the shell command line COMMAND (sbatch --wrap: sh, on the job's first node,
# in the current directory; it may run srun or mpirun) within JOB_MINUTES,
# output in $PFS/NAME.out (job_out NAME). Prints the job id.
job_submit() {
	local name=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ $# -gt 1 ] || fail "job_submit $name: no command after --"
	shift
	timeout 20 sbatch --parsable -J "$name" -t "$JOB_MINUTES" -o "$PFS/$name.out" \
		"${opts[@]}" --wrap "$*" || fail "cannot submit job $name"
}

job_out() { cat "$PFS/$1.out" 2>/dev/null; }

# wait_job JOBID LIMIT: wait up to LIMIT seconds for the job to end and
# print its state (COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL...).
# Over the limit: cancels it, prints its state then, returns 1.
wait_job() {
	local id=$1 end=$((SECONDS + $2)) state
	while :; do
		state=$(timeout 5 scontrol -o show job "$id" 2>/dev/null |
			sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
		case $state in
		PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | "") ;;
		*) echo "$state"; return 0 ;;
		esac
		if [ $SECONDS -ge $end ]; then
			timeout 5 scancel "$id"
			echo "${state:-UNKNOWN}"
			return 1
		fi
		sleep 0.5
	done
}
