# Offline rebuild after a job: a checkpoint that only ever lived in the node
# caches survives the loss of nodes if what the other nodes held is gathered
# into the prefix (data files at their paths, redundancy files in
# .scr/scr.dataset.<id>/red/) and "scr_index --build" rebuilds the lost
# ranks' files from it, without MPI. A restart in a new allocation (empty
# caches) then fetches it from the prefix with the answer of an
# uninterrupted run. When more is lost than the scheme tolerates, --build
# says which ranks are gone, exits 1 and leaves the index alone.
#
# Sets (default SCR_SET_SIZE, 8 ranks on 4 nodes): {0,2,4,6} and {1,3,5,7},
# one rank per node each; node1 holds ranks 2 and 3, node2 ranks 4 and 5.
. "$(dirname "$0")/../lib/harness.sh"

args=(--steps 12 --every 3 --files 2 --bytes 100000)
ID=3   # checkpoints at steps 3, 6, 9: step 9 is dataset 3

# gather NODE...: what these nodes cached of dataset $ID, into the prefix,
# the way scr_postrun will
gather() {
	local n d e red=$T/prefix/.scr/scr.dataset.$ID/red
	mkdir -p "$red"
	for n in "$@"; do
		d=$(cache_of "$n")/scr.dataset.$ID
		[ -d "$d" ] || fail "nothing cached on $n"
		for e in "$d"/* "$d"/.[!.]*; do
			[ -e "$e" ] && [ "${e##*/}" != .scr ] && cp -a "$e" "$T/prefix/"
		done
		cp "$d"/.scr/red.* "$red/"
	done
}

# fresh SCHEME LOST-NODE...: a clean prefix and caches, the killed first
# run, the lost nodes' caches deleted, the others gathered
fresh() {
	local scheme=$1 n survivors=(); shift
	rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
	SCR_COPY_TYPE=$scheme SCR_FLUSH=0 run 4 2 first -- "$APP" "${args[@]}" --die-at 10 &&
		fail "the killed run exited 0"
	expect_in first 'checkpoint at step 9'
	[ -z "$(ls -d "$T"/prefix/ckpt.* 2>/dev/null)" ] || fail "files reached the prefix with SCR_FLUSH=0"
	for n in "$@"; do lose_node "$n"; done
	for n in node0 node1 node2 node3; do
		[ -d "$(cache_of "$n")" ] && survivors+=("$n")
	done
	gather "${survivors[@]}"
}

build() {   # out: scr_index --build $ID, its status in $rc
	"$SCR_INDEX" --prefix "$T/prefix" --build "$ID" >"$T/out/$1" 2>&1
	rc=$?
}

# restart OUT EXPECT: a new allocation, so nothing comes from the caches
restart() {
	SCR_JOB_ID=alloc2 run 4 2 "$1" -- "$APP" "${args[@]}" --expect-restart "$2" ||
		{ show "$1"; fail "restart '$1' failed (expected step $2)"; }
}

no_index_entry() {
	"$SCR_INDEX" --prefix "$T/prefix" --list >"$T/out/list" 2>&1 || { show list; fail "--list failed"; }
	expect_not_in list 'ckpt\.9' "(a failed --build must not add it)"
	[ ! -e "$T/prefix/.scr/scr.dataset.$ID/summary.scr" ] || fail "a failed --build wrote a summary"
}

reference 4 2 "${args[@]}"

for scheme in XOR RS PARTNER; do
	lost=(node1) rebuilt='2 \(2,3\)'
	[ $scheme = RS ] && lost=(node1 node2) rebuilt='4 \(2-5\)'
	note "$scheme: ${lost[*]} lost, survivors gathered, rebuilt offline"
	fresh $scheme "${lost[@]}"
	build build
	[ $rc -eq 0 ] || { show build; fail "$scheme: --build exited $rc"; }
	expect_in build "dataset 3 'ckpt\.9' rebuilt .*\($scheme, 8 ranks\)"
	expect_in build "ranks rebuilt: $rebuilt"
	expect_in build 'files: +16'
	expect_in build "a restart will use 'ckpt\.9'"
	restart second 9
	expect_in second 'restarted from step 9'
	same_result reference second
done

note "XOR, two nodes lost: beyond XOR, --build refuses and the index stays as it was"
fresh XOR node1 node2
build lost2
[ $rc -eq 1 ] || { show lost2; fail "--build with two lost nodes exited $rc, not 1"; }
expect_in lost2 'the files of ranks 2-5 are lost'
expect_in lost2 'more ranks of a set were lost than XOR tolerates'
expect_not_in lost2 'rebuilt in'
no_index_entry
restart lost2-restart 0
expect_not_in lost2-restart 'restarted from step 9'
same_result reference lost2-restart

note "XOR, one node lost and a gathered redundancy file damaged: refused"
fresh XOR node1
red4=$T/prefix/.scr/scr.dataset.$ID/red/red.4
flip_byte "$red4" $(($(stat -c %s "$red4") / 2))
build flipx
[ $rc -eq 1 ] || { show flipx; fail "--build with a damaged red.4 exited $rc, not 1"; }
expect_in flipx "red\.4' is damaged or not scr's \(checksum mismatch\): not used"
# rank 2's set {0,2,4,6} lost rank 2 and rank 4's parity: rank 3's set is whole
expect_in flipx 'the files of rank 2 are lost'
no_index_entry
restart flipx-restart 0
expect_not_in flipx-restart 'restarted from step 9'
same_result reference flipx-restart

note "RS, one node lost and a gathered redundancy file damaged: rebuilt from the others"
fresh RS node1
red4=$T/prefix/.scr/scr.dataset.$ID/red/red.4
flip_byte "$red4" $(($(stat -c %s "$red4") / 2))
build flipr
[ $rc -eq 0 ] || { show flipr; fail "RS --build with a damaged red.4 exited $rc"; }
expect_in flipr "red\.4' is damaged or not scr's \(checksum mismatch\): not used"
expect_in flipr 'ranks rebuilt: 2 \(2,3\)'
restart flipr-restart 9
same_result reference flipr-restart

note "usage and missing redundancy files"
for bad in 0 -1 x 3x 99999999999; do
	"$SCR_INDEX" --prefix "$T/prefix" --build "$bad" >"$T/out/bad" 2>&1
	rc=$?
	[ $rc -eq 2 ] || { show bad; fail "--build '$bad' exited $rc, not 2"; }
	expect_in bad 'not a dataset id'
done
"$SCR_INDEX" --prefix "$T/prefix" --build 7 >"$T/out/nored" 2>&1
rc=$?
[ $rc -eq 1 ] || { show nored; fail "--build of a dataset without redundancy files exited $rc, not 1"; }
expect_in nored 'no redundancy directory'
"$SCR_INDEX" --prefix "$T/prefix" --build 3 --drop ckpt.9 >"$T/out/both" 2>&1
[ $? -eq 2 ] || { show both; fail "--build with --drop was not a usage error"; }
echo "offline rebuild ok"
