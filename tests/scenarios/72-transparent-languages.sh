# Transparent mode for other languages and I/O libraries: stdio (restart
# found by listing the checkpoint directory and stat'ing every rank's file,
# which makes another node's files readable on demand), C++ streams and
# Fortran unformatted I/O.
. "$(dirname "$0")/../lib/harness.sh"
. "$TOP/tests/lib/transparent.sh"

check_app stdio stdio_app
check_app cxx cxx_app
check_app fortran fortran_app
echo "transparent apps in other languages ok"
