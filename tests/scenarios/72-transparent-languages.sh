# Transparent mode for other languages and I/O libraries: stdio (restart
# found by listing the checkpoint directory and stat'ing every rank's file,
# which makes another node's files readable on demand), C++ streams and
# Fortran unformatted I/O; and GROMACS's habits (rank 0 alone, a fixed
# name renamed to a backup name before each new checkpoint), also faster
# than checkpoints complete.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/transparent.sh"

check_app stdio stdio_app
check_app cxx cxx_app
check_app fortran fortran_app

note "GROMACS habits: rank 0 alone, one fixed name, previous one renamed to state_prev.cpt"
export SCR_CHECKPOINT_PATTERN='/state(_prev)?\.cpt$'
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
gargs=(--steps 8 --every 2)
APP=$APPS/gromacs_like reference 2 2 "${gargs[@]}"
run_tp 2 2 gmx-1 -- "$APPS/gromacs_like" "${gargs[@]}" --die-at 6 && fail "the killed run exited 0"
[ ! -e "$T/prefix/state.cpt" ] || fail "state.cpt reached the prefix before a flush"
run_tp 2 2 gmx-2 -- "$APPS/gromacs_like" "${gargs[@]}" --expect-restart 6 ||
	{ show gmx-2; fail "GROMACS-like restart failed"; }
same_result reference gmx-2
expect_not_in gmx-1 "rename state.cpt"

note "GROMACS habits, rewritten faster than checkpoints complete"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
run_tp 2 2 gmx-fast -- "$APPS/gromacs_like" --steps 40 --every 4 ||
	{ show gmx-fast; fail "GROMACS-like run with fast rewrites failed"; }
# a rename that waited for a round must not leave its old name behind in a
# checkpoint (it did: every later checkpoint was invalid)
expect_not_in gmx-fast "error:|invalid"
run_tp 2 2 gmx-fast2 -- "$APPS/gromacs_like" --steps 40 --every 4 --expect-restart 40 ||
	{ show gmx-fast2; fail "restart after fast rewrites failed"; }
echo "transparent apps in other languages ok"
