# The event log (SCR_LOG_ENABLE=1): one line per event in <prefix>/.scr/log
# and in syslog, read back here: runs, checkpoints, flushes, restarts from
# the cache and from the prefix (with the fetch), a rebuild after a lost
# node, the end of a run. A sink that fails (a log that cannot be written,
# a syslog receiver killed mid-run) is said once and the job's answer is
# the same.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60
args=(--steps 10 --every 2 --bytes 100000)
reference 2 2 "${args[@]}"
export SCR_LOG_ENABLE=1 SCR_FLUSH=2 SCR_COPY_TYPE=XOR SCR_SET_SIZE=2
LOG=$T/prefix/.scr/log

events() {   # kind [pattern]: the log's lines of that kind (and pattern)
	grep -E " event=$1 .*${2:-}" "$LOG" || true
}
expect_event() {   # kind pattern why
	[ -n "$(events "$1" "$2")" ] || { cat "$LOG" >&2; fail "no $1 event matching /$2/: $3"; }
}

note "a killed run, its restart from the cache, and a new allocation's from the prefix"
run 2 2 first -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
expect_ok again 2 2 again -- "$APP" "${args[@]}" --expect-restart 8
same_result reference again
rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc2
expect_ok fetched 2 2 fetched -- "$APP" "${args[@]}" --expect-restart 10
same_result reference fetched
[ -s "$LOG" ] || fail "no event log at '$LOG'"
# every line: time, kind, the job's keys, then key=value pairs
bad=$(grep -vE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z event=[a-z_]+ job=[^ ]+ user=$ME node=node[01] prefix=$T/prefix( [a-z_]+=[^ ]*)*$" "$LOG" || true)
[ -z "$bad" ] || fail "malformed event lines: $bad"
[ "$(events run_start | wc -l)" -eq 3 ] || fail "not 3 run_start events"
[ "$(events run_end | wc -l)" -eq 2 ] || fail "not 2 run_end events (the killed run has none)"
expect_event run_start "job=alloc1 .* ranks=4" "the first run"
for s in 2 4 6 8 10; do
	expect_event checkpoint "name=ckpt\.$s mode=checkpoint scheme=XOR files=4 bytes=[0-9]+ seconds=[0-9.]+" "checkpoint $s"
done
expect_event flush "name=ckpt\.8 mode=sync bytes=[0-9]+ seconds=[0-9.]+ mb_per_s=" "the flush of checkpoint 8"
expect_event restart "job=alloc1 .*name=ckpt\.8 source=cache" "the restart from the cache"
expect_event fetch "job=alloc2 .*name=ckpt\.10 mode=into%20cache seconds=" "the fetch from the prefix"
expect_event restart "job=alloc2 .*name=ckpt\.10 source=prefix" "the restart from the prefix"
expect_event run_end "reason=SCR_Finalize" "the end of a run"

note "scr_report: the summary of each job, and the timeline"
"$BUILD/bin/scr_report" --svg "$T/timeline.svg" >"$T/out/report" 2>&1 || { show report; fail "scr_report failed"; }
expect_in report "^job alloc1 \(prefix $T/prefix\): 2 run\(s\), 1 ended, 1 died; [0-9.]+ s of runs$"
expect_in report "^job alloc2 \(prefix $T/prefix\): 1 run\(s\), 1 ended, 0 died"
# alloc1: checkpoints 2, 4, 6, 8, then 10 after the restart; flushes of 4, 8 and 10
expect_in report "^  checkpoints: 5, [0-9.]+ MB, [0-9.]+ s in checkpointing \([0-9.]+ % of the run time\)$"
expect_in report "^  flushes: 3 \(0 in the background\), [0-9.]+ MB in [0-9.]+ s, [0-9.]+ MB/s$"
expect_in report "^  restarts: 1 from the cache, 0 from the prefix \(0 fetch\(es\)\)"
expect_in report "^  restarts: 0 from the cache, 1 from the prefix \(1 fetch\(es\)\)"
head -c 5 "$T/timeline.svg" | grep -q '^<svg ' || fail "the timeline is not an SVG picture"
tail -n 1 "$T/timeline.svg" | grep -q '^</svg>$' || fail "the timeline is cut"
for lane in "alloc1 run 1" "alloc1 run 2" "alloc2 run 1"; do
	grep -q ">$lane</text>" "$T/timeline.svg" || fail "the timeline lacks the lane '$lane'"
done
[ "$(grep -c 'fill="#1f5fbf"' "$T/timeline.svg")" -eq 6 ] ||
	fail "the timeline does not show the 5 checkpoints (and the legend's)"
"$BUILD/bin/scr_report" --job nosuchjob >"$T/out/report_none" 2>&1 && fail "a job without events was reported"
expect_in report_none "no events of job nosuchjob in '$T/prefix/.scr/log'"

note "a lost node: the rebuild is an event"
export SCR_JOB_ID=alloc3
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=0 run 2 2 lose1 -- "$APP" "${args[@]}" --die-at 8 && fail "the killed run exited 0"
lose_node node1
SCR_FLUSH=0 NODE_NAMES="node0 spare0" expect_ok lose2 2 2 lose2 -- "$APP" "${args[@]}" --expect-restart 8
same_result reference lose2
expect_event rebuild "name=ckpt\.8 scheme=XOR ranks=2 seconds=" "the rebuild of node1's ranks"

note "a log that cannot be written: said once, the job goes on"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
mkdir -p "$LOG"
expect_ok nolog 2 2 nolog -- "$APP" "${args[@]}"
same_result reference nolog
[ "$(grep -c "cannot append to the event log '$LOG'" "$T/out/nolog")" -eq 1 ] ||
	{ show nolog; fail "the failing log is not said exactly once"; }
rm -rf "$LOG"

note "syslog: a receiver on /dev/log gets the events; killed mid-run, the job goes on"
SOCK=$T/dev-log
RECEIVED=$T/syslog.txt
: >"$RECEIVED"
receiver() {   # socket path: print each datagram as a line
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM(), Local => $ARGV[0]) or die "$!";
		open(my $out, ">>", $ARGV[1]) or die "$!";
		$out->autoflush(1);
		while (1) { my $m; defined($s->recv($m, 65536)) or next; print $out "$m\n"; }' \
		"$1" "$RECEIVED" </dev/null >/dev/null 2>&1 &
	echo $!
}
# a syslog daemon's /dev/log is left alone: ours replaces it in a private
# mount namespace
system_log=
[ -e /dev/log ] && system_log=1
in_ns() {   # command...: with our receiver's socket as /dev/log
	if [ -n "$system_log" ]; then
		unshare -m sh -c 'mount --bind "$0" /dev/log && exec "$@"' "$SOCK" "$@"
	else
		# no syslog daemon here: the receiver takes /dev/log for the test
		"$@"
	fi
}
# the receiver (and the /dev/log it took) go whatever happens
if [ -n "$system_log" ]; then
	pid=$(receiver "$SOCK")
	trap 'kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
else
	pid=$(receiver /dev/log)
	trap 'kill "$pid" 2>/dev/null; rm -f /dev/log; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
fi
for _ in $(seq 50); do [ -S "$SOCK" ] || [ -S /dev/log ] && break; sleep 0.1; done
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
# run, a function, goes into the namespace with what it reads
export -f run
export T MPI_LIMIT APP
SCR_LOG_TXT_ENABLE=0 SCR_LOG_SYSLOG_ENABLE=1 SCR_LOG_SYSLOG_PREFIX=scrtest \
	in_ns bash -c 'run 2 2 syslog -- "$APP" "$@"' bash "${args[@]}" ||
	{ show syslog; fail "the run with syslog failed"; }
grep -qE "scrtest\[[0-9]+\]: .* event=checkpoint job=alloc3 .*name=ckpt\.10" "$RECEIVED" ||
	{ cat "$RECEIVED" >&2; fail "syslog did not receive checkpoint 10"; }
grep -qE "^<190>" "$RECEIVED" || { cat "$RECEIVED" >&2; fail "not LOG_LOCAL7.LOG_INFO (<190>)"; }
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
: >"$RECEIVED"
SCR_LOG_TXT_ENABLE=0 SCR_LOG_SYSLOG_ENABLE=1 \
	in_ns bash -c 'run 2 2 nosyslog -- "$APP" "$@"' bash "${args[@]}" --pause-ms 300 &
job=$!
for _ in $(seq 100); do [ -s "$RECEIVED" ] && break; sleep 0.05; done
kill "$pid"
wait "$pid" 2>/dev/null
wait $job || { show nosyslog; fail "the run whose syslog receiver was killed failed"; }
same_result reference nosyslog
grep -q "event=run_start" "$RECEIVED" || fail "the receiver got nothing before it was killed"
! grep -q "event=run_end" "$RECEIVED" || fail "the receiver was killed after the run ended"
echo "event log ok"
