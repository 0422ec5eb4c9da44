# shellcheck shell=bash
# Functions the scr shell commands share. Sourced, never run:
#   . "$(dirname "$(readlink -f "$0")")/../libexec/scr/scr_lib.sh"
# Needs SCR_CMD (the command's name, for messages) set before sourcing.

# set by scr_nodes_not_down, read by the commands
# shellcheck disable=SC2034
scr_up="" scr_down=""

SCR_BIN=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)

scr_warn() { echo "$SCR_CMD: $*" >&2; }
scr_die() { echo "$SCR_CMD: $*" >&2; exit 1; }
scr_usage_error() { echo "$SCR_CMD: $*" >&2; echo "Try '$SCR_CMD --help'." >&2; exit 2; }

# A configuration value as the library sees it (scr_param --help).
scr_param() { "$SCR_BIN/scr_param" "$@"; }

# The job id: SCR_JOB_ID, else SLURM's; empty outside a job.
scr_job_id() { scr_param --job-id; }

# When the allocation ends, in seconds since the epoch: squeue's answer for
# a SLURM job id (bounded in time; N/A and the like mean unknown), else
# SCR_END_TIME; empty when unknown.
scr_end_time() {
	local jid=${SLURM_JOB_ID:-} end=""
	[ -n "$jid" ] || jid=$(scr_job_id) || return 1
	# only a SLURM job id (123, or 123_4 of an array) is worth asking about
	if [[ $jid =~ ^[0-9]+(_[0-9]+)?$ ]] && command -v squeue >/dev/null; then
		end=$(timeout -k 5 60 squeue -h -j "$jid" -o %e 2>/dev/null | head -n 1)
		case $end in
		'' | N/A | NONE | Unknown | INVALID) end="" ;;
		*) end=$(date -d "$end" +%s 2>/dev/null) || end="" ;;
		esac
	fi
	if [ -z "$end" ] && [[ ${SCR_END_TIME:-} =~ ^[0-9]+$ ]]; then
		end=$SCR_END_TIME
	fi
	echo "$end"
}

# The nodes of the allocation as a hostlist: SLURM's, else SCR_NODELIST
# (set it where there is no resource manager), else this host.
scr_alloc_nodes() {
	if [ -n "${SLURM_JOB_NODELIST:-}" ]; then echo "$SLURM_JOB_NODELIST"
	elif [ -n "${SLURM_NODELIST:-}" ]; then echo "$SLURM_NODELIST"
	elif [ -n "${SCR_NODELIST:-}" ]; then echo "$SCR_NODELIST"
	else hostname
	fi
}

# scr_nodes_not_down: the allocation's nodes split, without asking any
# node, into scr_up (hostlist) and scr_down (those SLURM or
# SCR_EXCLUDE_NODES count as down; empty when none).
scr_nodes_not_down() {
	local all
	all=$(scr_alloc_nodes)
	# shellcheck disable=SC2034
	scr_up=$all scr_down=""
	[ -x "$SCR_BIN/scr_list_down_nodes" ] &&
		scr_down=$("$SCR_BIN/scr_list_down_nodes" --skip-check "$all")
	[ -z "$scr_down" ] || scr_up=$(scr_hosts --minus "$all" "$scr_down")
}

# scr_on_nodes HOSTLIST COMMAND...: run COMMAND on every node at once with
# pdsh; each output line comes back as "node: line". How pdsh reaches a node:
#   SCR_REMOTE set      its value is a command prefix pdsh's exec module runs
#                       with %h replaced by the node (e.g. "ssh %h")
#   in a SLURM job      a one-task step on the node: srun --overlap -w %h
#   otherwise           pdsh's ssh module
# SCR_PDSH_TIMEOUT (seconds, default 600) bounds each node's command.
scr_on_nodes() {
	local hosts=$1; shift
	local limit=${SCR_PDSH_TIMEOUT:-600}
	command -v pdsh >/dev/null ||
		{ scr_warn "pdsh is not installed (Debian package pdsh)"; return 1; }
	if [ -n "${SCR_REMOTE:-}" ]; then
		# the template is split into words on purpose
		# shellcheck disable=SC2086
		pdsh -S -R exec -u "$limit" -w "$hosts" $SCR_REMOTE "$@"
	elif [ -n "${SLURM_JOB_ID:-}" ] && command -v srun >/dev/null; then
		pdsh -S -R exec -u "$limit" -w "$hosts" \
			srun --jobid="$SLURM_JOB_ID" --overlap -N1 -n1 -w %h --quiet "$@"
	else
		pdsh -S -R ssh -u "$limit" -w "$hosts" "$@"
	fi
}

# Hostlist arithmetic (scr_glob_hosts --help).
scr_hosts() { "$SCR_BIN/scr_glob_hosts" "$@"; }
