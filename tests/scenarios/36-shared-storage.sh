# Node-local storage shared with other users (/dev/shm is world-writable):
# scr keeps everything in a per-user directory it verifies. A real second
# user (created here, removed at exit) plants that directory first: open to
# all, a symbolic link; the base loses its sticky bit; a directory above the
# base belongs to that user; the directory is scr's own but open. Each time the job steps aside with a message naming
# the path, what was found and the fix, writes its files where it names
# them (nothing into the planted directory) and gets the right answer.
. "$(dirname "$0")/../lib/harness.sh"
me=$(id -un)
evil=screvil$$
shared=$(mktemp -d /dev/shm/scr-shared.XXXXXX)
useradd --no-create-home --shell /usr/sbin/nologin "$evil" || fail "cannot create user '$evil'"
trap 'userdel "$evil" 2>/dev/null; rm -rf "$shared"; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
chmod 1777 "$shared"
args=(--steps 6 --every 2 --bytes 50000)
reference 2 2 "${args[@]}"

# steps_aside NAME PATTERN: a run on the shared base (or $base) refused it,
# said PATTERN, wrote its checkpoints in place and still got the answer
steps_aside() {
	local base=${base:-$shared}
	rm -rf "$T/prefix"/* "$T/prefix/.scr"
	SCR_CACHE_BASE=$base SCR_CNTL_BASE=$base expect_ok "$1" 2 2 "$1" -- "$APP" "${args[@]}"
	expect_in "$1" "$2"
	expect_in "$1" "scr is disabled for this run"
	same_result reference "$1"
	[ -s "$T/prefix/ckpt.6/rank_3.0.dat" ] || fail "$1: the checkpoint is not at its real path"
}

note "another user created your directory in the shared base, open to all"
runuser -u "$evil" -- mkdir -m 777 "$shared/$me"
steps_aside planted "'$shared/$me' belongs to user '$evil' .*, not to you"
[ -z "$(ls -A "$shared/$me")" ] || fail "scr wrote into the directory another user planted"

note "another user planted a symbolic link to a directory of theirs"
rm -rf "${shared:?}/$me"
runuser -u "$evil" -- mkdir -m 777 "$shared/evil-target"
runuser -u "$evil" -- ln -s "$shared/evil-target" "$shared/$me"
steps_aside symlink "'$shared/$me' is a symbolic link"
[ -z "$(ls -A "$shared/evil-target")" ] || fail "scr followed the planted link"

note "the base is writable by all without the sticky bit"
rm -rf "${shared:?}/$me" "$shared/evil-target"
chmod 0777 "$shared"
steps_aside nosticky "'$shared' is writable by every user and lacks the sticky bit"
chmod 1777 "$shared"

note "a directory above the base belongs to another user"
runuser -u "$evil" -- mkdir -m 777 "$shared/evil-parent"
mkdir -m 755 "$shared/evil-parent/base"
base=$shared/evil-parent/base steps_aside evilparent \
	"'$shared/evil-parent' belongs to user '$evil' .*replace your directory below it"
[ -z "$(ls -A "$shared/evil-parent/base")" ] || fail "scr used a base below another user's directory"
rm -rf "${shared:?}/evil-parent"

note "your own directory, open to others"
rm -rf "${shared:?}/$me"
mkdir -m 755 "$shared/$me"
steps_aside openmode "'$shared/$me' has mode 755.*chmod 700"

note "a private directory: used, and made 0700"
rm -rf "${shared:?}/$me" "$T/prefix"/* "$T/prefix/.scr"
SCR_CACHE_BASE=$shared SCR_CNTL_BASE=$shared expect_ok private 2 2 private -- "$APP" "${args[@]}"
expect_not_in private "disabled"
same_result reference private
[ "$(stat -c %a "$shared/$me")" = 700 ] || fail "the user directory is not 0700"
[ -n "$(find "$shared/$me" -name 'filemap_*.scr')" ] || fail "the private directory was not used"
# and below it, what scr creates is the user's alone too
open_state=$(find "$shared/$me" \( -name '*.scr' -type f ! -perm 600 \) -o \
	\( -name 'scr.dataset.*' -type d ! -perm 700 \))
[ -z "$open_state" ] || fail "state open to others below the private directory: $open_state"

note "transparent mode on a planted directory: the shim steps aside too"
rm -rf "${shared:?}/$me" "$T/prefix"/* "$T/prefix/.scr"
runuser -u "$evil" -- mkdir -m 777 "$shared/$me"
APP=$APPS/posix_app reference 2 2 "${args[@]}"
SCR_CACHE_BASE=$shared SCR_CNTL_BASE=$shared SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/' \
	run_tp 2 2 tp_planted -- "$APPS/posix_app" "${args[@]}" ||
	{ show tp_planted; fail "the application failed on a planted directory"; }
expect_in tp_planted "belongs to user '$evil'"
same_result reference tp_planted
[ -s "$T/prefix/ckpt/ckpt.6/rank_3.dat" ] || fail "the application's file is not at its real path"
[ -z "$(ls -A "$shared/$me")" ] || fail "the shim wrote into the planted directory"

note "scr_check_node fails the node and names the planted directory"
SCR_CACHE_BASE=$shared SCR_CNTL_BASE=$shared SCR_NODE_NAME=node0 \
	"$BUILD/bin/scr_check_node" >"$T/out/check" 2>&1 && { show check; fail "scr_check_node passed"; }
grep -q "FAIL: .*'$shared/$me' belongs to user '$evil'" "$T/out/check" ||
	{ show check; fail "scr_check_node does not name the planted directory"; }
rm -rf "${shared:?}/$me"
SCR_CACHE_BASE=$shared SCR_CNTL_BASE=$shared SCR_NODE_NAME=node0 \
	"$BUILD/bin/scr_check_node" >"$T/out/check_ok" 2>&1 || { show check_ok; fail "scr_check_node failed a good node"; }
echo "shared storage ok"
