# The launchers' watchdog (SCR_WATCHDOG=1): scr_run kills a run that makes
# no progress (no checkpoint completed, no flush moving) for
# SCR_WATCHDOG_TIMEOUT, logs it, and launches the job again, which restarts
# from its newest checkpoint. Three hangs: a rank SIGSTOPped, a rank stuck
# in the read of a FIFO that no one writes, a deadlock (rank 0 waits for
# nothing, the others for it). Each is killed within the timeout and a
# bounded margin, and the job ends with the answer of an uninterrupted run.
. "$(dirname "$0")/../lib/harness.sh"
RUN=$BUILD/bin/scr_run
args=(--steps 10 --every 2 --bytes 100000 --pause-ms 200)
reference 1 2 "${args[@]}"
# scr_run on this host: its node checks go through pdsh's exec module
export SCR_REMOTE='env SCR_NODE_NAME=%h' SCR_PDSH_TIMEOUT=20 SCR_NODE_NAME=node0
export SCR_WATCHDOG=1 SCR_WATCHDOG_TIMEOUT=5 SCR_RUNS=2 SCR_LOG_ENABLE=1 SCR_FLUSH=0
# whatever fails, no launcher, rank or stopped process outlives the test
trap 'kill_ranks; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

watched() {   # out app-args...: scr_run with 2 ranks, in the background ($job)
	local out=$1; shift
	"$RUN" --no-postrun --allow-run-as-root --oversubscribe --mca btl self,vader \
		--mca btl_vader_single_copy_mechanism none -np 2 "$APP" "${args[@]}" "$@" \
		>"$T/out/$out" 2>&1 &
	job=$!
}
finish() {   # out: wait for scr_run, check the kill, the relaunch and the answer
	local out=$1 start=$SECONDS
	timeout 90 tail --pid=$job -f /dev/null
	wait $job || { show "$out"; fail "scr_run failed"; }
	expect_in "$out" "scr_run: run 1 made no progress for [0-9]+ s \(SCR_WATCHDOG_TIMEOUT=5, last seen: run\): killing it"
	expect_in "$out" "scr_run: run 2, "
	expect_in "$out" "api_app: restarted from step 4"
	same_result reference "$out"
	grep -qE " event=watchdog .* run=1 seconds=[5-9] reason=no%20progress" "$T/prefix/.scr/log" ||
		{ cat "$T/prefix/.scr/log" >&2; fail "no watchdog event"; }
	echo "  (the run after the hang, and its relaunch, took $((SECONDS - start)) s)"
}
fresh() {
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
	export SCR_JOB_ID=$1
}
ranks_of_test() {   # pids of this test's api_app ranks
	local p
	for p in $(pgrep -f "$APP"); do
		grep -qz "^SCR_CACHE_BASE=$SCR_CACHE_BASE$" "/proc/$p/environ" 2>/dev/null && echo "$p"
	done
}

note "a rank stopped by SIGSTOP after the checkpoint of step 4"
fresh stopped
watched stopped
for _ in $(seq 200); do grep -q "checkpoint at step 4" "$T/out/stopped" && break; sleep 0.05; done
victim=$(ranks_of_test | tail -n 1)
[ -n "$victim" ] || { show stopped; fail "no rank to stop"; }
kill -STOP "$victim"
finish stopped
# the stopped rank is named
expect_in stopped "scr_run:   rank [01] \(pid $victim on .*\): T \(stopped\)"

note "rank 0 stuck reading a FIFO no one writes, at step 5"
fresh fifo
mkfifo "$T/fifo"
watched fifo --hang-at 5 --hang-on "$T/fifo"
finish fifo
expect_in fifo "rank 0 hangs at step 5"

note "a deadlock: rank 0 waits for nothing at step 5, the others for rank 0"
fresh deadlock
watched deadlock --hang-at 5
finish deadlock

note "a run that makes progress is left alone"
fresh steady
SCR_WATCHDOG_TIMEOUT=3 "$RUN" --no-postrun --allow-run-as-root --oversubscribe -np 2 "$APP" \
	--steps 30 --every 2 --bytes 10000 --pause-ms 200 >"$T/out/steady" 2>&1 ||
	{ show steady; fail "a steady run under the watchdog failed"; }
expect_not_in steady "made no progress"
expect_in steady "scr_run: the job completed"
echo "watchdog ok"
