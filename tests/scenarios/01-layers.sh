# The layers, as the includes show them: interpose/ -> core/ -> redundancy/
# -> core/base/; core/base/ stands alone; redundancy/ sees only itself and
# the base; cmds/ sees core/base/ and redundancy's MPI-free kernels only. The Makefile gives each
# folder only those include paths, so the compiler refuses a wrong include;
# this script states the rule for a reader and checks what the compiler
# cannot: no MPI in the base and the commands, nothing naming interpose/.
# Inside interpose/, only the agreement and lifecycle (agree.c) and the MPI
# wrappers (mpi.c) talk MPI, and the bookkeeping (book.c) stands alone.
set -u
cd "$(dirname "$0")/../.."
bad=0
complain() { echo "layering: $*" >&2; bad=1; }

includes() {   # file -> the "quoted" includes, one per line
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

for f in redundancy/*.[ch]; do
	for h in $(includes "$f"); do
		case $h in */*) complain "$f includes '$h' from outside redundancy/ and core/base/"; continue;; esac
		[ -e "redundancy/$h" ] || [ -e "core/base/$h" ] ||
			complain "$f includes '$h' from outside redundancy/ and core/base/"
	done
done

for f in core/base/*.[ch]; do
	for h in $(includes "$f"); do
		[ -e "core/base/$h" ] || complain "$f includes '$h' from outside core/base/"
	done
done

for f in core/base/*.c cmds/*.c cmds/lib/*.c; do
	[ -f "$f" ] || continue
	grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<mpi\.h>' "$f" && complain "$f includes <mpi.h>"
	for h in $(includes "$f"); do
		case $h in
		state.h|redundancy.h|scr.h) complain "$f includes '$h' (MPI library internals)";;
		esac
	done
done

for f in core/*.[ch] core/base/*.[ch] redundancy/*.[ch] cmds/*.[ch] cmds/lib/*.[ch]; do
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
