#!/usr/bin/env bash
# make bench: speed figures as ratios against a baseline measured in the
# same run (never pass/fail on time).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$TOP/build
T=$(mktemp -d /dev/shm/scr-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/plain" "$T/prefix"

echo "== CRC32: ISA-L (used by scr) against zlib"
"$BUILD/tests/bench/crc_bench" 256

echo "== redundancy kernels: ISA-L against the plain C reference"
"$BUILD/tests/bench/kernel_bench"

for mib in 64 256; do
	echo "== checkpoint through the SCR API into tmpfs cache, 2 ranks, $mib MiB each"
	(cd "$T/prefix" && SCR_CACHE_BASE=$T/cache SCR_CNTL_BASE=$T/cntl SCR_PREFIX=$T/prefix \
		SCR_FLUSH=0 SCR_CACHE_SIZE=1 SCR_JOB_ID=bench \
		timeout 600 mpirun --allow-run-as-root --oversubscribe -np 2 \
		"$BUILD/tests/bench/ckpt_bench" "$mib" "$T/plain")
	rm -rf "$T/cache" "$T/cntl"
done

for mib in 64 256; do
	echo "== transparent mode (LD_PRELOAD): 2 ranks, $mib MiB each, cache and baseline on the same tmpfs"
	(cd "$T/prefix" && SCR_CACHE_BASE=$T/cache SCR_CNTL_BASE=$T/cntl SCR_PREFIX=$T/prefix \
		SCR_FLUSH=0 SCR_CACHE_SIZE=1 SCR_JOB_ID=bench SCR_SETTLE_SECONDS=3600 \
		SCR_CHECKPOINT_PATTERN='/ckpt/' \
		timeout 600 mpirun --allow-run-as-root --oversubscribe -np 2 \
		-x LD_PRELOAD="$BUILD/lib/libscr_interpose.so" \
		"$BUILD/tests/bench/shim_bench" "$mib" "$T/plain")
	rm -rf "$T/cache" "$T/cntl" "$T/prefix/ckpt"
done

# Redundancy: 8 ranks over 4 simulated nodes (2 per node) and over 8 (1 per
# node), SCR_NODE_NAME per rank. Per scheme one job checkpoints alternately
# with SINGLE and the scheme (completion, encode against the ISA-L kernel),
# then a restart with every node intact and one after deleting node1's cache
# and control directories (rebuild at SCR_Init against reading node1's bytes
# from the prefix copy). SCR_DEBUG=1 only to pick the library's own encode
# timer ("protected by ... in X s") out of stderr.
RB=$BUILD/tests/bench/red_bench
RB_JOB=redbench
RB_RUN=$T/run
red_run() {   # NODES PPN NAME -- red_bench args...: stdout to $RB_RUN/NAME.out, stderr to .err
	local nodes=$1 ppn=$2 name=$3; shift 4
	local args=() n
	for ((n = 0; n < nodes; n++)); do
		[ $n -gt 0 ] && args+=(:)
		args+=(-np "$ppn" env SCR_NODE_NAME=node$n "$RB" "$@")
	done
	(cd "$T/prefix" && SCR_CACHE_BASE=$T/cache SCR_CNTL_BASE=$T/cntl SCR_PREFIX=$T/prefix \
		SCR_FLUSH=0 SCR_CACHE_SIZE=1 SCR_JOB_ID=$RB_JOB SCR_DEBUG=1 \
		timeout -k 5 600 mpirun --allow-run-as-root --oversubscribe \
		--mca btl self,vader --mca btl_vader_single_copy_mechanism none \
		"${args[@]}" >"$RB_RUN/$name.out" 2>"$RB_RUN/$name.err") || {
		cat "$RB_RUN/$name.out" "$RB_RUN/$name.err" >&2
		echo "red_bench job '$name' failed" >&2
		return 1
	}
	grep -v '^@ ' "$RB_RUN/$name.out" || true
}
# the value of KEY=V on the "@ " lines of a job's output
red_val() { sed -n "s/^@ .*\b$2=\([-0-9.]*\).*/\1/p" "$RB_RUN/$1.out" | tail -n 1; }
# the library's encode times of SCHEME in a job's stderr: "min max count"
red_lib_encode() {
	sed -n "s/.*protected by $2 in \([0-9.]*\) s.*/\1/p" "$RB_RUN/$1.err" |
		awk 'NR == 1 || $1 < lo { lo = $1 } $1 > hi { hi = $1 } END { if (NR) printf "%.3f %.3f %d", lo, hi, NR }'
}
red_clean() { rm -rf "$T/cache" "$T/cntl" "$T/plain"/* "$T/prefix"/* "$T/prefix"/.scr; }

mkdir -p "$RB_RUN"
RB_SUMMARY=()
RB_START=$(date +%s)
for layout in "4 2" "8 1"; do
	read -r nodes ppn <<<"$layout"
	for mib in 64 256; do
		reps=$([ "$mib" -le 64 ] && echo 3 || echo 2)
		echo "== redundancy: 8 ranks on $nodes simulated nodes ($ppn per node), $mib MiB per" \
			"rank; the 8 ranks share 2 cores; cache, control and the baseline/prefix copy" \
			"on the same tmpfs; best of $reps"
		for scheme in PARTNER XOR RS; do
			red_clean
			tag=$nodes-$mib-$scheme
			echo "-- $scheme"
			red_run "$nodes" "$ppn" "w-$tag" -- write "$scheme" "$mib" "$T/plain" "$reps"
			read -r lo hi cnt <<<"$(red_lib_encode "w-$tag" "$scheme")"
			[ -n "${cnt:-}" ] && echo "  (the library's own $scheme encode timer, rank 0:" \
				"$lo s .. $hi s over $cnt checkpoints)"
			red_run "$nodes" "$ppn" "i-$tag" -- restart "$mib" "$T/plain" node1
			intact=$(red_val "i-$tag" init)
			rm -rf "$T/cache/$(id -un)/scr.$RB_JOB/node1" "$T/cntl/$(id -un)/scr.$RB_JOB/node1"
			red_run "$nodes" "$ppn" "l-$tag" -- restart "$mib" "$T/plain" node1 "$intact"
			rebuild=$(red_val "l-$tag" rebuild)
			rd=$(red_val "l-$tag" read)
			reprot=$(red_lib_encode "l-$tag" "$scheme" | cut -d' ' -f1)
			only=$(awk -v a="$rebuild" -v b="${reprot:-0}" -v r="$rd" \
				'BEGIN { printf "%.3f s = %.1f x the read", a - b, (a - b) / r }')
			[ -n "$reprot" ] && echo "  of which re-protecting the rebuilt dataset (library" \
				"timer): $reprot s; rebuild without it: $only"
			RB_SUMMARY+=("$(printf '%-5s %4s %-7s %6s %6s %9s %9s %8s %8s' \
				"${nodes}x$ppn" "$mib" "$scheme" \
				"$(red_val "w-$tag" single_cw)" "$(red_val "w-$tag" scheme_cw)" \
				"$(red_val "w-$tag" enc_solo)" "$(red_val "w-$tag" enc_all)" \
				"$(awk -v a="$rebuild" -v r="$rd" 'BEGIN { printf "%.1f", a / r }')" \
				"$(awk -v a="$rebuild" -v b="${reprot:-0}" -v r="$rd" 'BEGIN { printf "%.1f", (a - b) / r }')")")
		done
		red_clean
	done
done
echo "== redundancy summary (ratios; nodes x ranks per node; 8 ranks on 2 cores)"
echo "  completion/write: SINGLE and the scheme, each against a plain write of the same bytes"
echo "  encode/kernel: encode rate against the ISA-L kernel alone / on all ranks at once (target >= 0.8)"
echo "  rebuild/read: SCR_Init with node1 lost minus intact, against reading node1's bytes from"
echo "  the prefix copy; rb-reprot/read: the same without re-protecting the dataset"
printf '  %-5s %4s %-7s %6s %6s %9s %9s %8s %8s\n' nodes MiB scheme SINGLE scheme \
	enc/alone enc/all rb/read rb-rp/rd
printf '  %s\n' "${RB_SUMMARY[@]}"
echo "  (redundancy section: $(($(date +%s) - RB_START)) s)"
