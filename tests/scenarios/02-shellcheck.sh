# The shell commands are clean under shellcheck (installed by make deps),
# following the library they source; a machine without it says so and
# passes, as make check's other steps do not depend on it.
set -u
cd "$(dirname "$0")/../../cmds/scripts" || exit 1
if ! command -v shellcheck >/dev/null; then
	echo "shellcheck is not installed (Debian package shellcheck): skipped"
	exit 0
fi
shellcheck -x scr_* lib/*.sh || { echo "FAIL: shellcheck found problems (above)" >&2; exit 1; }
echo "shellcheck ok"
