# Transparent mode: a checkpoint file is durable from its close. Unmodified
# applications (one file per rank, three per rank, rank 0 writing for all,
# temp-then-rename, and GROMACS's habit of rewriting state.cpt every 100 ms,
# far faster than SCR_SETTLE_SECONDS) are killed with SIGKILL, every rank at
# once, 0 s, 10 ms, 100 ms, 0.5 s, 1 s and 2 s after they reported a
# checkpoint: before and after scr's agreement completed it. The restart in
# the same allocation must continue from exactly the newest checkpoint the
# application closed (posix_app finds it through a marker file outside the
# pattern, gromacs_like by its fixed name) and reach the answer of a run
# without scr.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/transparent.sh"

delays=(0 0.01 0.1 0.5 1 2)

# kill_after PATTERN DELAY: once the job's output has PATTERN, wait DELAY
# seconds and SIGKILL every rank of this test
kill_after() {
	local i
	for ((i = 0; i < 3000; i++)); do
		grep -q -- "$1" "$T/out/killed" 2>/dev/null && break
		sleep 0.01
	done
	sleep "$2"
	kill_ranks
}

# sweep NAME APP WAIT-FOR-STEP EVERY ARGS...: the kill at every delay, then
# the restart; ARGS include a pause long enough for the longest delay
sweep() {
	local name=$1 app=$2 step=$3 every=$4 delay newest from; shift 4
	note "$name"
	APP=$APPS/$app reference 2 2 "$@" --pause-ms 0
	for delay in "${delays[@]}"; do
		rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr" "$T/out/killed"
		run_tp 2 2 killed -- "$APPS/$app" "$@" &
		local job=$!
		kill_after "checkpoint at step $step\$" "$delay"
		wait $job && fail "$name, kill after ${delay}s: the job was not killed"
		newest=$(sed -n 's/.*checkpoint at step \([0-9]*\)$/\1/p' "$T/out/killed" | tail -n 1)
		[ -n "$newest" ] || { show killed; fail "$name: no checkpoint reported"; }
		run_tp 2 2 restart -- "$APPS/$app" "$@" --pause-ms 0 ||
			{ show killed; show restart; fail "$name, kill after ${delay}s: restart failed"; }
		from=$(sed -n 's/.*restarted from step \([0-9]*\)$/\1/p' "$T/out/restart")
		# newest reported, or one it closed but was killed before reporting
		[ "${from:-0}" = "$newest" ] || [ "${from:-0}" = $((newest + every)) ] ||
			{ show killed; show restart
			  fail "$name, kill after ${delay}s: restarted from step ${from:-0}, the newest closed is $newest"; }
		same_result reference restart
		echo "$name: killed ${delay}s after checkpoint $step: restarted from $from"
	done
}

posix=(--steps 4 --every 2 --bytes 30000 --pause-ms 2500)
sweep "one file per rank" posix_app 2 2 "${posix[@]}"
sweep "three files per rank" posix_app 2 2 "${posix[@]}" --files 3
sweep "rank 0 writes for all" posix_app 2 2 "${posix[@]}" --rank0-only
sweep "temp file renamed" posix_app 2 2 "${posix[@]}" --tmp-rename
export SCR_CHECKPOINT_PATTERN='/state(_prev)?\.cpt$'
sweep "state.cpt rewritten every 100 ms" gromacs_like 12 4 --steps 160 --every 4 --pause-ms 100
echo "kill sweep ok"
