# Shared by the transparent-mode application scenarios: check_app runs an
# unmodified application under LD_PRELOAD, kills it right after a checkpoint
# (every file closed, scr's agreement not yet done: the journal of closed
# files carries it), restarts it and compares with a run without scr.
MPI_LIMIT=90
export SCR_FLUSH=0 SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'
common=(--steps 6 --every 2 --bytes 30000)

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
	[ -n "$(find "$T/cache" -path '*ckpt/ckpt.4/*' -type f)" ] ||
		fail "$name: no cached files of ckpt.4"
	run_tp 2 2 "$name-2" -- "$APPS/$app" "${common[@]}" "$@" --expect-restart 4 ||
		{ show "$name-2"; fail "$name: restart failed"; }
	same_result reference "$name-2"
}

