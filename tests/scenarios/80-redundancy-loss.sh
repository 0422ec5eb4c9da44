# Exhaustive node loss, in the manner of redset's test_recover_loss_k_ranks:
# for each scheme, on 4 nodes (2 ranks each) and 8 nodes (1 rank each), with
# uneven file sizes and three files per rank, every set of k = 0..3 lost
# nodes (cache and control directories deleted) is restarted with spare
# nodes in their place. The rebuild must succeed exactly when the scheme
# tolerates the loss, with the answer of an uninterrupted run; otherwise the
# restart falls back to the checkpoint flushed to the prefix and says why.
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

cases=0 rebuilt=0 fell_back=0
for layout in "4 2" "8 1"; do
	set -- $layout
	nodes=$1 ppn=$2
	reference "$nodes" "$ppn" "${args[@]}"
	for scheme in PARTNER XOR RS; do
		note "$scheme on $nodes nodes x $ppn ranks"
		rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl" "$T/pristine"
		# checkpoints at steps 3, 6, 9; the second is also flushed (SCR_FLUSH=2)
		SCR_COPY_TYPE=$scheme SCR_FLUSH=2 run "$nodes" "$ppn" first -- "$APP" "${args[@]}" \
			--die-at 10 && fail "the killed run exited 0"
		expect_in first 'checkpoint at step 9'
		mkdir -p "$T/pristine"
		cp -a "$T/cache" "$T/cntl" "$T/pristine/"

		for ((mask = 0; mask < 1 << nodes; mask++)); do
			lost=() names=()
			for ((n = 0; n < nodes; n++)); do
				if ((mask >> n & 1)); then lost+=($n); names+=(spare$n); else names+=(node$n); fi
			done
			[ ${#lost[@]} -le 3 ] || continue
			# odd masks also start the ranks in another node order
			((mask & 1)) && names=("${names[@]:1}" "${names[0]}")
			rm -rf "$T/cache" "$T/cntl"
			cp -a "$T/pristine/cache" "$T/pristine/cntl" "$T/"
			for n in "${lost[@]}"; do lose_node node$n; done
			what="$scheme, lost {${lost[*]}} of $nodes nodes"
			NODE_NAMES="${names[*]}" SCR_COPY_TYPE=$scheme SCR_FLUSH=0 \
				run "$nodes" "$ppn" second -- "$APP" "${args[@]}" ||
				{ show second; fail "$what: restart failed"; }
			same_result reference second
			cases=$((cases + 1))
			if survives "$scheme" "$nodes" "${lost[@]}"; then
				expect_in second 'restarted from step 9' "($what: must rebuild)"
				[ ${#lost[@]} -eq 0 ] ||
					expect_in second "rebuilt the files of $((${#lost[@]} * ppn)) lost rank" "($what)"
				rebuilt=$((rebuilt + 1))
			else
				expect_in second 'restarted from step 6' "($what: must fall back to the prefix)"
				expect_in second "cannot rebuild dataset 3" "($what: must say why)"
				fell_back=$((fell_back + 1))
			fi
		done
	done
done
echo "redundancy loss ok: $cases restarts, $rebuilt rebuilt from cache, $fell_back fell back to the prefix"
