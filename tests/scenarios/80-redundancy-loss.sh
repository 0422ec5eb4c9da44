# Exhaustive node loss, in the manner of redset's test_recover_loss_k_ranks:
# for each scheme, on 4 nodes (2 ranks each) and 8 nodes (1 rank each), with
# uneven file sizes and three files per rank, every set of k = 0..3 lost
# nodes (cache and control directories deleted) is restarted with spare
# nodes in their place. The rebuild must succeed exactly when the scheme
# tolerates the loss, with the answer of an uninterrupted run; otherwise the
# restart falls back to the checkpoint flushed to the prefix and says why.
#
# Every loss case gets its own copy of the killed run's node-local storage,
# and one MPI job restarts them all in turn (api_app --cases: SCR_Init to
# SCR_Finalize per case, with the case's directories and node names), so the
# 324 restarts cost 6 launches. A few cases per scheme are also relaunched
# as separate jobs, the way a real restart happens.
#
# The oracle is the documented set layout: sets of SCR_SET_SIZE=4 nodes in
# node order (one set on 4 nodes, two on 8); XOR survives one lost node per
# set, RS (SCR_SET_FAILURES=2) two; PARTNER rings run over all nodes in
# order and survive unless two neighbours are both lost.
. "$(dirname "$0")/../lib/harness.sh"

export SCR_SET_SIZE=4 SCR_SET_FAILURES=2
args=(--steps 12 --every 3 --files 3 --bytes 40000)

survives() {   # scheme nodes lost-node-numbers...
	local scheme=$1 nodes=$2 i j; shift 2
	local lost=("$@") per_set=()
	case $scheme in
	XOR | RS)
		local tol=1; [ "$scheme" = RS ] && tol=2
		for i in "${lost[@]}"; do per_set[i / 4]=$((${per_set[i / 4]:-0} + 1)); done
		for i in "${per_set[@]}"; do [ "$i" -le $tol ] || return 1; done
		return 0;;
	PARTNER)
		for i in "${lost[@]}"; do
			for j in "${lost[@]}"; do
				[ $(((i + 1) % nodes)) -eq "$j" ] && return 1
			done
		done
		return 0;;
	esac
}

# check NAME SCHEME NODES PPN LOST...: the restart in $T/out/NAME rebuilt or
# fell back as the oracle says, with the uninterrupted run's answer
rebuilt=0 fell_back=0
check() {
	local name=$1 scheme=$2 nodes=$3 ppn=$4; shift 4
	local what="$scheme, lost {$*} of $nodes nodes"
	same_result reference "$name"
	if survives "$scheme" "$nodes" "$@"; then
		expect_in "$name" 'restarted from step 9' "($what: must rebuild)"
		[ $# -eq 0 ] ||
			expect_in "$name" "rebuilt the files of $(($# * ppn)) lost rank" "($what)"
		rebuilt=$((rebuilt + 1))
	else
		expect_in "$name" 'restarted from step 6' "($what: must fall back to the prefix)"
		expect_in "$name" "cannot rebuild dataset 3" "($what: must say why)"
		fell_back=$((fell_back + 1))
	fi
}

# loss MASK NODES: the nodes a mask loses (lost=(numbers), lost_names=(node
# names)) and the nodes of the restart (names=(...)): a lost node n replaced
# by spare<n>, and for odd masks the ranks started in another node order
loss() {
	local mask=$1 nodes=$2 n
	lost=() lost_names=() names=()
	for ((n = 0; n < nodes; n++)); do
		if ((mask >> n & 1)); then
			lost+=($n) lost_names+=(node$n) names+=(spare$n)
		else
			names+=(node$n)
		fi
	done
	((mask & 1)) && names=("${names[@]:1}" "${names[0]}")
	return 0
}

cases=0 relaunched=0
for layout in "4 2" "8 1"; do
	set -- $layout
	nodes=$1 ppn=$2
	reference "$nodes" "$ppn" "${args[@]}"
	for scheme in PARTNER XOR RS; do
		note "$scheme on $nodes nodes x $ppn ranks"
		rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl" "$T/pristine" "$T/cases"
		# checkpoints at steps 3, 6, 9; the second is also flushed (SCR_FLUSH=2)
		SCR_COPY_TYPE=$scheme SCR_FLUSH=2 run "$nodes" "$ppn" first -- "$APP" "${args[@]}" \
			--die-at 10 && fail "the killed run exited 0"
		expect_in first 'checkpoint at step 9'
		mkdir -p "$T/pristine" "$T/cases"
		mv "$T/cache" "$T/cntl" "$T/pristine/"

		# every set of up to 3 lost nodes, each case in a copy of its own
		list=$T/cases/list masks=()
		: >"$list"
		for ((mask = 0; mask < 1 << nodes; mask++)); do
			loss $mask "$nodes"
			[ ${#lost[@]} -le 3 ] || continue
			masks+=($mask)
			dir=$T/cases/$mask
			mkdir "$dir"
			cp -a "$T/pristine/cache" "$T/pristine/cntl" "$dir/"
			[ ${#lost[@]} -eq 0 ] ||
				SCR_CACHE_BASE=$dir/cache SCR_CNTL_BASE=$dir/cntl lose_node "${lost_names[@]}"
			ranks=()
			for ((r = 0; r < nodes * ppn; r++)); do ranks+=("${names[r / ppn]}"); done
			echo "$dir ${ranks[*]}" >>"$list"
		done
		SCR_COPY_TYPE=$scheme SCR_FLUSH=0 run "$nodes" "$ppn" sweep -- "$APP" "${args[@]}" \
			--cases "$list" || { show sweep; fail "$scheme: the restart sweep failed"; }
		for mask in "${masks[@]}"; do
			cat "$T/cases/$mask"/out.* >"$T/out/case"
			loss $mask "$nodes"
			check case "$scheme" "$nodes" "$ppn" "${lost[@]}"
			cases=$((cases + 1))
		done

		# end to end, as separate jobs: the worst loss the scheme survives
		# (in another node order) and the first one it does not
		keep= keep_lost=-1 drop=
		for mask in "${masks[@]}"; do
			loss $mask "$nodes"
			if survives "$scheme" "$nodes" "${lost[@]}"; then
				if ((mask & 1 && ${#lost[@]} > keep_lost)); then
					keep=$mask keep_lost=${#lost[@]}
				fi
			elif [ -z "$drop" ]; then
				drop=$mask
			fi
		done
		for mask in $keep $drop; do
			rm -rf "$T/cache" "$T/cntl"
			cp -a "$T/pristine/cache" "$T/pristine/cntl" "$T/"
			loss $mask "$nodes"
			[ ${#lost[@]} -eq 0 ] || lose_node "${lost_names[@]}"
			NODE_NAMES="${names[*]}" SCR_COPY_TYPE=$scheme SCR_FLUSH=0 \
				run "$nodes" "$ppn" second -- "$APP" "${args[@]}" ||
				{ show second; fail "$scheme, lost {${lost[*]}}: restart failed"; }
			check second "$scheme" "$nodes" "$ppn" "${lost[@]}"
			relaunched=$((relaunched + 1))
		done
	done
done
echo "redundancy loss ok: $cases restarts in sweeps and $relaunched relaunched," \
	"$rebuilt rebuilt from cache, $fell_back fell back to the prefix"
