# Transparent mode with a real application nobody here wrote: Debian's
# LAMMPS (lmp), unmodified. It writes one restart file per rank plus a base
# file (`restart N ckpt/lj.*.%`) and finds the newest one on restart by
# listing the directory (`read_restart ckpt/lj.*.%`). It is killed with
# SIGKILL right after it closed its checkpoint at step 300, long before scr
# could complete it (SCR_SETTLE_SECONDS=30), and restarted under the shim in
# the same allocation, with 4 ranks and with 2 (and with 2 on one node,
# which cannot have the other node's files, then 4 again). The thermo output
# must be identical to a restart without scr from the same step. Then with
# a background flush (SCR_FLUSH_ASYNC=1): the files LAMMPS closes reach the
# prefix byte for byte, and a new allocation restarts from them.
. "$(dirname "$0")/../lib/harness.sh"

command -v lmp >/dev/null || fail "lmp not found: run 'make deps' (Debian package lammps)"
export SCR_CHECKPOINT_PATTERN='ckpt/lj\.[0-9]+\.(base|[0-9]+)$' SCR_FLUSH=0
MPI_LIMIT=60

# 2048 Lennard-Jones atoms, a checkpoint every 100 steps up to step 300
cat >"$T/in.lj" <<'EOF'
units lj
atom_style atomic
lattice fcc 0.8442
region box block 0 8 0 8 0 8
create_box 1 box
create_atoms 1 box
mass 1 1.0
velocity all create 3.0 87287 loop geom
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
neighbor 0.3 bin
neigh_modify every 20 delay 0 check no
fix 1 all nve
thermo 50
thermo_modify format float %.12g
restart 100 ckpt/lj.*.%
run 300
EOF
# the run to kill: it says when step 300's files are closed, then waits
{ cat "$T/in.lj"; echo 'shell touch ready'; echo 'shell sleep 60'; } >"$T/in.kill"
# on to step 500 from the newest restart file in ckpt/
cat >"$T/in.restart" <<'EOF'
read_restart ckpt/lj.*.%
neighbor 0.3 bin
neigh_modify every 20 delay 0 check no
fix 1 all nve
thermo 50
thermo_modify format float %.12g
run 500 upto
EOF

lmp_run() {   # nodes ranks-per-node out input [preload]
	PRELOAD=${5:-} run "$1" "$2" "$3" -- lmp -in "$4" -log none
}
thermo() { awk '/^ *Step /{p=1; next} /^Loop time/{p=0} p' "$T/out/$1"; }

note "references: LAMMPS without scr, run to step 300, restarted on 4 and on 2 ranks"
mkdir -p "$T/ref/ckpt"
(
	cd "$T/ref" || exit 1
	lmp_run 2 2 ref-first "$T/in.lj" && lmp_run 2 2 ref-4 "$T/in.restart" &&
		lmp_run 2 1 ref-2 "$T/in.restart"
) || { show ref-first; show ref-4; fail "LAMMPS without scr failed"; }
[ "$(thermo ref-4 | wc -l)" -eq 5 ] || { show ref-4; fail "unexpected thermo output"; }

# killed_run: LAMMPS under the shim, killed once step 300 is closed
killed_run() {
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	mkdir -p "$T/prefix/ckpt"
	SCR_SETTLE_SECONDS=30 lmp_run 2 2 killed "$T/in.kill" "$SHIM" &
	local job=$! i
	for ((i = 0; i < 3000; i++)); do [ -e ready ] && break; sleep 0.01; done
	[ -e ready ] || { kill_ranks; wait $job; show killed; fail "LAMMPS never reached step 300"; }
	kill_ranks
	wait $job && fail "the LAMMPS run was not killed"
	[ ! -e ckpt/lj.300.base ] || fail "step 300 reached ckpt/ before scr flushed it"
	rm -f ready
}

note "killed after step 300, restarted on the same 4 ranks"
killed_run
lmp_run 2 2 tp-4 "$T/in.restart" "$SHIM" || { show tp-4; fail "restart on 4 ranks failed"; }
expect_in tp-4 "checkpoint 'ckpt' .* was closed by the application but not completed .*: completed now"
[ "$(thermo tp-4)" = "$(thermo ref-4)" ] ||
	{ show tp-4; fail "thermo output on 4 ranks differs from the restart without scr"; }

note "killed after step 300, restarted on 2 ranks, one per node (the files go by the prefix)"
killed_run
lmp_run 2 1 tp-2 "$T/in.restart" "$SHIM" || { show tp-2; fail "restart on 2 ranks failed"; }
expect_in tp-2 "closed, not completed.* of a 4-rank run was only in the node caches: copied to the prefix"
[ "$(thermo tp-2)" = "$(thermo ref-2)" ] ||
	{ show tp-2; fail "thermo output on 2 ranks differs from the restart without scr"; }
for f in base 0 1 2 3; do
	cmp -s "ckpt/lj.300.$f" "$T/ref/ckpt/lj.300.$f" || fail "ckpt/lj.300.$f differs from LAMMPS's own"
done

note "killed after step 300; a 2-rank run on one node cannot take it over, a 4-rank run then can"
killed_run
lmp_run 1 2 tp-half "$T/in.restart" "$SHIM" && fail "a restart without the other node's files worked"
expect_in tp-half "checkpoint 1 of a 4-rank run was closed but not completed, and the nodes of this run hold the records of 2 of its ranks: not used"
lmp_run 2 2 tp-back "$T/in.restart" "$SHIM" || { show tp-back; fail "restart on 4 ranks again failed"; }
expect_in tp-back "checkpoint 'ckpt' .* was closed by the application but not completed .*: completed now"
[ "$(thermo tp-back)" = "$(thermo ref-4)" ] ||
	{ show tp-back; fail "thermo output on 4 ranks after the 2-rank run differs from the restart without scr"; }
note "background flush (SCR_FLUSH_ASYNC=1): LAMMPS's restart files drain to the prefix as it runs"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
mkdir -p "$T/prefix/ckpt"
SCR_FLUSH=1 SCR_FLUSH_ASYNC=1 SCR_DEBUG=1 lmp_run 2 2 async "$T/in.lj" "$SHIM" ||
	{ show async; fail "LAMMPS with a background flush failed"; }
expect_in async "in the background: [0-9]+ bytes; this node's"
[ "$(thermo async)" = "$(thermo ref-first)" ] ||
	{ show async; fail "thermo output with a background flush differs from LAMMPS's own"; }
for f in base 0 1 2 3; do
	cmp -s "ckpt/lj.300.$f" "$T/ref/ckpt/lj.300.$f" || fail "flushed ckpt/lj.300.$f differs from LAMMPS's own"
done
# a new allocation, empty caches: LAMMPS restarts from the flushed files
export SCR_JOB_ID=async2
rm -rf "$T/cache" "$T/cntl"
SCR_FLUSH=1 SCR_FLUSH_ASYNC=1 lmp_run 2 2 async-4 "$T/in.restart" "$SHIM" ||
	{ show async-4; fail "restart after a background flush failed"; }
[ "$(thermo async-4)" = "$(thermo ref-4)" ] ||
	{ show async-4; fail "thermo output after a background flush differs from the restart without scr"; }
echo "LAMMPS killed after a checkpoint restarts under the shim as without scr"
