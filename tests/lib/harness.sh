# Shared by the scenario scripts: a private test area, simulated nodes,
# bounded MPI runs and assertions. Source it first thing.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
APP=$BUILD/tests/mpi/api_app
SCR_INDEX=$BUILD/bin/scr_index
MPI_LIMIT=${MPI_LIMIT:-120}

# Node-local storage on tmpfs, the prefix on disk, all removed at exit.
T=$(mktemp -d /dev/shm/scr-test.XXXXXX)
mkdir -p "$T/prefix" "$T/out"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export SCR_CACHE_BASE=$T/cache SCR_CNTL_BASE=$T/cntl SCR_PREFIX=$T/prefix
export SCR_JOB_ID=alloc1
unset SCR_CONF_FILE SCR_FLUSH SCR_CACHE_SIZE SCR_DEBUG SCR_ENABLE
cd "$T/prefix"

fail() { echo "FAIL: $*" >&2; exit 1; }
# a section of a scenario, with the seconds since it started (slow parts show)
note() { echo "--- [${SECONDS}s] $*"; }

# run NODES RANKS_PER_NODE OUT -- command...: one MPI job, rank r on node
# "node<r / RANKS_PER_NODE>" (SCR_NODE_NAME), stdout+stderr to $T/out/OUT.
# NODE_NAMES="node1 spare0 ..." names the nodes otherwise: ranks moved to
# other nodes, or a lost node replaced by a spare.
# RANK_NODES="A B B A" instead names each rank's node (NODES and
# RANKS_PER_NODE are then ignored).
# Returns the job's exit status; a job over MPI_LIMIT seconds is killed.
run() {
	local nodes=$1 ppn=$2 out=$3; shift 4
	local args=() n names=(${NODE_NAMES:-})
	for ((n = 0; n < nodes; n++)); do
		[ $n -gt 0 ] && args+=(:)
		args+=(-np "$ppn" env SCR_NODE_NAME=${names[n]:-node$n} ${PRELOAD:+LD_PRELOAD=$PRELOAD} "$@")
	done
	if [ -n "${RANK_NODES:-}" ]; then
		args=()
		for n in $RANK_NODES; do
			[ ${#args[@]} -gt 0 ] && args+=(:)
			args+=(-np 1 env SCR_NODE_NAME=$n ${PRELOAD:+LD_PRELOAD=$PRELOAD} "$@")
		done
	fi
	timeout -k 5 "$MPI_LIMIT" mpirun --allow-run-as-root --oversubscribe \
		--mca btl self,vader --mca btl_vader_single_copy_mechanism none \
		"${args[@]}" >"$T/out/$out" 2>&1
	local rc=$?
	[ $rc -eq 124 ] && echo "job '$out' timed out after ${MPI_LIMIT}s" >&2
	return $rc
}

# Transparent mode: run_tp is run with the shim preloaded into every rank.
SHIM=$BUILD/lib/libscr_interpose.so
APPS=$BUILD/tests/apps
run_tp() { PRELOAD=$SHIM run "$@"; }

# The output of a run, for messages and greps.
out() { cat "$T/out/$1"; }
show() { sed "s/^/    $1| /" "$T/out/$1"; }

expect_ok() {   # name: the run succeeded
	local name=$1; shift
	run "$@" || { show "$name"; fail "run '$name' exited non-zero"; }
}

result_of() { sed -n 's/^[a-z_]*: result //p' "$T/out/$1"; }

same_result() {   # run-a run-b
	local a b
	a=$(result_of "$1"); b=$(result_of "$2")
	[ -n "$a" ] || { show "$1"; fail "run '$1' printed no result"; }
	[ "$a" = "$b" ] || fail "results differ: $1=$a $2=${b:-none}"
}

expect_in() {   # run pattern [why]
	grep -qE -- "$2" "$T/out/$1" || { show "$1"; fail "run '$1' lacks /$2/ ${3:-}"; }
}

expect_not_in() {
	! grep -qE -- "$2" "$T/out/$1" || { show "$1"; fail "run '$1' has /$2/ ${3:-}"; }
}

# Reference answer: the same run without scr and without interruption.
reference() {   # nodes ppn app-args...
	local nodes=$1 ppn=$2; shift 2
	rm -rf "$T/ref"
	mkdir -p "$T/ref"
	( cd "$T/ref" && SCR_ENABLE=0 SCR_PREFIX=$T/ref run "$nodes" "$ppn" reference -- "$APP" "$@" ) \
		|| { show reference; fail "reference run failed"; }
	expect_in reference 'result '
}

ME=$(id -un)
cache_of() { echo "$SCR_CACHE_BASE/$ME/scr.$SCR_JOB_ID/$1/cache"; }
cntl_of() { echo "$SCR_CNTL_BASE/$ME/scr.$SCR_JOB_ID/$1/cntl"; }

# "Lose" nodes: delete every path that carries their names.
lose_node() {
	local n paths=()
	for n in "$@"; do
		paths+=("$SCR_CACHE_BASE/$ME/scr.$SCR_JOB_ID/$n/cache"
			"$SCR_CNTL_BASE/$ME/scr.$SCR_JOB_ID/$n/cntl")
	done
	rm -rf "${paths[@]}"
}

# SIGKILL every rank of this test at once: its processes with a node name
# (mpirun has none) and this test's cache base in their environment
kill_ranks() {
	local pids p
	pids=$(grep -lzx "SCR_CACHE_BASE=$SCR_CACHE_BASE" /proc/[0-9]*/environ 2>/dev/null)
	[ -z "$pids" ] || pids=$(grep -lz '^SCR_NODE_NAME=' $pids 2>/dev/null)
	for p in $pids; do p=${p#/proc/}; kill -9 "${p%/environ}" 2>/dev/null; done
}

# reseal STATE-FILE: after an edit, make its END line (byte count and CRC32
# of what precedes it) match again, as a tamperer would
reseal() {
	local f=$1 body n crc
	body=$(sed '$d' "$f"; echo x)
	body=${body%x}
	n=$(printf '%s' "$body" | wc -c)
	crc=$(printf '%s' "$body" | "$BUILD/bin/scr_crc32" - | cut -d' ' -f1)
	{ printf '%s' "$body"; printf 'END %d %s\n' "$n" "$crc"; } >"$f.new" && mv "$f.new" "$f"
}

flip_byte() {   # file offset
	local f=$1 off=$2 b
	b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $(((b ^ 0xff) & 0xff)))" |
		dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}
