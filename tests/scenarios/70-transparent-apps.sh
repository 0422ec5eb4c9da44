# Transparent mode: unmodified applications (POSIX, stdio, C++, Fortran; one
# file per rank, several per rank, rank 0 only, pwrite, temp-then-rename,
# O_RDWR, O_APPEND, reading the previous checkpoint while writing) run under
# LD_PRELOAD, are killed after a checkpoint, and restart from the cache with
# the same answer as a run without scr. Until a flush the checkpoint files
# are in the cache only.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=90
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
common=(--steps 8 --every 2 --pause-ms 1300 --bytes 30000)

check_app() {   # name app [app options...]
	local name=$1 app=$2; shift 2
	note "$name"
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	APP=$APPS/$app reference 2 2 "${common[@]}" "$@"
	run_tp 2 2 "$name-1" -- "$APPS/$app" "${common[@]}" "$@" --die-at 4 &&
		fail "$name: the killed run exited 0"
	expect_in "$name-1" "checkpoint at step 4"
	# the real checkpoint directories exist (the app made them) but hold nothing
	[ -z "$(find "$T/prefix/ckpt" -path '*ckpt.[0-9]*' -type f 2>/dev/null)" ] ||
		fail "$name: checkpoint files reached the prefix before any flush"
	[ -n "$(find "$(cache_of node1)" -path '*ckpt/ckpt.4/*' -type f)" ] ||
		fail "$name: no cached files of ckpt.4 on node1"
	run_tp 2 2 "$name-2" -- "$APPS/$app" "${common[@]}" "$@" --expect-restart 4 ||
		{ show "$name-2"; fail "$name: restart failed"; }
	same_result reference "$name-2"
}

check_app posix posix_app
check_app posix-files posix_app --files 3
check_app posix-pwrite posix_app --pwrite
check_app posix-rank0 posix_app --rank0-only
check_app posix-rename posix_app --tmp-rename
check_app posix-rdwr posix_app --rdwr
check_app posix-append posix_app --append
check_app posix-backup posix_app --backup
check_app stdio stdio_app
check_app cxx cxx_app
check_app fortran fortran_app
echo "transparent apps ok"
