# Transparent mode seen from inside an unmodified program: errno on failure
# and success, non-matching files untouched, checkpoint files that look real
# while they are in the cache, forked and exec'd children passing through.
# And an invalid pattern: reported at MPI_Init, the run passes through.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60
export SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
# the probe makes several datasets; none may be evicted before the checks
export SCR_CACHE_SIZE=10

SCR_FLUSH=0 run_tp 2 2 probe -- "$APPS/probe_app" || { show probe; fail "probe_app failed"; }
expect_in probe 'probe_app: [0-9]+ checks, 0 failed'
# the checkpoint file went to the cache and was completed at MPI_Finalize
f=$(find "$(cache_of node1)" -name 'rank_3.dat')
[ -n "$f" ] && [ "$(cat "$f")" = "checkpoint data" ] || fail "rank 3's checkpoint is not in node1's cache"
[ ! -e "$T/prefix/ckpt.1/rank_3.dat" ] || fail "checkpoint reached the prefix with SCR_FLUSH=0"

note "a checkpoint file left open through MPI_Finalize goes on at its real path"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/*
SCR_FLUSH=0 run_tp 2 2 open -- "$APPS/probe_app" leave-open || { show open; fail "probe_app failed"; }
expect_in open "still open at MPI_Finalize"
[ "$(cat "$T/prefix/ckpt.4/open_2.txt" 2>/dev/null)" = "written before finalize, and after" ] ||
	fail "a checkpoint file left open through MPI_Finalize lost data"
# no file is lost: rank 2's checkpoint file is at its real path (its
# dataset could not complete) or in the cache (it completed earlier)
[ "$(cat "$T/prefix/ckpt.1/rank_2.dat" 2>/dev/null)" = "checkpoint data" ] ||
	[ -n "$(find "$(cache_of node1)" -name 'rank_2.dat')" ] ||
	fail "rank 2's checkpoint file is neither at its real path nor in the cache"

note "with flushing, the finished run leaves its checkpoint at the real path"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/*
SCR_FLUSH=1 run_tp 2 2 probe-flush -- "$APPS/probe_app" || { show probe-flush; fail "probe_app failed"; }
[ "$(cat "$T/prefix/ckpt.1/rank_3.dat" 2>/dev/null)" = "checkpoint data" ] ||
	fail "the flushed checkpoint is not at its real path"

note "Fortran with the mpi_f08 module: its own MPI_Init entry point is seen"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/*
SCR_FLUSH=0 run_tp 2 2 f08 -- "$APPS/f08_app" || { show f08; fail "f08_app failed"; }
expect_in f08 "f08_app: done"
[ -n "$(find "$(cache_of node1)" -name 'rank_3.dat')" ] || fail "mpi_f08 program's checkpoint is not in the cache"
[ ! -e "$T/prefix/ckpt.1/rank_3.dat" ] || fail "mpi_f08 program's checkpoint reached the prefix"

note "invalid pattern: said once at MPI_Init with the regex error; files pass through"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/*
SCR_CHECKPOINT_PATTERN='ckpt/(unclosed' run_tp 2 2 badpat -- "$APPS/posix_app" --steps 2 --every 2 ||
	{ show badpat; fail "the run with an invalid pattern failed"; }
expect_in badpat "invalid SCR_CHECKPOINT_PATTERN 'ckpt/\(unclosed'"
[ "$(grep -c 'invalid SCR_CHECKPOINT_PATTERN' "$T/out/badpat")" = 1 ] || fail "the pattern error is not said exactly once"
[ -s "$T/prefix/ckpt/ckpt.2/rank_3.dat" ] || fail "pass-through run did not write its files in place"

note "a pattern that matches nothing leaves every file alone"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/*
SCR_CHECKPOINT_PATTERN='no-such-file$' run_tp 2 2 nomatch -- "$APPS/posix_app" --steps 2 --every 2 ||
	{ show nomatch; fail "the run failed"; }
[ -s "$T/prefix/ckpt/ckpt.2/rank_0.dat" ] || fail "files did not land in place"
[ -z "$(find "$T/cache" -type f 2>/dev/null)" ] || fail "something went to the cache"
echo "transparent probe ok"
