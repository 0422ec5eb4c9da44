# The node tools on real inputs: scr_glob_hosts on SLURM hostlists (the
# usual forms and every kind of bad list, with exit codes and messages),
# scr_crc32 against CRC32s computed without scr (the gzip trailer, and
# python3's zlib when there is one) for empty, small and multi-MiB files,
# and scr_print on the filemaps, summary, index and redundancy files of a
# real MPI run, checked against the files themselves, then on damaged,
# truncated and hostile copies: exit 1 with the file and the problem named,
# never a crash.
. "$(dirname "$0")/../lib/harness.sh"
GLOB=$BUILD/bin/scr_glob_hosts
CRC=$BUILD/bin/scr_crc32
PRINT=$BUILD/bin/scr_print
export TZ=UTC

# tool CMD...: stdout to $T/out/o, stderr to $T/out/e, status in $rc
tool() {
	"$@" >"$T/out/o" 2>"$T/out/e"
	rc=$?
}
shown() { sed 's/^/    | /' "$T/out/o" "$T/out/e" >&2; }

# gives EXPECTED CMD...: status 0, stdout exactly EXPECTED, stderr empty
gives() {
	local want=$1; shift
	tool "$@"
	[ $rc -eq 0 ] || { shown; fail "'$*' exited $rc"; }
	[ "$(cat "$T/out/o")" = "$want" ] || { shown; fail "'$*' printed '$(cat "$T/out/o")', not '$want'"; }
	[ ! -s "$T/out/e" ] || { shown; fail "'$*' wrote to stderr"; }
}

# refused STATUS PATTERN CMD...: that status, nothing on stdout, PATTERN on
# stderr
refused() {
	local want=$1 pat=$2; shift 2
	tool "$@"
	[ $rc -eq "$want" ] || { shown; fail "'$*' exited $rc, not $want"; }
	[ ! -s "$T/out/o" ] || { shown; fail "'$*' printed something"; }
	grep -qE -- "$pat" "$T/out/e" || { shown; fail "'$*': stderr lacks /$pat/"; }
}

has() {   # PATTERN [why]: in the last tool's stdout
	grep -qE -- "$1" "$T/out/o" || { shown; fail "output lacks /$1/ ${2:-}"; }
}

# ---------------------------------------------------------------------------
note "scr_glob_hosts: the forms of the task"
gives 'n[1-3,5]' "$GLOB" --compress n1,n2,n3,n5
gives 'n1,n2,n3,n5' "$GLOB" --expand 'n[1-3,5]'
gives 4 "$GLOB" --count 'n[1-3,5]'
gives n2 "$GLOB" --nth 2 'n[1-3,5]'
gives n5 "$GLOB" --nth -1 'n[1-3,5]'
gives n1 "$GLOB" -n 1 'n[1-3,5]'
gives 'n[1-2,6-10]' "$GLOB" --minus 'n[1-10]' 'n[3-5]'
gives 'n[3-5]' "$GLOB" --intersection 'n[1-10]' 'n[3-5],m1'
gives 'n[1,10]' "$GLOB" --minus 'n[1-10]:n[2-9]'
gives '' "$GLOB" --minus 'n[1-3]' 'n[1-5]'
gives 0 "$GLOB" --count ''
gives 'n1,n2,n3,n4,n7,gpu01,rack1-n01,rack1-n02,rack1-n03,rack2-n01,rack2-n02,rack2-n03' \
	"$GLOB" --expand 'n[1-4,7],gpu01,rack[1-2]-n[01-03]'
gives 'gpu01,n[1-4,7],rack1-n[01-03],rack2-n[01-03]' \
	"$GLOB" --compress 'n[1-4,7],gpu01,rack[1-2]-n[01-03]'
gives 'n01,n02,n03,n04,n05,n06,n07,n08,n09,n10' "$GLOB" --expand 'n[01-10]'
gives 'n[09-11]' "$GLOB" --compress n11,n09,n10
gives 'n[1-3]' "$GLOB" --compress n3,n1,n2,n1,n3
gives 3 "$GLOB" --count 'n1,n[1-3],n2'
gives 1000000 "$GLOB" --count 'n[1-1000000]'

note "scr_glob_hosts: lists separated by whitespace and newlines, in arguments and on stdin"
gives 'n[1-5]' "$GLOB" --compress "n1 n2
n3	n4" n5
gives 'n1,n2,n3' "$GLOB" --expand ' n1 , n2
 n3
'
printf 'n4\nn2\nn3\n\n' >"$T/hosts"
gives 'n[2-4]' "$GLOB" --compress <"$T/hosts"
gives 'n[2-4]' "$GLOB" --compress - <"$T/hosts"
gives 3 "$GLOB" --count <"$T/hosts"
gives 'n[1,5]' "$GLOB" --minus 'n[1-5]' - <"$T/hosts"
# expand and compress undo each other on a list from scontrol-like output
seq -f 'node%03g' 1 300 | grep -v 'node1[0-4]7' >"$T/hosts"
tool "$GLOB" --compress <"$T/hosts"
short=$(cat "$T/out/o")
[ "$short" = 'node[001-106,108-116,118-126,128-136,138-146,148-300]' ] ||
	fail "compress of 300 nodes gave '$short'"
gives "$(paste -sd, "$T/hosts")" "$GLOB" --expand "$short"

note "scr_glob_hosts: bad lists are exit 1 with the problem and its position"
refused 1 "bad hostlist 'n\[1-4': unbalanced brackets: no '\]' closes the '\[' at position 2" \
	"$GLOB" --expand 'n[1-4'
refused 1 "'\]' at position 5 has no '\['" "$GLOB" --compress 'n1-4]'
refused 1 "reversed range '5-1' at position 3" "$GLOB" --expand 'n[5-1]'
refused 1 "empty host name before the ',' at position 4" "$GLOB" --count 'n1,,n2'
refused 1 "empty host name after the ',' at position 3" "$GLOB" --count 'n1,'
refused 1 "empty range at position 3" "$GLOB" --expand 'n[]'
refused 1 "range '1-2000000' at position 3 makes more than 1000000 hosts" \
	"$GLOB" --expand 'n[1-2000000]'
refused 1 "makes more than 1000000 hosts" "$GLOB" --count 'n[1-1000][1-1001]'
refused 1 "'x' at position 5 in a range: ranges hold only digits" "$GLOB" --expand 'n[1-x]'
refused 1 "brackets do not nest" "$GLOB" --expand 'n[1[2]]'
refused 1 "'@' at position 2: host names hold only" "$GLOB" --compress 'n@1'
refused 1 "bad hostlist B 'm\[2-1\]'" "$GLOB" --intersection 'n1' 'm[2-1]'
refused 1 "bad hostlist A " "$GLOB" --minus 'n[1' 'n1'
refused 1 "no host 5: the list has 4 hosts" "$GLOB" --nth 5 'n[1-3,5]'
refused 1 "no host -9" "$GLOB" --nth -9 'n[1-3,5]'
# a control byte is shown as '?', not sent to the terminal
refused 1 "bad hostlist 'n1 a\?b': byte 0x1b at position 5" "$GLOB" --compress "n1 a$(printf '\033')b"
tool "$GLOB" --compress <<<$'n1\nn[2'
[ $rc -eq 1 ] && grep -q "no ']' closes the '\[' at position 5" "$T/out/e" || { shown; fail "bad list on stdin"; }

note "scr_glob_hosts: usage errors are exit 2"
refused 2 "choose one of --compress" "$GLOB" n1
refused 2 "choose one of --compress" "$GLOB" --compress --expand n1
refused 2 "--nth: '0' is not a host number" "$GLOB" --nth 0 n1
refused 2 "--nth: 'x' is not a host number" "$GLOB" --nth x n1
refused 2 "option '--nth' needs an argument" "$GLOB" --nth
refused 2 "unknown option '--bogus'" "$GLOB" --bogus
refused 2 "--minus: give two lists" "$GLOB" --minus n1
refused 2 "--intersection: give two lists" "$GLOB" --intersection n1 n2 n3
refused 2 "only one list can come from standard input" "$GLOB" --minus - - </dev/null
tool "$GLOB" --help
[ $rc -eq 0 ] && grep -q 'usage: scr_glob_hosts' "$T/out/o" || fail "--help"

# ---------------------------------------------------------------------------
note "scr_crc32: against the CRC32 of gzip's trailer and python's zlib"
mkdir -p "$T/crc"
: >"$T/crc/empty"
printf 123456789 >"$T/crc/check"
printf 'a' >"$T/crc/one"
head -c 4099 /dev/urandom >"$T/crc/small"
head -c $((5 * 1048576 + 77)) /dev/urandom >"$T/crc/big"
head -c $((3 * 1048576)) /dev/zero >"$T/crc/zeros"

gzip_crc() {   # the CRC32 that gzip stores, little-endian, in its trailer
	local b
	b=($(gzip -c <"$1" | tail -c8 | head -c4 | od -An -tu1))
	printf '%02x%02x%02x%02x' "${b[3]}" "${b[2]}" "${b[1]}" "${b[0]}"
}
PY=$(command -v python3 || true)
for f in empty check one small big zeros; do
	want=$(gzip_crc "$T/crc/$f")
	gives "$want  $T/crc/$f" "$CRC" "$T/crc/$f"
	if [ -n "$PY" ]; then
		py=$("$PY" -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$T/crc/$f")
		[ "$py" = "$want" ] || fail "$f: python zlib says $py, gzip $want"
	fi
	gives "$want  -" "$CRC" <"$T/crc/$f"
	gives "$((16#$want))  $T/crc/$f" "$CRC" --decimal "$T/crc/$f"
done
gives "cbf43926  $T/crc/check" "$CRC" "$T/crc/check"
gives "00000000  $T/crc/empty" "$CRC" "$T/crc/empty"
gives "cbf43926  -" sh -c "printf 123456789 | '$CRC' -"
gives "cbf43926  -" sh -c "printf 123456789 | '$CRC'"
[ -n "$PY" ] || echo "(python3 not found: checked against gzip only)"

note "scr_crc32: several files, unreadable ones reported, the others printed"
tool "$CRC" "$T/crc/check" "$T/crc/missing" "$T/crc" "$T/crc/one"
[ $rc -eq 1 ] || { shown; fail "unreadable files gave exit $rc, not 1"; }
[ "$(cat "$T/out/o")" = "cbf43926  $T/crc/check
$(gzip_crc "$T/crc/one")  $T/crc/one" ] || { shown; fail "the readable files were not printed in order"; }
grep -q "cannot open '$T/crc/missing': No such file or directory" "$T/out/e" || { shown; fail "missing file"; }
grep -q "cannot read '$T/crc': Is a directory" "$T/out/e" || { shown; fail "directory"; }
refused 2 "unknown option '-x'" "$CRC" -x "$T/crc/check"
# a file named "-" is given as ./-
cp "$T/crc/check" "$T/crc/-"
[ "$(cd "$T/crc" && "$CRC" ./-)" = "cbf43926  ./-" ] || fail "a file named '-'"

# ---------------------------------------------------------------------------
note "scr_print: state files of a real run (XOR, 4 ranks on 2 nodes)"
args=(--steps 12 --every 3 --files 2 --bytes 100000)
# checkpoints at steps 3, 6, 9 are datasets 1, 2, 3; every second one is
# flushed: 2 (ckpt.6) reaches the prefix, 3 (ckpt.9) is only cached
SCR_COPY_TYPE=XOR SCR_FLUSH=2 run 2 2 first -- "$APP" "${args[@]}" --die-at 10 &&
	fail "the killed run exited 0"
expect_in first 'checkpoint at step 9'
cntl0=$(cntl_of node0) cache0=$(cache_of node0)
fmap=$cntl0/filemap_0.scr
index=$T/prefix/.scr/index.scr
summary=$T/prefix/.scr/scr.dataset.2/summary.scr
red=$cache0/scr.dataset.3/.scr/red.0
for f in "$fmap" "$index" "$summary" "$red"; do
	[ -s "$f" ] || fail "the run left no '$f'"
done

# check_files BASE: every "file P:" of the last output has the size and
# CRC of BASE/P, as stat and scr_crc32 see them
check_files() {
	local base=$1 n=0 path size crc
	while read -r path size crc; do
		[ -f "$base/$path" ] || fail "printed file '$path' is not in '$base'"
		[ "$size" = "$(stat -c %s "$base/$path")" ] ||
			fail "'$path': printed size $size, the file has $(stat -c %s "$base/$path")"
		[ "$crc  $base/$path" = "$("$CRC" "$base/$path")" ] ||
			fail "'$path': printed crc $crc, scr_crc32 says $("$CRC" "$base/$path")"
		n=$((n + 1))
	done < <(awk '/^ *file .*:$/ { sub(/^ *file /, ""); sub(/:$/, ""); p = $0 }
		      / size: / { s = $2 } / crc: / { print p, s, $2 }' "$T/out/o")
	[ $n -gt 0 ] || { shown; fail "no files printed"; }
	echo "$n"
}

tool "$PRINT" "$fmap"
[ $rc -eq 0 ] || { shown; fail "scr_print of the filemap exited $rc"; }
has "^$fmap: filemap of rank 0 \(SCR-STATE filemap, version 1\)$"
has '^  rank: 0$'
has '^  datasets: 2$'
has '^  dataset 2:$'
has '^  dataset 3:$'
has '^    name: ckpt\.9$'
has '^    type: checkpoint$'
has '^    ranks: 4$'
has '^    files: 8 \(all ranks\)$'
has '^    redundancy: XOR$'
has '^    created: 20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] \+0000 \([0-9]+\)$'
has '^    flushed: no$' "(dataset 3 was not flushed)"
has "^    prefix: $T/prefix$"
has '^    file ckpt\.9/rank_0\.0\.dat:$'
has '^      crc: [0-9a-f]{8}$'
has '^      complete: yes$'
# dataset 3's files are in its cache directory: sizes and CRCs agree
sed -n '/^  dataset 3:/,$p' "$T/out/o" >"$T/out/o3" && mv "$T/out/o3" "$T/out/o"
[ "$(check_files "$cache0/scr.dataset.3")" = 2 ] || fail "rank 0 does not have 2 files in dataset 3"

tool "$PRINT" "$summary"
[ $rc -eq 0 ] || { shown; fail "scr_print of the summary exited $rc"; }
has "^$summary: summary of dataset 2 \(SCR-STATE summary, version 1\)$"
has '^  dataset 2:$'
has '^    name: ckpt\.6$'
has '^    complete: yes$'
has '^  file records: 8$'
has '^  file ckpt\.6/rank_3\.1\.dat:$'
[ "$(check_files "$T/prefix")" = 8 ] || fail "the summary does not list the 8 flushed files"
bytes=$(sed -n 's/^    bytes: \([0-9]*\) (all ranks)$/\1/p' "$T/out/o")
[ "$bytes" = "$(cat "$T"/prefix/ckpt.6/* | wc -c)" ] || fail "summary bytes $bytes differ from the files"

tool "$PRINT" "$index"
[ $rc -eq 0 ] || { shown; fail "scr_print of the index exited $rc"; }
has "^$index: index of a prefix"
has '^  current: none'
has '^  datasets: 1$'
has '^  dataset 2:$'
has '^    name: ckpt\.6$'
has '^    flushed: 20[0-9-]+ [0-9:]+ \+0000 \([0-9]+\)$'
has '^    failed: no$'

tool "$PRINT" "$red"
[ $rc -eq 0 ] || { shown; fail "scr_print of red.0 exited $rc"; }
has "^$red: redundancy file of rank 0, dataset 3 \(XOR, version 1\)$"
has '^  scheme: XOR$'
has '^  dataset: 3$'
has '^  job ranks: 4$'
has '^  set size: 2$'
has '^  parity blocks: 1 per stripe'
has '^  members: 0 2 \(ranks by position in the set\)$'
has '^  payload: [0-9]+ bytes, crc [0-9a-f]{8} \(verified\)$'
has '^  records: 2$'
has '^  record of rank 0:$'
has '^  record of rank 2:$'
has '^    rank record: filemap of rank 2'
has '^        name: ckpt\.9$'
# the records match the files: rank 0's on node0, rank 2's on node1
cp "$T/out/o" "$T/out/red0"
sed -n '/^  record of rank 0:/,/^  record of rank 2:/p' "$T/out/red0" >"$T/out/o"
[ "$(check_files "$cache0/scr.dataset.3")" = 2 ] || fail "red.0 does not record rank 0's 2 files"
sed -n '/^  record of rank 2:/,$p' "$T/out/red0" >"$T/out/o"
[ "$(check_files "$(cache_of node1)/scr.dataset.3")" = 2 ] || fail "red.0 does not record rank 2's 2 files"

note "scr_print: --raw, several files, the kind from the content"
tool "$PRINT" --raw "$fmap" "$red"
[ $rc -eq 0 ] || { shown; fail "--raw exited $rc"; }
has "^$fmap: state file \(raw\)$"
has '^  kind = filemap$'
has '^  record 1: filemap$'
has '^    rank = 0$'
has '^    name = ckpt\.9$'
has "^$red: redundancy file \(raw\)$"
has '^  scheme = 2$'
has '^  members = 0 2$'
has '^      path = ckpt\.9/rank_2\.1\.dat$'
[ "$(grep -c '^$' "$T/out/o")" = 1 ] || fail "two files are not separated by one empty line"
mkdir -p "$T/bad"
cp "$fmap" "$T/bad/red.7"
cp "$red" "$T/bad/index.scr"
tool "$PRINT" "$T/bad/red.7" "$T/bad/index.scr"
has "red\.7: filemap of rank 0"
has "index\.scr: redundancy file of rank 0"
# seal FILE BODY: a state file of BODY with its END line (CRC by scr_crc32)
seal() {
	printf '%s' "$2" >"$1"
	printf 'END %d %s\n' "$(wc -c <"$1")" "$("$CRC" <"$1" | cut -c1-8)" >>"$1"
}
# a kind scr_print does not know: its records
seal "$T/bad/notes" 'SCR-STATE notes 1
note reason=user%20asked name=%1B[31mx
'
tool "$PRINT" "$T/bad/notes"
[ $rc -eq 0 ] || { shown; fail "an unknown kind exited $rc"; }
has "state file of kind 'notes', version 1$"
has '^    reason = user asked$'
has '^    name = \\x1b\[31mx$' "(control bytes escaped)"
# the halt file of a prefix
seal "$T/bad/halt.scr" 'SCR-STATE halt 1
halt checkpoints_left=2 exit_after=1795472904 exit_reason=user%20asked
'
tool "$PRINT" "$T/bad/halt.scr"
[ $rc -eq 0 ] || { shown; fail "a halt file exited $rc"; }
has 'halt\.scr: halt conditions \(SCR-STATE halt, version 1\)$'
has '^  checkpoints left: 2$'
has '^  exit after: 2026-11-23 22:28:24 \+0000 \(1795472904\)$'
has '^  exit before: not set$'
has '^  exit reason: user asked$'

note "scr_print: damaged, truncated and hostile copies are exit 1, named, never a crash"
# bad FILE STATUS PATTERN: scr_print FILE exits STATUS, names FILE and says PATTERN
bad() {
	refused 1 "^scr_print: '$1': $2" "$PRINT" "$1"
}
size=$(stat -c %s "$fmap")
head -c $((size / 2)) "$fmap" >"$T/bad/half"
bad "$T/bad/half" 'truncated: the last line \(line [0-9]+\) is cut'
head -n -1 "$fmap" >"$T/bad/noend"
bad "$T/bad/noend" 'truncated: no END line: the file ends after line [0-9]+'
head -c 4 "$fmap" >"$T/bad/tiny"
bad "$T/bad/tiny" 'truncated: the file \(4 bytes\) ends inside its header line'
cp "$fmap" "$T/bad/flip"
flip_byte "$T/bad/flip" $((size / 3))
bad "$T/bad/flip" 'checksum mismatch: the END line records crc [0-9a-f]{8}, the [0-9]+ bytes before it have [0-9a-f]{8}'
# valid checksums around a hostile body: a path leaving the dataset, a
# bad flag, and a line that is no record
reseal() {   # SRC DST SED-SCRIPT: DST is SRC edited, with a new END line
	head -n -1 "$1" | sed "$3" >"$2"
	printf 'END %d %s\n' "$(wc -c <"$2")" "$("$CRC" <"$2" | cut -c1-8)" >>"$2"
}
reseal "$fmap" "$T/bad/escape" 's|path=ckpt.9/rank_0.0.dat|path=../../../etc/passwd|'
bad "$T/bad/escape" 'not a valid filemap: line [0-9]+ \(file\): a file path is absolute or has'
reseal "$fmap" "$T/bad/flags" '3s/ flags=1 / flags=64 /'
bad "$T/bad/flags" 'not a valid filemap: line 3 \(dataset\): '
reseal "$index" "$T/bad/current" '1a current name=nothere'
bad "$T/bad/current" "not a valid index: line 2 makes 'nothere' current"
reseal "$summary" "$T/bad/garbage" '3s/.*/file rank=0 rank=1/'
bad "$T/bad/garbage" 'line 3 is malformed'
seal "$T/bad/halt2" 'SCR-STATE halt 1
halt checkpoints_left=2 reason=x
'
bad "$T/bad/halt2" 'not a valid halt: line 2 \(halt\): '
tool "$PRINT" --raw "$T/bad/flags"
[ $rc -eq 0 ] || { shown; fail "--raw of a valid container with bad records exited $rc"; }
has '^    flags = 64$'

rsize=$(stat -c %s "$red")
head -c 10 "$red" >"$T/bad/r-tiny"
bad "$T/bad/r-tiny" 'truncated: 10 bytes, shorter than the 16'
head -c 300 "$red" >"$T/bad/r-head"
bad "$T/bad/r-head" 'truncated or damaged: the header length says [0-9]+ bytes, the file has only 300'
head -c $((rsize - 5)) "$red" >"$T/bad/r-cut"
bad "$T/bad/r-cut" 'truncated or damaged: it does not end with the closing magic'
cp "$red" "$T/bad/r-hflip"
flip_byte "$T/bad/r-hflip" 100
bad "$T/bad/r-hflip" 'header checksum mismatch: stored [0-9a-f]{8}'
cp "$red" "$T/bad/r-pflip"
flip_byte "$T/bad/r-pflip" $((rsize - 100))
bad "$T/bad/r-pflip" 'payload checksum mismatch: stored [0-9a-f]{8}, the [0-9]+ payload bytes have'
# a header with a valid CRC and a path leaving the dataset
hlen=$(od -An -tu4 -j12 -N4 "$red" | tr -d ' ')
cp "$red" "$T/bad/r-escape"
off=$(grep -boa 'ckpt\.9/rank_0\.0\.dat' "$red" | head -1 | cut -d: -f1)
printf '../..' | dd of="$T/bad/r-escape" bs=1 seek="$off" conv=notrunc status=none
hcrc=$(head -c $((hlen - 4)) "$T/bad/r-escape" | "$CRC" | cut -c1-8)
printf "\\x${hcrc:6:2}\\x${hcrc:4:2}\\x${hcrc:2:2}\\x${hcrc:0:2}" |
	dd of="$T/bad/r-escape" bs=1 seek=$((hlen - 4)) conv=notrunc status=none
bad "$T/bad/r-escape" 'damaged: its header checksum is right but its fields are not'

: >"$T/bad/empty"
bad "$T/bad/empty" 'empty file'
printf 'hello\n' >"$T/bad/text"
bad "$T/bad/text" 'not an scr state or redundancy file'
bad "$T/bad/missing" 'cannot open: No such file or directory'
bad "$T/bad" 'is a directory'
refused 2 "name a file to print" "$PRINT"
refused 2 "unknown option '--bogus'" "$PRINT" --bogus "$fmap"
# one bad file among good ones: the good ones are printed, exit 1
tool "$PRINT" "$fmap" "$T/bad/flip" "$index"
[ $rc -eq 1 ] || fail "a damaged file among good ones gave exit $rc"
grep -q "filemap of rank 0" "$T/out/o" && grep -q "index of a prefix" "$T/out/o" ||
	{ shown; fail "the good files were not printed"; }

# every truncation and every flipped byte of the filemap, and of the start
# and end of the redundancy file: always exit 1 with a message, no crash.
# The copies are made by one perl (Debian's perl-base is always there) and
# printed by one scr_print, which reports each file on its own.
fuzz() {   # FILE OFFSETS...
	local src=$1 dir=$T/fuzz/${1##*/} named; shift
	rm -rf "$dir"
	mkdir -p "$dir"
	perl -e 'my ($src, $dir, @offsets) = @ARGV;
		open(my $in, "<:raw", $src) or die "$src: $!";
		local $/; my $data = <$in>;
		sub put { open(my $o, ">:raw", $_[0]) or die "$_[0]: $!"; print $o $_[1]; close($o) }
		for my $o (@offsets) {
			put("$dir/cut.$o", substr($data, 0, $o));
			my $d = $data; substr($d, $o, 1) = chr(ord(substr($d, $o, 1)) ^ 0xff);
			put("$dir/flip.$o", $d);
		}' "$src" "$dir" "$@" || fail "cannot make damaged copies of $src"
	"$PRINT" "$dir"/* >/dev/null 2>"$T/out/e"
	rc=$?
	[ $rc -eq 1 ] || { tail -n 5 "$T/out/e"; fail "scr_print of damaged copies of $src: exit $rc"; }
	# every copy is named with its problem, and nothing else is said
	named=$(grep -c "^scr_print: '$dir/\(cut\|flip\)\.[0-9]*': ." "$T/out/e")
	[ "$named" -eq $((2 * $#)) ] && [ "$(wc -l <"$T/out/e")" -eq "$named" ] || {
		ls "$dir" | while read -r f; do
			grep -q "^scr_print: '$dir/$f': " "$T/out/e" || echo "not reported: $f"
		done | head
		fail "$src: $named of $((2 * $#)) damaged copies reported"
	}
}
fuzz "$fmap" $(seq 0 $((size - 1)))
fuzz "$red" $(seq 0 3 $((hlen + 40))) $(seq $((rsize - 40)) $((rsize - 1)))
echo "node tools ok"
