# The SCR API's contract call by call (tests/mpi/api_semantics.c): phases,
# routing, agreement on validity, SCR_Config, Need_checkpoint, Current, Drop,
# Delete; then a restart in a new allocation of the same prefix.
. "$(dirname "$0")/../lib/harness.sh"

expect_ok write 2 2 write -- "$BUILD/tests/mpi/api_semantics" write
expect_in write 'api_semantics: [0-9]+ checks, 0 failed'
expect_in write "is not under the prefix directory"
expect_in write "incomplete or invalid on some rank"
rm -f /tmp/scr-api-semantics-*

rm -rf "$T/cache" "$T/cntl"
export SCR_JOB_ID=alloc2
expect_ok restart 2 2 restart -- "$BUILD/tests/mpi/api_semantics" restart
expect_in restart 'api_semantics: [0-9]+ checks, 0 failed'
echo "api semantics ok"
