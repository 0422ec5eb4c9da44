# Ranks restarted in the same allocation on other nodes than before take
# their cached files along (core/migrate.c), including layouts where node
# leaders both send and receive, and where several ranks of one node scatter
# to several others. The restart comes from the cache (nothing was flushed)
# with the answer of an uninterrupted run; the old nodes keep no copies.
. "$(dirname "$0")/../lib/harness.sh"
args=(--steps 12 --every 3 --files 2 --bytes 300000)

check_move() {   # scheme ranks-then ranks-now
	local scheme=$1 before=$2 after=$3 n
	note "$scheme: ranks on '$before', then on '$after'"
	rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
	RANK_NODES=$before SCR_COPY_TYPE=$scheme SCR_FLUSH=0 run 0 0 before -- "$APP" "${args[@]}" \
		--die-at 10 && fail "the killed run exited 0"
	RANK_NODES=$after SCR_COPY_TYPE=$scheme SCR_FLUSH=0 SCR_DEBUG=1 \
		expect_ok after 0 0 after -- "$APP" "${args[@]}" --expect-restart 9
	expect_in after "restarted on another node: the cache of [0-9]+ followed them"
	expect_not_in after "rebuilt the files" "(nothing was lost: nothing to rebuild)"
	same_result reference after
	# every filemap is where its rank now runs, once
	[ "$(find "$T/cntl" -name 'filemap_*.scr' | wc -l)" -eq "$(echo $after | wc -w)" ] ||
		fail "stale filemaps left behind: $(find "$T/cntl" -name 'filemap_*.scr')"
}

RANK_NODES="A B B A" reference 0 0 "${args[@]}"
check_move SINGLE "A B B A" "C D A B"
check_move XOR "A B B A" "B A A B"
RANK_NODES="A B C D B A C D" reference 0 0 "${args[@]}"
check_move XOR "A B C D B A C D" "C C D D A B A B"
check_move PARTNER "A A B B C C D D" "D C B A D C B A"
echo "rank moves ok"
