#!/usr/bin/env bash
# tests/cluster/stop.sh - stop the fake cluster of tests/cluster/start.sh.
#
# Only what start.sh started, found through its pid files in
# $SCR_CLUSTER_DIR/run: jobs are cancelled first, then each slurmd together
# with whatever still runs in its namespaces (job steps), slurmctld, and
# munged if start.sh started it. Nothing is unmounted: a node's tmpfs goes
# away with the last process in its namespace. Bounded (about 30 s at most);
# safe to call twice and when nothing runs.
set -u
DIR=${SCR_CLUSTER_DIR:-/tmp/scr-cluster}
START=$SECONDS

alive() {
	[ -n "${1:-}" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# stop PIDFILE NAME: TERM, up to 5 s, then KILL; removes the pid file
stop() {
	local pid i
	pid=$(cat "$1" 2>/dev/null) || return 0
	if alive "$pid" "$2"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do alive "$pid" "$2" || break; sleep 0.1; done
		alive "$pid" "$2" && kill -KILL "$pid" 2>/dev/null
		echo "stop.sh: stopped $2 ($pid)"
	fi
	rm -f "$1"
}
# ns_procs NS: pids of the processes in UTS namespace NS
ns_procs() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/uts" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
	done
}

[ -d "$DIR/run" ] || exit 0
if alive "$(cat "$DIR/run/slurmctld.pid" 2>/dev/null)" slurmctld; then
	jobs=$(timeout 5 squeue -h -o %i 2>/dev/null)
	if [ -n "$jobs" ]; then
		echo "stop.sh: cancelling jobs" $jobs
		timeout 5 scancel $jobs 2>/dev/null
		# jobs on a dead node stay COMPLETING: do not wait for them forever
		for ((i = 0; i < 50; i++)); do
			[ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.2
		done
	fi
fi
self_ns=$(readlink /proc/self/ns/uts)
for f in "$DIR"/run/slurmd-*.pid; do
	[ -e "$f" ] || continue
	pid=$(cat "$f" 2>/dev/null)
	ns=
	alive "$pid" slurmd && ns=$(readlink "/proc/$pid/ns/uts" 2>/dev/null)
	stop "$f" slurmd
	# left-over job steps of that node (never our own namespace)
	if [ -n "$ns" ] && [ "$ns" != "$self_ns" ]; then
		left=$(ns_procs "$ns")
		if [ -n "$left" ]; then
			n=${f##*/slurmd-}
			echo "stop.sh: killing what ran on ${n%.pid}:" $left
			kill -KILL $left 2>/dev/null
		fi
	fi
done
stop "$DIR/run/slurmctld.pid" slurmctld
stop "$DIR/run/munged.pid" munged   # there only if start.sh started munged
echo "stop.sh: done in $((SECONDS - START))s"
