#!/usr/bin/env bash
# The fake SLURM cluster the cluster scenarios run on (tests/cluster): five
# nodes with their own hostnames and /dev/shm, srun, salloc and sbatch with
# Open MPI across them, pdsh into them, and nodes that go down, die, lose
# their storage and come back. MPI programs run under mpirun, not srun
# --mpi=pmix, which fails in a few per cent of the runs here.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/cluster.sh"

cluster_up 5
[ "$(nodes_in idle)" = "n1 n2 n3 n4 n5" ] || fail "not all nodes idle: $(nodes_in idle)"

note "srun: one task per node, each with the node's hostname"
timeout -k 5 60 srun -t 1 -N5 hostname >"$T/out/srun" 2>&1 || { show srun; fail "srun -N5 failed"; }
[ "$(sort "$T/out/srun" | paste -sd' ' -)" = "n1 n2 n3 n4 n5" ] || { show srun; fail "srun -N5 hostname"; }

note "Open MPI across 4 nodes, 2 ranks each: salloc + mpirun, sbatch + mpirun"
cat >"$PFS/hosts.c" <<'EOF'
/* rank 0 prints how many ranks and distinct hostnames MPI_COMM_WORLD has */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int rank, size, hosts = 0;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	char me[64] = "", all[size][64];
	gethostname(me, sizeof me - 1);
	MPI_Allgather(me, 64, MPI_CHAR, all, 64, MPI_CHAR, MPI_COMM_WORLD);
	for (int i = 0; i < size; i++) {
		int j = 0;
		while (j < i && strcmp(all[i], all[j]))
			j++;
		hosts += j == i;
	}
	if (rank == 0)
		printf("ranks %d hosts %d\n", size, hosts);
	MPI_Finalize();
	return 0;
}
EOF
mpicc -o "$PFS/hosts" "$PFS/hosts.c" >"$T/out/mpicc" 2>&1 || { show mpicc; fail "mpicc failed"; }
timeout -k 5 90 salloc -Q -t 2 -N4 --ntasks-per-node=2 mpirun "$PFS/hosts" >"$T/out/salloc-mpirun" 2>&1 ||
	{ show salloc-mpirun; fail "salloc + mpirun failed"; }
expect_in salloc-mpirun '^ranks 8 hosts 4$'
id=$(job_submit sbatch-mpirun -N4 --ntasks-per-node=2 -- mpirun "$PFS/hosts")
state=$(wait_job "$id" 90) || fail "batch job $id did not end: $state"
[ "$state" = COMPLETED ] || { job_out sbatch-mpirun; fail "batch job $id: $state"; }
job_out sbatch-mpirun | grep -qx 'ranks 8 hosts 4' || { job_out sbatch-mpirun; fail "sbatch + mpirun: wrong hosts"; }

note "each node has its own /dev/shm, shared by its job steps and onnode"
onnode n2 sh -c 'echo n2 > /dev/shm/mine' || fail "onnode n2 failed"
onnode n2 test -f /dev/shm/mine || fail "n2 lost its file"
onnode n3 test ! -e /dev/shm/mine || fail "n3 sees n2's /dev/shm"
[ ! -e /dev/shm/mine ] || fail "the host sees n2's /dev/shm"
[ "$(timeout -k 5 30 srun -t 1 -N1 -w n2 cat /dev/shm/mine)" = n2 ] || fail "a job step on n2 misses the file"
timeout -k 5 30 srun -t 1 -N1 -w n3 test ! -e /dev/shm/mine || fail "a job step on n3 sees n2's file"
node_wipe n2
onnode n2 test ! -e /dev/shm/mine || fail "node_wipe n2 left its file"
onnode n1 test -d "$SCR_CLUSTER_DIR/node/spool" || fail "no node-local directory"

note "pdsh: into every node with onnode, into an allocation with srun"
timeout -k 5 30 pdsh -R exec -w 'n[1-5]' onnode %h hostname >"$T/out/pdsh" 2>&1 || { show pdsh; fail "pdsh onnode failed"; }
[ "$(sort "$T/out/pdsh" | paste -sd' ' -)" = "n1: n1 n2: n2 n3: n3 n4: n4 n5: n5" ] || { show pdsh; fail "pdsh onnode"; }
# --overlap: the step may share CPUs that another step of the job holds
timeout -k 5 60 salloc -Q -t 1 -N3 bash -c \
	'pdsh -R exec -w "$SLURM_NODELIST" srun --overlap -N1 -n1 -w %h hostname' >"$T/out/pdsh-alloc" 2>&1 ||
	{ show pdsh-alloc; fail "pdsh in an allocation failed"; }
[ "$(sort "$T/out/pdsh-alloc" | paste -sd' ' -)" = "n1: n1 n2: n2 n3: n3" ] || { show pdsh-alloc; fail "pdsh srun"; }

note "a node set down stays down; a --no-kill job goes on without it"
id=$(job_submit nokill -k -N4 --ntasks-per-node=2 -- "touch $PFS/started
	while [ ! -e $PFS/n3-down ]; do sleep 0.2; done
	srun -x n3 -N3 -n3 hostname | sort | paste -sd' ' -
	mpirun --host n1:2,n2:2,n4:2 $PFS/hosts")
for ((i = 0; i < 150; i++)); do [ -e "$PFS/started" ] && break; sleep 0.2; done
[ -e "$PFS/started" ] || fail "job $id did not start: $(squeue -h -j "$id" -o '%T %r')"
node_down n3 smoke
touch "$PFS/n3-down"
state=$(wait_job "$id" 60) || fail "job $id did not end: $state"
[ "$state" = COMPLETED ] || { job_out nokill; fail "job $id: $state"; }
job_out nokill | grep -qx 'n1 n2 n4' || { job_out nokill; fail "srun -x n3 in the job"; }
job_out nokill | grep -qx 'ranks 6 hosts 3' || { job_out nokill; fail "mpirun --host without n3 in the job"; }
sleep 5   # its slurmd answers pings meanwhile: it must stay down all the same
[ "$(timeout 10 sinfo -h -t down -o %N)" = n3 ] || fail "sinfo -t down does not list n3"
node_resume n3
[ "$(nodes_in idle)" = "n1 n2 n3 n4 n5" ] || fail "n3 not back: idle $(nodes_in idle)"

note "a node killed: its storage and processes gone; resumed empty"
onnode n4 sh -c 'echo n4 > /dev/shm/mine'
node_kill n4
! onnode n4 true 2>/dev/null || fail "onnode still enters the killed n4"
node_resume n4
onnode n4 test ! -e /dev/shm/mine || fail "n4 came back with its old /dev/shm"
[ "$(timeout -k 5 30 srun -t 1 -N1 -w n4 hostname)" = n4 ] || fail "no job step on the resumed n4"
echo "cluster smoke: ok"
