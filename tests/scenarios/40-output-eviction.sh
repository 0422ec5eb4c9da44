# Output datasets always reach the prefix, whatever SCR_FLUSH says;
# SCR_CACHE_SIZE bounds the datasets each node keeps in cache; the prefix
# index stays bounded when every checkpoint rewrites the same files.
. "$(dirname "$0")/../lib/harness.sh"

note "output datasets flushed with SCR_FLUSH=0"
SCR_FLUSH=0 expect_ok out1 2 2 out1 -- "$APP" --steps 8 --every 2 --output-every 4
for step in 4 8; do
	for r in 0 1 2 3; do
		[ -s "$T/prefix/output.$step/rank_$r.0.dat" ] || fail "output.$step/rank_$r.0.dat not flushed"
	done
done
[ -z "$(ls -d "$T"/prefix/ckpt.* 2>/dev/null)" ] || fail "checkpoints flushed with SCR_FLUSH=0"
"$SCR_INDEX" --prefix "$T/prefix" >"$T/out/index" 2>&1 || { show index; fail "scr_index failed"; }
expect_in index 'output\.4'
expect_in index 'output\.8'
# the recorded CRC matches the flushed bytes
sum=$T/prefix/.scr/scr.dataset.3/summary.scr
[ -s "$sum" ] || fail "no summary for dataset 3"
want=$(grep 'path=output.4/rank_1.0.dat' "$sum" | sed -n 's/.* crc=\([0-9a-f]*\).*/\1/p')
got=$(python3 -c 'import sys,zlib;print("%08x"%zlib.crc32(open(sys.argv[1],"rb").read()))' "$T/prefix/output.4/rank_1.0.dat")
[ -n "$want" ] && [ "$want" = "$got" ] || fail "summary crc '$want' != file crc '$got'"

note "SCR_CACHE_SIZE=2 keeps two datasets per node"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=0 SCR_CACHE_SIZE=2 expect_ok evict 2 2 evict -- "$APP" --steps 10 --every 2
for n in node0 node1; do
	kept=$(ls "$(cache_of $n)" | sort | tr '\n' ' ')
	[ "$kept" = "scr.dataset.4 scr.dataset.5 " ] || fail "$n cache holds '$kept', expected datasets 4 and 5"
done

note "SCR_CACHE_SIZE=1 from a config file descriptor"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
printf 'CACHE=%s SIZE=1\nSCR_FLUSH=0\n' "$T/cache" >"$T/app.conf"
SCR_CONF_FILE=$T/app.conf expect_ok evict1 2 2 evict1 -- "$APP" --steps 6 --every 2
kept=$(ls "$(cache_of node0)" | tr '\n' ' ')
[ "$kept" = "scr.dataset.3 " ] || fail "node0 cache holds '$kept', expected only dataset 3"
note "150 flushed checkpoints of the same files: the index keeps 64 superseded ones"
rm -rf "$T/cache" "$T/cntl" "$T/prefix"/* "$T/prefix/.scr"
SCR_FLUSH=1 expect_ok soak 2 1 soak -- "$BUILD/tests/bench/soak_api" 150
n=$(grep -c '^entry ' "$T/prefix/.scr/index.scr")
[ "$n" -eq 65 ] || fail "the index holds $n entries, expected 64 superseded and the newest"
dirs=$(ls -d "$T"/prefix/.scr/scr.dataset.* | wc -l)
[ "$dirs" -eq 65 ] || fail "$dirs dataset directories in the prefix, expected 65"
grep -q "^entry id=150 .*failed=0" "$T/prefix/.scr/index.scr" || fail "the newest checkpoint is not usable"
echo "output and eviction ok"
