# make install lays out lib/, include/scr.h, bin/, man pages and a pkg-config
# file; a program written against the SCR API builds from the installed
# files alone and runs.
. "$(dirname "$0")/../lib/harness.sh"

inst=$T/inst
make -s -C "$TOP" install PREFIX="$inst" >"$T/out/install" 2>&1 || { show install; fail "make install failed"; }
for f in lib/libscr.so include/scr.h bin/scr_index share/man/man1/scr_index.1 lib/pkgconfig/scr.pc; do
	[ -e "$inst/$f" ] || fail "install lacks $f"
done
man -l "$inst/share/man/man1/scr_index.1" >/dev/null 2>&1 || [ ! -x "$(command -v man)" ] || fail "scr_index.1 does not render"
"$inst/bin/scr_index" --help | grep -q -- '--current' || fail "scr_index --help lacks --current"

export PKG_CONFIG_PATH=$inst/lib/pkgconfig
flags=$(pkg-config --cflags --libs scr) || fail "pkg-config does not know scr"
mpicc -o "$T/app" "$TOP/tests/mpi/api_app.c" $flags -Wl,-rpath,"$inst/lib" -lz \
	>"$T/out/compile" 2>&1 || { show compile; fail "api_app does not build against the installed scr"; }
ldd "$T/app" | grep -q "$inst/lib/libscr.so" || fail "the app is not linked to the installed libscr"
APP=$T/app
expect_ok run 1 2 run -- "$APP" --steps 4 --every 2
expect_in run 'result '
echo "install ok"
