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
