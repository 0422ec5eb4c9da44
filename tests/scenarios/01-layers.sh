# The layers stay visible in the includes: redundancy/ knows nothing of
# core/, the MPI-free base and the commands never include MPI or the
# library's state, and nothing includes interpose/. Inside interpose/, only
# the agreement and lifecycle (agree.c) and the MPI wrappers (mpi.c) talk
# MPI, and the bookkeeping (book.c) stands alone.
set -u
cd "$(dirname "$0")/../.."
bad=0
complain() { echo "layering: $*" >&2; bad=1; }

includes() {   # file -> the "quoted" includes, one per line
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

for f in redundancy/*.[ch]; do
	for h in $(includes "$f"); do
		case $h in */*) complain "$f includes '$h' from outside redundancy/"; continue;; esac
		[ -e "redundancy/$h" ] || complain "$f includes '$h' from outside redundancy/"
	done
done

base=$(sed -n 's/^CORE_BASE_SRCS *:= *//p' core/module.mk | tr ' ' '\n' | grep '\.c$')
[ -n "$base" ] || complain "cannot read CORE_BASE_SRCS from core/module.mk"
for f in $base cmds/*.c; do
	[ -f "$f" ] || continue
	grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<mpi\.h>' "$f" && complain "$f includes <mpi.h>"
	for h in $(includes "$f"); do
		case $h in
		state.h|redundancy.h|scr.h) complain "$f includes '$h' (MPI library internals)";;
		esac
	done
done

for f in core/*.[ch] redundancy/*.[ch] cmds/*.[ch]; do
	[ -f "$f" ] || continue
	grep -q 'interpose/' "$f" && complain "$f refers to interpose/"
done
for f in interpose/*.[ch]; do
	case $f in interpose/agree.c|interpose/mpi.c) continue;; esac
	grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<mpi\.h>' "$f" && complain "$f includes <mpi.h> (only agree.c and mpi.c talk MPI)"
done
for h in $(includes interpose/book.c) $(includes interpose/book.h); do
	[ "$h" = book.h ] || complain "interpose/book.c includes '$h' (the bookkeeping stands alone)"
done
[ $bad -eq 0 ] && echo "layers ok"
exit $bad
