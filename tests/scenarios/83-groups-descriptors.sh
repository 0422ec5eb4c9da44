# Failure groups and per-interval redundancy descriptors.
# - With NODE groups, XOR over 4 nodes is one set: losing node0 and node1
#   together is beyond it. With SCR_GROUP=POWER and GROUPS descriptors that
#   put node0+node1 on one power supply and node2+node3 on another, sets pair
#   a node of each supply, so losing a whole supply (node0 and node1) is
#   survived. The same through SCR_GROUP=ENV:RACK.
# - CKPT descriptors pick the scheme by checkpoint: XOR every checkpoint,
#   PARTNER every 3rd.
# - A group that is not defined for a node is a clear error, not a hang.
. "$(dirname "$0")/../lib/harness.sh"
args=(--steps 12 --every 3 --files 2 --bytes 60000)
reference 4 1 "${args[@]}"

lose_power_supply_1() {   # what runs on node0 and node1 is gone
	lose_node node0
	lose_node node1
}

note "NODE groups: XOR cannot survive two lost nodes of its set"
rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
SCR_COPY_TYPE=XOR SCR_FLUSH=0 run 4 1 node1 -- "$APP" "${args[@]}" --die-at 10
lose_power_supply_1
NODE_NAMES="spare0 spare1 node2 node3" SCR_COPY_TYPE=XOR SCR_FLUSH=0 \
	expect_ok node2 4 1 node2 -- "$APP" "${args[@]}" --expect-restart 0
expect_in node2 "XOR cannot rebuild dataset 3"

cat >"$T/groups.conf" <<'EOF'
SCR_COPY_TYPE=XOR
SCR_GROUP=POWER
GROUPS=node0 POWER=psu1
GROUPS=node1 POWER=psu1
GROUPS=node2 POWER=psu2
GROUPS=node3 POWER=psu2
GROUPS=spare0 POWER=psu1
GROUPS=spare1 POWER=psu1
EOF

note "POWER groups from GROUPS descriptors: a lost power supply is survived"
rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
SCR_CONF_FILE=$T/groups.conf SCR_FLUSH=0 run 4 1 psu1 -- "$APP" "${args[@]}" --die-at 10
lose_power_supply_1
NODE_NAMES="spare0 spare1 node2 node3" SCR_CONF_FILE=$T/groups.conf SCR_FLUSH=0 \
	expect_ok psu2 4 1 psu2 -- "$APP" "${args[@]}" --expect-restart 9
expect_in psu2 "rebuilt the files of 2 lost rank"
same_result reference psu2

note "groups from an environment variable (SCR_GROUP=ENV:RACK)"
rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
rack_run() {   # out names... : RACK=a for the first two nodes, b for the others
	local out=$1 names=($2) args_=() n
	shift 2
	for ((n = 0; n < 4; n++)); do
		[ $n -gt 0 ] && args_+=(:)
		args_+=(-np 1 env SCR_NODE_NAME=${names[n]} RACK=$([ $n -lt 2 ] && echo a || echo b) "$@")
	done
	timeout -k 5 "$MPI_LIMIT" mpirun --allow-run-as-root --oversubscribe \
		--mca btl self,vader --mca btl_vader_single_copy_mechanism none \
		"${args_[@]}" >"$T/out/$out" 2>&1
}
SCR_COPY_TYPE=XOR SCR_GROUP=ENV:RACK SCR_FLUSH=0 rack_run rack1 "node0 node1 node2 node3" \
	"$APP" "${args[@]}" --die-at 10
lose_power_supply_1
SCR_COPY_TYPE=XOR SCR_GROUP=ENV:RACK SCR_FLUSH=0 rack_run rack2 "spare0 spare1 node2 node3" \
	"$APP" "${args[@]}" --expect-restart 9 || { show rack2; fail "restart with RACK groups failed"; }
expect_in rack2 "rebuilt the files of 2 lost rank"
same_result reference rack2

note "a group without a value for a node is a clear error; scr steps aside and the job runs"
SCR_COPY_TYPE=XOR SCR_GROUP=ENV:NO_SUCH_VARIABLE_SET run 4 1 nogroup -- "$APP" "${args[@]}" ||
	{ show nogroup; fail "an undefined group broke the application"; }
expect_in nogroup "environment variable 'NO_SUCH_VARIABLE_SET' is not set"
same_result reference nogroup
head -n 4 "$T/groups.conf" >"$T/partial.conf"
SCR_CONF_FILE=$T/partial.conf run 4 1 partial -- "$APP" "${args[@]}" ||
	{ show partial; fail "a partial GROUPS table broke the application"; }
expect_in partial "failure group 'POWER' has no value for node 'node[123]'"
same_result reference partial

note "CKPT descriptors: XOR for every checkpoint, PARTNER for every 3rd"
cat >"$T/desc.conf" <<'EOF'
CKPT=0 INTERVAL=1 TYPE=XOR SET_SIZE=4
CKPT=1 INTERVAL=3 TYPE=PARTNER
EOF
rm -rf "$T/prefix"/* "$T/prefix/.scr" "$T/cache" "$T/cntl"
SCR_CONF_FILE=$T/desc.conf SCR_DEBUG=1 SCR_FLUSH=0 expect_ok desc 4 1 desc -- "$APP" "${args[@]}"
expect_in desc "dataset 1 protected by XOR"
expect_in desc "dataset 2 protected by XOR"
expect_in desc "dataset 3 protected by PARTNER"
expect_in desc "dataset 4 protected by XOR"
echo "groups and descriptors ok"
