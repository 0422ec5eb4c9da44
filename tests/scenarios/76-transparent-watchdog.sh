# A rank stops answering (SIGSTOP) while the others wait in the checkpoint
# agreement: after SCR_WATCHDOG_TIMEOUT rank 0 names it; once it continues,
# the run finishes with the right answer.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=90
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/' SCR_WATCHDOG_TIMEOUT=2
args=(--steps 6 --every 2 --pause-ms 2300 --bytes 20000)
APP=$APPS/posix_app reference 2 2 "${args[@]}"

run_tp 2 2 stopped -- "$APPS/posix_app" "${args[@]}" &
job=$!
# rank 3 of this job: the process whose environment says so
victim=
for _ in $(seq 100); do
	for p in $(pgrep -f "$APPS/posix_app"); do
		if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=3' &&
		   tr '\0' '\n' <"/proc/$p/environ" | grep -q "^SCR_CACHE_BASE=$T/"; then
			victim=$p
		fi
	done
	[ -n "$victim" ] && break
	sleep 0.1
done
[ -n "$victim" ] || { kill "$job"; fail "cannot find rank 3"; }
sleep 1
kill -STOP "$victim"
sleep 6
kill -CONT "$victim"
wait "$job" || { show stopped; fail "the run with a stopped rank failed"; }
expect_in stopped "rank\(s\) 3 have not arrived"
[ "$(grep -c 'have not arrived' "$T/out/stopped")" = 1 ] || fail "the missing rank is not named exactly once"
same_result reference stopped
echo "watchdog ok"
