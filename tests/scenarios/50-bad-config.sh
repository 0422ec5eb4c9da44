# A bad configuration is reported clearly (file, line, key, what is allowed)
# and the job neither hangs nor loses its files: scr steps aside and the
# application's files go where it asked.
. "$(dirname "$0")/../lib/harness.sh"
MPI_LIMIT=60

note "bad value in the environment"
SCR_FLUSH=often expect_ok env 2 2 env -- "$APP" --steps 4 --every 2
expect_in env "SCR_FLUSH" "(names the key)"
expect_in env "often" "(names the value)"
expect_in env "scr is disabled for this run"
[ -s "$T/prefix/ckpt.4/rank_3.0.dat" ] || fail "pass-through run did not write its files in place"
[ ! -e "$T/cache" ] || [ -z "$(find "$T/cache" -type f)" ] || fail "pass-through run wrote to cache"
[ "$(grep -c 'SCR_FLUSH' "$T/out/env")" -le 2 ] || { show env; fail "the error is repeated by every rank"; }

note "unknown key in a config file"
printf '# test config\nSCR_FLUSH=2\nSCR_CACHE_SIZ=3\n' >"$T/bad.conf"
SCR_CONF_FILE=$T/bad.conf expect_ok file 2 2 file -- "$APP" --steps 4 --every 2
expect_in file "bad.conf" "(names the file)"
expect_in file "line 3|:3" "(names the line)"
expect_in file "SCR_CACHE_SIZ" "(names the key)"
expect_in file "SCR_CACHE_SIZE" "(suggests the right one)"

note "unreadable config file"
SCR_CONF_FILE=$T/does-not-exist.conf expect_ok missing 2 2 missing -- "$APP" --steps 2 --every 2
expect_in missing "does-not-exist.conf"

note "unusable cache directory"
touch "$T/not-a-dir"
SCR_CACHE_BASE=$T/not-a-dir/x expect_ok cache 2 2 cache -- "$APP" --steps 2 --every 2
expect_in cache "cannot create cache directory"
expect_in cache "SCR_CACHE_BASE"

note "SCR_ENABLE=0 on one node only: everyone steps aside, nobody hangs"
timeout -k 5 "$MPI_LIMIT" mpirun --allow-run-as-root --oversubscribe --mca btl self,vader \
	-np 2 env SCR_NODE_NAME=node0 SCR_ENABLE=0 "$APP" --steps 2 --every 2 : \
	-np 2 env SCR_NODE_NAME=node1 "$APP" --steps 2 --every 2 >"$T/out/split" 2>&1 ||
	{ show split; fail "a job with SCR_ENABLE=0 on some ranks failed or hung"; }
expect_in split "SCR_ENABLE=0 on some ranks"

note "SCR_ENABLE=0 is quiet pass-through"
SCR_ENABLE=0 expect_ok off 1 2 off -- "$APP" --steps 2 --every 2
expect_not_in off "error"
echo "bad config ok"
