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

# Transparent mode, the journal of closed files: what closing a checkpoint
# file costs (its size, CRC and journal record) against writing it, for 1,
# 16 and 256 files per rank; then what finishing a checkpoint that a killed
# run closed but never completed costs the next MPI_Init, against an
# MPI_Init with nothing to finish and against reading the files once.
tp() {   # mpirun arguments...: 2 ranks under the shim in $T/prefix
	(cd "$T/prefix" && SCR_CACHE_BASE=$T/cache SCR_CNTL_BASE=$T/cntl SCR_PREFIX=$T/prefix \
		SCR_FLUSH=0 SCR_CACHE_SIZE=4 SCR_JOB_ID=bench SCR_SETTLE_SECONDS=3600 \
		SCR_CHECKPOINT_PATTERN='/ckpt/' \
		timeout 600 mpirun --allow-run-as-root --oversubscribe -np 2 \
		-x LD_PRELOAD="$BUILD/lib/libscr_interpose.so" "$@")
}
echo "== transparent mode: the cost of closes (2 ranks, 64 MiB each, in N files)"
for n in 1 16 256; do
	tp "$BUILD/tests/bench/shim_bench" --files "$n" 64 "$T/plain"
	rm -rf "$T/cache" "$T/cntl" "$T/prefix/ckpt"
done
echo "== transparent mode: finishing a killed run's closed checkpoint at the next MPI_Init (2 ranks)"
for mib in 64 256; do
	tp "$BUILD/tests/bench/shim_bench" --restart "$mib" | sed 's/^/nothing to finish: /'
	rm -rf "$T/cache" "$T/cntl" "$T/prefix/ckpt"
	tp "$BUILD/tests/bench/shim_bench" --kill "$mib" >/dev/null 2>&1 || true
	tp "$BUILD/tests/bench/shim_bench" --restart "$mib" 2>/dev/null | sed 's/^/after a kill:       /'
	rm -rf "$T/cache" "$T/cntl" "$T/prefix/ckpt"
done

# Background flush (SCR_FLUSH_ASYNC): per checkpoint, the time the
# application is stopped with the flush in the background against the
# synchronous flush of the same data (goal <= 0.10), and a compute-bound
# loop while a flush is in flight against the same loop alone (goal <=
# 1.05), with the prefix on disk, as a parallel file system is slower than
# the node-local tmpfs cache; then, with the prefix on tmpfs (a disk's
# write-back makes both sides noisy), the flush's copy rate against cp of
# the same files (goal >= 0.9) and the rate with SCR_FLUSH_ASYNC_BW set
# against the cap (goal within 10 %). One rank leaves a core to the flush
# thread; two ranks on this 2-core machine do not (what a fully subscribed
# node sees).
PFS=$(mktemp -d /tmp/scr-bench-pfs.XXXXXX)
trap 'rm -rf "$T" "$PFS"' EXIT
fb() {   # PREFIX RANKS ASYNC JOB [VAR=value...]: flush_bench, 256 MiB/rank, 2.5 s loop
	local prefix=$1 ranks=$2 async=$3 job=$4; shift 4
	(cd "$prefix" && env SCR_CACHE_BASE="$T/cache" SCR_CNTL_BASE="$T/cntl" SCR_PREFIX="$prefix" \
		SCR_FLUSH=1 SCR_FLUSH_ASYNC="$async" SCR_CACHE_SIZE=2 SCR_JOB_ID="$job" "$@" \
		timeout 600 mpirun --allow-run-as-root --oversubscribe -np "$ranks" \
		"$BUILD/tests/bench/flush_bench" 256 2500) | sed -n 's/^@ //p'
}
fb_val() { sed -n "s/.*\b$2=\([0-9.]*\).*/\1/p" <<<"$1"; }
fb_rate() {   # JOB: the node's last flush rate in MB/s, from its progress file
	SCR_CNTL_BASE="$T/cntl" SCR_JOB_ID="$1" "$BUILD/bin/scr_flush_file" --progress |
		sed -n 's/.* s, \([0-9.]*\) MB\/s.*/\1/p'
}
fb_clean() { rm -rf "$T/cache" "$T/cntl" "${PFS:?}"/* "$PFS/.scr" "$T/prefix"/* "$T/prefix/.scr" "$T/plain"/*; }
echo "== background flush: 256 MiB per rank, cache on tmpfs, prefix on disk, best of 3"
for ranks in 1 2; do
	sync_run=$(fb "$PFS" "$ranks" 0 fbs$ranks)
	fb_clean
	async_run=$(fb "$PFS" "$ranks" 1 fba$ranks)
	fb_clean
	awk -v r="$ranks" -v s="$(fb_val "$sync_run" stop)" -v a="$(fb_val "$async_run" stop)" \
	    -v alone="$(fb_val "$async_run" alone)" -v during="$(fb_val "$async_run" during)" 'BEGIN {
		printf "%d rank(s): stopped per checkpoint %.3f s (sync) / %.3f s (async) = %.3f " \
			"(goal <= 0.10)\n", r, s, a, a / s
		printf "  compute loop %.3f s alone, %.3f s with the flush in flight = %.3f " \
			"(goal <= 1.05)\n", alone, during, during / alone }'
done
echo "== background flush: copy rate and cap, 1 rank, 256 MiB, prefix on tmpfs"
fb "$T/prefix" 1 1 fbr >/dev/null
rate=$(fb_rate fbr)
cp_s=$( { /usr/bin/time -f %e cp -r "$T/prefix/bench.2" "$T/plain/cp" >/dev/null; } 2>&1 )
bytes=$(du -sb "$T/prefix/bench.2" | cut -f1)
fb_clean
awk -v rate="$rate" -v cps="$cp_s" -v bytes="$bytes" 'BEGIN { cprate = bytes / cps / 1e6
	printf "flush copy rate %.0f MB/s, cp of the same files %.0f MB/s = %.2f (goal >= 0.9)\n",
		rate, cprate, rate / cprate }'
for cap in 50MB 150MB; do
	fb "$T/prefix" 1 1 fbc SCR_FLUSH_ASYNC_BW="$cap" >/dev/null
	rate=$(fb_rate fbc)
	fb_clean
	awk -v cap="${cap%MB}" -v rate="$rate" 'BEGIN { c = cap * 1048576 / 1e6
		printf "SCR_FLUSH_ASYNC_BW=%sMB (%.1f MB/s): achieved %.1f MB/s = %.3f of the cap " \
			"(goal 0.9 .. 1.1)\n", cap, c, rate, rate / c }'
done

# Soak: thousands of small checkpoints in one run; descriptors and resident
# memory must not grow per checkpoint, nor the time of a checkpoint (with a
# flush at each, the prefix index must not make later ones slower).
echo "== soak: 2 ranks, 4 KiB per rank per checkpoint"
for flush in 0 1; do
	(cd "$T/prefix" && SCR_CACHE_BASE=$T/cache SCR_CNTL_BASE=$T/cntl SCR_PREFIX=$T/prefix \
		SCR_FLUSH=$flush SCR_JOB_ID=soak timeout 600 mpirun --allow-run-as-root \
		--oversubscribe -np 2 "$BUILD/tests/bench/soak_api" 2000) |
		sed "s/^/API, SCR_FLUSH=$flush: /"
	rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
done
(cd "$T/prefix" && SCR_CACHE_BASE=$T/cache SCR_CNTL_BASE=$T/cntl SCR_PREFIX=$T/prefix \
	SCR_FLUSH=0 SCR_JOB_ID=soak SCR_CHECKPOINT_PATTERN='/ckpt/' timeout 600 mpirun \
	--allow-run-as-root --oversubscribe -np 2 -x LD_PRELOAD="$BUILD/lib/libscr_interpose.so" \
	"$BUILD/tests/bench/soak_plain" 500 2>/dev/null) | sed "s/^/transparent: /"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"

# Redundancy: 8 ranks over 4 simulated nodes (2 per node) and over 8 (1 per
# node), SCR_NODE_NAME per rank. Per scheme: one job checkpoints alternately
# with SINGLE and the scheme (completion against a plain write, encode
# against the ISA-L kernel), then restarts with every node intact and after
# deleting node1's cache and control directories: the difference in SCR_Init
# time is the rebuild, set against reading node1's bytes from the prefix copy.
# SCR_DEBUG=1 only to pick the library's encode timer ("protected by X in
# N s") out of stderr. RB_VERBOSE=1 shows every restart run.
RB=$BUILD/tests/bench/red_bench
RB_JOB=redbench
RB_RUN=$T/run
red_run() {   # NODES PPN NAME -- red_bench args...: stdout to $RB_RUN/NAME.out, stderr .err
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
}
red_show() { grep -v '^@ ' "$RB_RUN/$1.out" || true; }
# KEY's value on the "@ " lines of a job's output
red_val() { sed -n "s/^@ .*\b$2=\([-0-9.e]*\).*/\1/p" "$RB_RUN/$1.out" | tail -n 1; }
# the library's encode times of SCHEME in a job's stderr, one a line
red_lib_encode() { sed -n "s/.*protected by $2 in \([0-9.]*\) s.*/\1/p" "$RB_RUN/$1.err"; }
red_clean() { rm -rf "$T/cache" "$T/cntl" "$T/plain"/* "$T/prefix"/* "$T/prefix"/.scr; }
red_lose() { rm -rf "$T/cache/$(id -un)/scr.$RB_JOB/$1" "$T/cntl/$(id -un)/scr.$RB_JOB/$1"; }

mkdir -p "$RB_RUN"
RB_SUMMARY=()
RB_START=$(date +%s)
for layout in "4 2" "8 1"; do
	read -r nodes ppn <<<"$layout"
	for mib in 64 256; do
		reps=3
		echo "== redundancy: 8 ranks on $nodes simulated nodes ($ppn per node), $mib MiB per" \
			"rank, best of $reps; the 8 ranks share $(nproc) cores; cache, control and the" \
			"baseline (prefix copy) on the same tmpfs"
		for scheme in PARTNER XOR RS; do
			red_clean
			tag=$nodes-$mib-$scheme
			echo "-- $scheme"
			red_run "$nodes" "$ppn" "w-$tag" -- write "$scheme" "$mib" "$T/plain" "$reps"
			red_show "w-$tag"
			red_lib_encode "w-$tag" "$scheme" | awk -v s="$scheme" '
				NR == 1 || $1 < lo { lo = $1 } $1 > hi { hi = $1 }
				END { if (NR) printf "  (the library'"'"'s own %s encode timer, rank 0: " \
					"%.3f .. %.3f s over %d checkpoints)\n", s, lo, hi, NR }'
			# restarts: every node intact, then node1 lost (again after each
			# rebuild); per run: kind, SCR_Init, re-protection, node1 read
			: >"$RB_RUN/r-$tag"
			for ((i = 1; i <= 2 * reps; i++)); do
				kind=intact
				if [ $i -gt "$reps" ]; then
					kind=lost
					red_lose node1
				fi
				red_run "$nodes" "$ppn" "r$i-$tag" -- restart "$mib" "$T/plain" node1 \
					"$([ $kind = lost ] && echo "node1 lost" || echo "every node intact")"
				[ -n "${RB_VERBOSE:-}" ] && red_show "r$i-$tag"
				grep -q 'NOT RESTORED' "$RB_RUN/r$i-$tag.out" && red_show "r$i-$tag"
				echo "$kind $(red_val "r$i-$tag" init)" \
					"$(red_lib_encode "r$i-$tag" "$scheme" | awk '{ t += $1 } END { print t + 0 }')" \
					"$(red_val "r$i-$tag" read) $(red_val "r$i-$tag" read_all)" >>"$RB_RUN/r-$tag"
			done
			row=$(awk -v mib="$mib" -v ppn="$ppn" '
				function lower(a, k, v) { if (!(k in a) || v < a[k]) a[k] = v }
				{ lower(init, $1, $2); lower(net, $1, $2 - $3); n[$1]++
				  if ($3 > 0) { lower(rp, $1, $3); nrp[$1]++ }
				  if ($1 == "lost") { lower(rd, "node", $4); lower(rd, "all", $5) } }
				END {
					rb = init["lost"] - init["intact"]; rbn = net["lost"] - net["intact"]
					printf "  rebuild of node1 (%d rank(s), %d MiB) = SCR_Init with node1 lost - " \
						"SCR_Init intact = %.3f - %.3f = %.3f s; reading those bytes from the " \
						"prefix copy: %.3f s (every rank'"'"'s: %.3f s); rebuild/read %.1f\n",
						ppn, ppn * mib, init["lost"], init["intact"], rb, rd["node"], rd["all"],
						rb / rd["node"]
					if (nrp["intact"] > 0)
						printf "  note: SCR_Init re-protected the dataset although no node was " \
							"lost (%d of %d intact restarts, library timer %.3f s)\n",
							nrp["intact"], n["intact"], rp["intact"]
					printf "  without re-protection (library timer %.3f s after a loss): rebuild " \
						"%.3f s, rebuild/read %.1f\n", rp["lost"], rbn, rbn / rd["node"]
					printf "@ %.1f %.1f\n", rb / rd["node"], rbn / rd["node"]
				}' "$RB_RUN/r-$tag")
			grep -v '^@ ' <<<"$row"
			read -r _ rbr rbnr <<<"$(grep '^@ ' <<<"$row")"
			es=$(red_val "w-$tag" enc_solo)
			ea=$(red_val "w-$tag" enc_all)
			RB_SUMMARY+=("$(printf '%-5s %4s %-7s %6s %6s %9s %9s %8s %8s' \
				"${nodes}x$ppn" "$mib" "$scheme" \
				"$(red_val "w-$tag" single_cw)" "$(red_val "w-$tag" scheme_cw)" \
				"${es:-n/a}" "${ea:-n/a}" "$rbr" "$rbnr")")
		done
		red_clean
	done
done
echo "== redundancy summary: ratios (8 ranks sharing $(nproc) cores; tmpfs everywhere)"
echo "  c/w: completion time against a plain write of the same bytes, SINGLE and the scheme"
echo "  enc/alone, enc/all: encode rate (completion scheme - completion SINGLE) against the"
echo "    ISA-L kernel alone on one rank / on all ranks at once (target >= 0.8)"
echo "  rb/read: rebuild of node1 at SCR_Init (lost - intact) against reading node1's bytes"
echo "    from the prefix copy; rb-rp/read: the same with re-protection taken out"
printf '  %-5s %4s %-7s %6s %6s %9s %9s %8s %8s\n' nodes MiB scheme SINGLE scheme \
	enc/alone enc/all rb/read rb-rp/rd
printf '  %-5s %4s %-7s %6s %6s\n' "" "" "" c/w c/w
printf '  %s\n' "${RB_SUMMARY[@]}"
echo "  (redundancy section: $(($(date +%s) - RB_START)) s)"
