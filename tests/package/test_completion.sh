#!/bin/bash
# The bash completion (completion/codegen-fs.bash): what it offers for each
# kind of word, first from a --help text written here (the parser, exactly),
# then from the real program's --help (the options it has).
#
# Environment:
#   CGFS_BIN         the codegen-fs binary (default build/fs/codegen-fs)
#   CGFS_COMPLETION  the completion file (default completion/codegen-fs.bash)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${CGFS_BIN:-$root/build/fs/codegen-fs}")
completion=$(realpath "${CGFS_COMPLETION:-$root/completion/codegen-fs.bash}")
failed=0

# shellcheck source=../../completion/codegen-fs.bash
source "$completion" || { echo "FAIL: cannot source $completion"; exit 1; }

# offers CMD LINE -- EXPECTED...: completing "codegen-fs LINE" (the cursor
# at its end) offers exactly EXPECTED, sorted.  The line is split into
# COMP_WORDS as bash splits it: at blanks, and around "=" unless
# CGFS_KEEP_EQ=1 (COMP_WORDBREAKS without "=").
offers()
{
	local cmd=$1 line="codegen-fs $2" got want split
	shift 2
	[[ $1 == -- ]] && shift
	split=$line
	[[ ${CGFS_KEEP_EQ-} == 1 ]] || split=${split//=/ = }
	read -ra COMP_WORDS <<<"$split"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_codegen_fs "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd ' ')
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | paste -sd ' ')
	if [[ $got == "$want" ]]; then
		echo "ok: [${line#codegen-fs }] -> $got"
	else
		echo "FAIL: [$line]: offered '$got', expected '$want'"
		failed=1
	fi
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/mnt" "$scratch/mnt2" "$scratch/keys"
: >"$scratch/mntfile"
: >"$scratch/keys/token"
cd "$scratch" || exit 1

# A --help with every shape of line the parser knows.
cat >"$scratch/fake-fs" <<'HELP'
#!/bin/sh
[ "$1" = --help ] || exit 2
cat <<'TEXT'
usage: fake-fs [options] [SOURCE] MOUNTPOINT

Mentions --not-an-option in prose, and -o neither.
options:
    --token-file=FILE      read the token
    --cache-dir=DIR        where to cache
    --list-window=N        runs listed; a long
                           (--continued) is not an option
    --label NAME           a value after a space
    -h, --help             this help
    -o ro,list_window=N,token_file=FILE
                           the options as -o keys
FUSE options:
    -d   -o debug          enable debug output
    -o max_threads         worker threads
Environment:
    CODEGEN_API_TOKEN      the token
TEXT
HELP
chmod +x "$scratch/fake-fs"
fake=$scratch/fake-fs

offers "$fake" "--l" -- --label= --list-window=
offers "$fake" "-" -- --cache-dir= --help --label= --list-window= --token-file= -d -h -o
offers "$fake" "--not" --
offers "$fake" "--cont" --
offers "$fake" "-o " -- debug list_window= max_threads ro token_file=
offers "$fake" "-o ro,t" -- ro,token_file=
offers "$fake" "-o ro,list_window=5,m" -- 5,max_threads
offers "$fake" "-o list_window=5,token_file=keys/" -- keys/token
offers "$fake" "-o ro,token_file=keys/" -- keys/token
offers "$fake" "-o token_file=" -- =keys =mnt =mnt2 =mntfile =fake-fs
offers "$fake" "-o list_window=" --
offers "$fake" "--token-file=keys/t" -- keys/token
offers "$fake" "--cache-dir=m" -- mnt mnt2
offers "$fake" "--list-window=" --
offers "$fake" "m" -- mnt mnt2
offers "$fake" "-f mnt" -- mnt mnt2
offers "$fake" "-f " -- keys mnt mnt2
offers "$scratch/no-such-program" "--l" --
# With "=" left out of COMP_WORDBREAKS, a word is offered whole.
CGFS_KEEP_EQ=1 offers "$fake" "--token-file=keys/t" -- --token-file=keys/token
CGFS_KEEP_EQ=1 offers "$fake" "-o ro,list_window=5,m" -- ro,list_window=5,max_threads
CGFS_KEEP_EQ=1 offers "$fake" "-o ro,token_file=k" -- ro,token_file=keys

# The real program: its options come from its --help.
offers "$bin" "--list-w" -- --list-window=
offers "$bin" "--token-f" -- --token-file=
offers "$bin" "--token-file=keys/t" -- keys/token
offers "$bin" "-o allow" -- allow_other
offers "$bin" "m" -- mnt mnt2
if "$bin" --version >/dev/null && [[ $(complete -p codegen-fs) == "complete -F _codegen_fs codegen-fs" ]]; then
	echo "ok: registered for codegen-fs"
else
	echo "FAIL: not registered for codegen-fs, or $bin --version fails"
	failed=1
fi
exit $failed
