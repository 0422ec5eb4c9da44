# Transparent mode, POSIX I/O patterns: an unmodified application (one file
# per rank, several per rank, rank 0 only, pwrite, temp-then-rename, O_RDWR,
# O_APPEND, reading the previous checkpoint while writing) runs under
# LD_PRELOAD, is killed after a checkpoint and restarts from the cache with
# the same answer as a run without scr. Until a flush the checkpoint files
# are in the cache only.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/transparent.sh"

check_app posix posix_app
check_app posix-files posix_app --files 3
check_app posix-pwrite posix_app --pwrite
check_app posix-rank0 posix_app --rank0-only
check_app posix-rename posix_app --tmp-rename
check_app posix-rdwr posix_app --rdwr
check_app posix-append posix_app --append
check_app posix-backup posix_app --backup

note "the same program through the API and under LD_PRELOAD: same answer"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
run 2 2 api -- "$BUILD/tests/mpi/api_app" --steps 6 --every 2 --bytes 30000 ||
	{ show api; fail "api_app failed"; }
run_tp 2 2 preload -- "$APPS/posix_app" --steps 6 --every 2 --bytes 30000 ||
	{ show preload; fail "posix_app failed"; }
same_result api preload
echo "transparent posix apps ok"
