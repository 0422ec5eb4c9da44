# Transparent mode for other languages and I/O libraries: stdio (restart
# found by listing the checkpoint directory and stat'ing every rank's file,
# which makes another node's files readable on demand), C++ streams and
# Fortran unformatted I/O; and GROMACS's habits (rank 0 alone, a fixed
# name renamed to a backup name before each new checkpoint).
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
echo "transparent apps in other languages ok"
