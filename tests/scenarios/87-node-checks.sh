# Node checks without a cluster: scr_check_node on good storage, on a
# read-only mount, on a file where a directory must be, on a tmpfs too
# small or full; scr_list_down_nodes over simulated nodes (pdsh's exec
# module standing in for the nodes) with a broken node, an excluded one, a
# silent one and SLURM states from a stand-in sinfo; scr_env; scr_flush_file
# on the caches of a real MPI run, flushed and not, with damaged filemaps
# and index; scr_prerun on usable and too few nodes, clearing a previous
# allocation's halt state.
. "$(dirname "$0")/../lib/harness.sh"

B=$BUILD/bin
CHECK=$B/scr_check_node
node=$(hostname)

# cmd NAME COMMAND...: run it, output to $T/out/NAME, status in $rc
cmd() {
	local name=$1; shift
	"$@" >"$T/out/$name" 2>&1
	rc=$?
}
expect_rc() {   # name status
	[ "$rc" -eq "$2" ] || { show "$1"; fail "'$1' exited $rc, expected $2"; }
}
last_line() { tail -n 1 "$T/out/$1"; }
# in a private mount namespace, so nothing outlives the test
private_mounts() { unshare --mount --propagation private bash -c "$@"; }
unshare --mount --propagation private true 2>/dev/null ||
	fail "cannot create a mount namespace (unshare): run as root"

note "scr_check_node: good storage, and nothing left behind"
mkdir -p "$T/good" "$T/gcntl"
cmd good "$CHECK" --cache "$T/good" --cntl "$T/gcntl"
expect_rc good 0
[ "$(last_line good)" = "$node: ok" ] || { show good; fail "last line is not '$node: ok'"; }
expect_in good "^cache base '$T/good': ok \\(exists\\)"
expect_in good "cache dir '$T/good/$(id -un)/scr.alloc1/$node/cache': ok \\(created\\)"
expect_in good "read back and removed"
expect_in good "^control dir '$T/gcntl/$(id -un)/scr.alloc1/$node/cntl': ok"
left=$(find "$T/good" "$T/gcntl" -mindepth 1)
[ -z "$left" ] || fail "the check left files behind: $left"
# a missing base is created (and removed again)
cmd create "$CHECK" --cache "$T/new/base" --cntl "$T/gcntl" --quiet
expect_rc create 0
[ "$(out create)" = "$node: ok" ] || { show create; fail "--quiet printed more than the last line"; }
[ ! -e "$T/new" ] || fail "the check left '$T/new' behind"
# the configured bases: SCR_CACHE_BASE / SCR_CNTL_BASE, the node name
SCR_NODE_NAME=sim7 cmd conf "$CHECK"
expect_rc conf 0
expect_in conf "^cache dir '$SCR_CACHE_BASE/$(id -un)/scr.alloc1/sim7/cache': ok"
[ "$(last_line conf)" = "sim7: ok" ] || { show conf; fail "node name not from SCR_NODE_NAME"; }

note "scr_check_node: a read-only mount"
mkdir -p "$T/ro"
cmd ro private_mounts "mount --bind '$T/ro' '$T/ro' && mount -o remount,bind,ro '$T/ro' &&
	'$CHECK' --cache '$T/ro' --cntl '$T/gcntl'"
expect_rc ro 1
last_line ro | grep -q "^$node: FAIL: cannot create the job's cache directory '$T/ro/.*': Read-only file system.*remount it read-write" ||
	{ show ro; fail "no read-only reason"; }
# the control base is checked on its own
expect_in ro "^control dir .*: ok"
# read-only with the job's directory already there: the test file fails
mkdir -p -m 700 "$T/ro2/$(id -un)" && mkdir -p "$T/ro2/$(id -un)/scr.alloc1/$node/cache"
cmd ro2 private_mounts "mount --bind '$T/ro2' '$T/ro2' && mount -o remount,bind,ro '$T/ro2' &&
	'$CHECK' --cache '$T/ro2' --cntl '$T/gcntl' --quiet"
expect_rc ro2 1
expect_in ro2 "^$node: FAIL: cannot create a test file in '$T/ro2/.*/cache': Read-only file system"
# a read-only control base fails the node as well
cmd rocntl private_mounts "mount --bind '$T/ro' '$T/ro' && mount -o remount,bind,ro '$T/ro' &&
	'$CHECK' --cache '$T/good' --cntl '$T/ro' --quiet"
expect_rc rocntl 1
expect_in rocntl "^$node: FAIL: cannot create the job's control directory '$T/ro/"

note "scr_check_node: a file where a directory must be"
touch "$T/afile"
cmd file "$CHECK" --cache "$T/afile" --cntl "$T/gcntl" --quiet
expect_rc file 1
expect_in file "^$node: FAIL: cache base '$T/afile': '$T/afile' is not a directory: remove the file that is in the way"
mkdir -p -m 700 "$T/jobfile/$(id -un)" && mkdir -p "$T/jobfile/$(id -un)/scr.alloc1"
touch "$T/jobfile/$(id -un)/scr.alloc1/$node"
cmd jobfile "$CHECK" --cache "$T/jobfile" --cntl "$T/gcntl" --quiet
expect_rc jobfile 1
expect_in jobfile "FAIL: cannot create the job's cache directory .*Not a directory at '$T/jobfile/$(id -un)/scr.alloc1/$node'"
# through the configuration: SCR_CACHE_BASE is named as the fix
SCR_CACHE_BASE=$T/afile cmd fileconf "$CHECK" --quiet
expect_rc fileconf 1
expect_in fileconf "or set SCR_CACHE_BASE to another directory"

note "scr_check_node: free space"
cmd free "$CHECK" --cache "$T/good" --cntl "$T/gcntl" --free 1000000TB
expect_rc free 1
expect_in free "^$node: FAIL: only .* free in cache base '$T/good', 976.6 PiB needed \\(--free\\): free space there, lower --free"
cmd freeok "$CHECK" --cache "$T/good" --cntl "$T/gcntl" --free 1MB
expect_rc freeok 0
expect_in freeok "free, 1.0 MiB needed\\)"
SCR_CACHE_BYTES=1000000TB cmd cachebytes "$CHECK" --quiet
expect_rc cachebytes 1
expect_in cachebytes "needed \\(SCR_CACHE_BYTES\\): free space there, lower SCR_CACHE_BYTES"
# a tmpfs smaller than asked for, and a full one
mkdir -p "$T/small"
cmd small private_mounts "mount -t tmpfs -o size=4m tmpfs '$T/small' &&
	'$CHECK' --cache '$T/small' --cntl '$T/gcntl' --free 16MB --quiet"
expect_rc small 1
expect_in small "FAIL: only [0-9.]+ MiB free in cache base '$T/small', 16.0 MiB needed"
cmd full private_mounts "mount -t tmpfs -o size=1m tmpfs '$T/small' &&
	mkdir -m 700 '$T/small/$(id -un)' && mkdir -p '$T/small/$(id -un)/scr.alloc1/$node/cache' &&
	{ dd if=/dev/zero of='$T/small/fill' bs=64k 2>/dev/null; true; } &&
	'$CHECK' --cache '$T/small' --cntl '$T/gcntl' --quiet"
expect_rc full 1
expect_in full "FAIL: cannot write a test file in '$T/small/.*': No space left on device: free space there"

note "scr_check_node: every CACHE descriptor, with its BYTES"
mkdir -p "$T/c1" "$T/c2"
cat >"$T/two.conf" <<EOF
CACHEDIR=$T/c1
CACHEDIR=$T/c2 BYTES=1000000TB
EOF
SCR_CONF_FILE=$T/two.conf cmd desc "$CHECK"
expect_rc desc 1
expect_in desc "^cache base '$T/c1': ok"
expect_in desc "^cache base '$T/c2': ok"
expect_in desc "FAIL: only .* free in cache base '$T/c2', .* needed \\(the BYTES of its CACHE descriptor\\).*point its CACHE descriptor at a larger one"
expect_not_in desc "FAIL: .*'$T/c1'"

note "scr_check_node: usage"
for bad in "--free lots" "--cache" "--bogus" "extra"; do
	cmd usage "$CHECK" $bad
	expect_rc usage 2
done
cmd help "$CHECK" --help
expect_rc help 0
expect_in help '^usage: scr_check_node'

note "scr_list_down_nodes: simulated nodes, one broken, one excluded"
export SCR_NODELIST='node[0-4]'
# node0..node4 are processes here, told apart by SCR_NODE_NAME; "slow" never
# answers and "gone" cannot be reached
cat >"$T/remote" <<'EOF'
#!/bin/bash
node=$1; shift
case $node in
slow) exec sleep 60 ;;
gone) echo "ssh: connect to host gone port 22: No route to host" >&2; exit 255 ;;
esac
SCR_NODE_NAME=$node exec "$@"
EOF
chmod +x "$T/remote"
export SCR_REMOTE="$T/remote %h" SCR_PDSH_TIMEOUT=5
mkdir -p -m 700 "$SCR_CACHE_BASE/$(id -un)" && mkdir -p "$SCR_CACHE_BASE/$(id -un)/scr.alloc1"
touch "$SCR_CACHE_BASE/$(id -un)/scr.alloc1/node2"   # node2's cache dir cannot be made
LDN=$B/scr_list_down_nodes
cmd ldn "$LDN"
expect_rc ldn 0
[ "$(out ldn)" = node2 ] || { show ldn; fail "expected node2 down"; }
cmd ldnr "$LDN" --reason
expect_rc ldnr 0
[ "$(wc -l <"$T/out/ldnr")" = 1 ] || { show ldnr; fail "expected one reason line"; }
expect_in ldnr "^node2: cannot create the job's cache directory '$SCR_CACHE_BASE/.*/node2/cache': Not a directory"
SCR_EXCLUDE_NODES='node[3-4]' SCR_LOG_ENABLE=1 cmd excl "$LDN"
[ "$(out excl)" = 'node[2-4]' ] || { show excl; fail "expected node[2-4] down with SCR_EXCLUDE_NODES"; }
# with the event log on, the nodes found down are an event, with why
grep -qE " event=nodes_down .* nodes=node\[2-4\] reason=node2:%20cannot%20create.*node3:%20excluded%20by%20SCR_EXCLUDE_NODES" \
	"${SCR_PREFIX:-$PWD}/.scr/log" || fail "no nodes_down event in '${SCR_PREFIX:-$PWD}/.scr/log'"
SCR_EXCLUDE_NODES='node[3-4]' cmd exclr "$LDN" --reason --skip-check
expect_rc exclr 0
[ "$(out exclr)" = "node3: excluded by SCR_EXCLUDE_NODES
node4: excluded by SCR_EXCLUDE_NODES" ] || { show exclr; fail "--skip-check --reason"; }
rm "$SCR_CACHE_BASE/$(id -un)/scr.alloc1/node2"
cmd none "$LDN"
expect_rc none 0
[ "$(out none)" = "" ] && [ "$(wc -l <"$T/out/none")" = 1 ] || { show none; fail "expected one empty line"; }
cmd noner "$LDN" --reason
[ ! -s "$T/out/noner" ] || { show noner; fail "--reason printed something with no node down"; }
# --free reaches every node's check
cmd ldnfree "$LDN" --free 1000000TB --reason 'node[0-1]'
[ "$(grep -c 'needed (--free)' "$T/out/ldnfree")" = 2 ] || { show ldnfree; fail "--free not passed on"; }
cmd ldnbad "$LDN" --free lots
expect_rc ldnbad 2
# nodes that do not answer, bounded by SCR_PDSH_TIMEOUT
start=$SECONDS
cmd silent "$LDN" --reason 'node1,slow,gone'
expect_rc silent 0
[ $((SECONDS - start)) -lt 30 ] || fail "SCR_PDSH_TIMEOUT=5 did not bound the check ($((SECONDS - start)) s)"
expect_in silent "^slow: did not answer scr_check_node within SCR_PDSH_TIMEOUT=5s"
expect_in silent "^gone: scr_check_node did not run there: .*No route to host"
expect_not_in silent "^node1"
cmd silentl "$LDN" 'node1,slow,gone'
[ "$(out silentl)" = "gone,slow" ] || { show silentl; fail "expected gone,slow"; }
cmd badlist "$LDN" 'node[1-'
expect_rc badlist 1
SCR_EXCLUDE_NODES='x[' cmd badexcl "$LDN" --skip-check
expect_rc badexcl 1
expect_in badexcl "SCR_EXCLUDE_NODES"

note "scr_list_down_nodes: SLURM's states (a stand-in sinfo)"
mkdir -p "$T/fakebin"
cat >"$T/fakebin/sinfo" <<'EOF'
#!/bin/sh
# sinfo -h -N -n LIST -o '%N %t %E'
echo "node0 idle none"
echo "node1 down* Not responding"
echo "node2 drng maintenance window"
echo "node3 mix none"
echo "node4 idle* none"
echo "other down none"
EOF
cat >"$T/fakebin/squeue" <<'EOF'
#!/bin/sh
# squeue -h -j JOBID -o %e
[ "$3" = 4242 ] && echo 2030-01-02T03:04:05 || echo N/A
EOF
chmod +x "$T/fakebin/sinfo" "$T/fakebin/squeue"
SLURM_JOB_ID=4242 PATH=$T/fakebin:$PATH cmd slurm "$LDN" --reason
expect_rc slurm 0
[ "$(out slurm)" = "node1: SLURM state down* (not responding): Not responding
node2: SLURM state drng: maintenance window
node4: SLURM state idle* (not responding)" ] || { show slurm; fail "SLURM states"; }
SLURM_JOB_ID=4242 PATH=$T/fakebin:$PATH cmd slurml "$LDN"
[ "$(out slurml)" = "node[1-2,4]" ] || { show slurml; fail "SLURM states as a hostlist"; }
# outside a job SLURM is not asked
PATH=$T/fakebin:$PATH cmd noslurm "$LDN" --skip-check
[ "$(out noslurm)" = "" ] || { show noslurm; fail "sinfo asked outside a job"; }

note "scr_env"
mkdir -p "$T/prefix/.scr"
echo 'node[0-1,3]' >"$T/prefix/.scr/runnodes"
SLURM_JOB_ID=4242 SLURM_JOB_NODELIST='node[0-4]' SCR_JOB_ID= PATH=$T/fakebin:$PATH cmd env "$B/scr_env"
expect_rc env 0
[ "$(out env)" = "JOBID=4242
NODES=node[0-4]
DOWN=node[1-2,4]
RUNNODES=node[0-1,3]
PREFIX=$T/prefix
ENDTIME=$(date -d 2030-01-02T03:04:05 +%s)
USER=$(id -un)" ] || { show env; fail "scr_env without options"; }
SCR_USER_NAME=someone SCR_END_TIME=1234 cmd envsome "$B/scr_env" --user --jobid --endtime --runnodes
[ "$(out envsome)" = "someone
alloc1
1234
node[0-1,3]" ] || { show envsome; fail "scr_env with options"; }
rm "$T/prefix/.scr/runnodes"
SCR_END_TIME= cmd envnone "$B/scr_env" --runnodes --endtime
[ "$(wc -l <"$T/out/envnone")" = 2 ] && [ -z "$(out envnone)" ] ||
	{ show envnone; fail "unknown values are not empty lines"; }
cmd envbad "$B/scr_env" --nope
expect_rc envbad 2

note "scr_prerun: usable and bad nodes, SCR_MIN_NODES"
PRERUN=$B/scr_prerun
rm -rf "$T/prefix/.scr"
touch "$SCR_CACHE_BASE/$(id -un)/scr.alloc1/node2"
cmd pre "$PRERUN"
expect_rc pre 0
[ -d "$T/prefix/.scr" ] || fail "scr_prerun did not create the prefix's .scr"
expect_in pre "prefix directory $T/prefix \\(created $T/prefix/.scr\\)"
expect_in pre '^scr_prerun: 5 node\(s\) in the allocation: node\[0-4\]$'
expect_in pre '^scr_prerun: usable: 4 node\(s\): node\[0-1,3-4\]$'
expect_in pre '^scr_prerun: bad: 1 node\(s\): node2$'
expect_in pre "^scr_prerun:   node2: cannot create the job's cache directory .*Not a directory"
expect_in pre '^scr_prerun: ready: 4 usable node\(s\), 1 needed$'
SCR_MIN_NODES=4 cmd pre4 "$PRERUN"
expect_rc pre4 0
SCR_MIN_NODES=5 cmd pre5 "$PRERUN"
expect_rc pre5 1
expect_in pre5 'too few usable nodes: 4, 5 needed \(SCR_MIN_NODES=5\)'
SCR_EXCLUDE_NODES='node[0-4]' cmd pre0 "$PRERUN"
expect_rc pre0 1
expect_in pre0 'usable: 0 node\(s\)$'
expect_in pre0 'too few usable nodes: 0, 1 needed'
rm "$SCR_CACHE_BASE/$(id -un)/scr.alloc1/node2"
SCR_NODELIST='node1,slow' cmd preslow "$PRERUN" --free 1KB
expect_rc preslow 0
expect_in preslow "slow: did not answer scr_check_node within SCR_PDSH_TIMEOUT=5s"
cmd preusage "$PRERUN" --bogus
expect_rc preusage 2

note "scr_prerun: the halt state a previous allocation left"
HALT=$B/scr_halt
[ -x "$HALT" ] || fail "scr_halt is not built"
for why in "SCR_Finalize called" "checkpoints left reached 0" "allocation ends at 12:00: 60 s left"; do
	"$HALT" --checkpoints 0 --reason "$why" >/dev/null || fail "scr_halt cannot set conditions"
	"$HALT" --check >/dev/null || fail "the halt conditions do not hold"
	cmd prehalt "$PRERUN"
	expect_rc prehalt 0
	expect_in prehalt "cleared the halt reason a previous run left: $why"
	expect_in prehalt 'cleared the checkpoint count a previous run left at 0'
	expect_not_in prehalt 'still holds'
	! "$HALT" --check >/dev/null || fail "a halt condition still holds after scr_prerun ($why)"
done
# a reason a user set stays, and is shown
"$HALT" --checkpoints 0 --reason "stopped by hand" >/dev/null || fail "scr_halt cannot set conditions"
cmd preuser "$PRERUN"
expect_rc preuser 0
expect_not_in preuser 'cleared the halt reason'
expect_in preuser 'cleared the checkpoint count a previous run left at 0'
expect_in preuser 'a halt condition still holds: stopped by hand: the first run will stop at once'
"$HALT" --list | grep -q '^  exit reason  *stopped by hand$' || fail "scr_prerun cleared a user's reason"
"$HALT" --remove >/dev/null
# what does not stop the job at once stays; a time that does is warned about
"$HALT" --checkpoints 3 --after @1000 >/dev/null
cmd prekeep "$PRERUN"
expect_rc prekeep 0
expect_not_in prekeep 'cleared'
expect_in prekeep 'a halt condition still holds: .*the first run will stop at once'
"$HALT" --list | grep -q '^  checkpoints left  3$' || fail "scr_prerun changed a checkpoint count above 0"
# a damaged halt file is reported, not fatal
echo garbage >"$T/prefix/.scr/halt.scr"
cmd prebad "$PRERUN"
expect_rc prebad 0
expect_in prebad "cannot read the halt file: .*scr_halt --remove"
"$HALT" --remove >/dev/null
cmd prenone "$PRERUN"
expect_not_in prenone 'halt'

note "scr_flush_file: the caches of a real run"
unset SCR_REMOTE SCR_NODELIST
FF=$B/scr_flush_file
args=(--steps 12 --every 3 --files 2 --bytes 100000)
SCR_FLUSH=0 run 2 2 first -- "$APP" "${args[@]}" --die-at 9 && fail "the killed run exited 0"
expect_in first 'checkpoint at step 9'
SCR_NODE_NAME=node0 cmd list "$FF" --list
expect_rc list 0
expect_in list '^DSET KIND +COMPLETE FLUSHED +RANKS +NAME$'
expect_in list '^ +3 checkpoint +yes +no +0-1 +ckpt\.9$'
expect_in list '^ +2 checkpoint +yes +no +0-1 +ckpt\.6$'
expect_not_in list 'ckpt\.3'   # evicted (SCR_CACHE_SIZE 2)
SCR_NODE_NAME=node1 cmd list1 "$FF"
expect_in list1 '^ +3 checkpoint +yes +no +2-3 +ckpt\.9$'
[ "$(SCR_NODE_NAME=node1 "$FF" --latest)" = 3 ] || fail "--latest is not 3"
SCR_NODE_NAME=node1 cmd need3 "$FF" --needflush 3
expect_rc need3 0
SCR_NODE_NAME=node1 cmd need1 "$FF" --needflush 1
expect_rc need1 1
expect_in need1 'not cached'
SCR_NODE_NAME=node1 cmd needbad "$FF" --needflush 0
expect_rc needbad 2
SCR_NODE_NAME=node1 cmd two "$FF" --latest --list
expect_rc two 2
# another prefix's view of the same cache
mkdir -p "$T/other"
SCR_NODE_NAME=node0 cmd otherp "$FF" --prefix "$T/other"
expect_in otherp '^ +3 checkpoint +yes +other-prefix'
SCR_NODE_NAME=node0 cmd otherneed "$FF" --prefix "$T/other" --needflush 3
expect_rc otherneed 1
SCR_NODE_NAME=node0 cmd otherlatest "$FF" --prefix "$T/other" --latest
expect_rc otherlatest 1
# another job, a node without caches
SCR_NODE_NAME=node0 cmd otherjob "$FF" --jobid alloc9
expect_rc otherjob 0
expect_in otherjob "no datasets cached on node 'node0'"
SCR_NODE_NAME=node0 cmd nolatest "$FF" --jobid alloc9 --latest
expect_rc nolatest 1

note "scr_flush_file: after a flush"
# the restart runs on to step 12 and SCR_Finalize flushes its newest checkpoint
expect_ok second 2 2 second -- "$APP" "${args[@]}" --expect-restart 9
SCR_NODE_NAME=node0 cmd flushed "$FF"
expect_in flushed '^ +4 checkpoint +yes +yes +0-1 +ckpt\.12$'
latest=$(SCR_NODE_NAME=node0 "$FF" --latest)
[ "$latest" = 4 ] || fail "--latest after the flush is '$latest', not 4"
SCR_NODE_NAME=node0 cmd need4 "$FF" --needflush 4
expect_rc need4 1
expect_in need4 'complete in the prefix index'
# checkpoint 3 is still cached and never flushed, but 4 supersedes it
SCR_NODE_NAME=node0 cmd need3old "$FF" --needflush 3
expect_rc need3old 1
expect_in need3old 'checkpoint 3 is older than checkpoint 4, complete in the prefix index'

note "scr_flush_file: damaged index and filemaps"
cp "$T/prefix/.scr/index.scr" "$T/index.good"
flip_byte "$T/prefix/.scr/index.scr" 30
SCR_NODE_NAME=node0 cmd badindex "$FF"
expect_rc badindex 0
expect_in badindex "cannot read the prefix index '$T/prefix/.scr/index.scr'"
expect_in badindex '^ +4 checkpoint +yes +\? '
SCR_NODE_NAME=node0 cmd badneed "$FF" --needflush 4
expect_rc badneed 0
expect_in badneed 'taking dataset 4 as not flushed'
echo garbage >"$T/prefix/.scr/index.scr"
SCR_NODE_NAME=node0 cmd garbage "$FF"
expect_rc garbage 0
expect_in garbage "cannot read the prefix index"
cp "$T/index.good" "$T/prefix/.scr/index.scr"
fm=$(cntl_of node0)/filemap_0.scr
flip_byte "$fm" 40
SCR_NODE_NAME=node0 cmd badmap "$FF"
expect_rc badmap 0
expect_in badmap "ignoring filemap '$fm'"
expect_in badmap '^ +4 checkpoint +yes +yes +1 +ckpt\.12$'   # rank 1's map still counts
head -c 20 "$T/index.good" >"$fm"
SCR_NODE_NAME=node0 cmd shortmap "$FF" --needflush 4
expect_rc shortmap 1
expect_in shortmap "ignoring filemap '$fm'"
: >"$(cntl_of node0)/filemap_1.scr"
: >"$fm"
SCR_NODE_NAME=node0 cmd nomaps "$FF" --latest
expect_rc nomaps 1
expect_in nomaps "ignoring filemap"
mv "$(cntl_of node0)" "$T/cntl.moved"
touch "$(cntl_of node0)"
SCR_NODE_NAME=node0 cmd cntlfile "$FF"
expect_rc cntlfile 1
expect_in cntlfile "is not a directory"
for f in badindex badneed garbage badmap shortmap nomaps cntlfile; do
	expect_not_in "$f" 'Segmentation|Aborted|core dumped'
done

echo "node checks ok"
