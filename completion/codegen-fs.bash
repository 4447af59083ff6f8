# bash completion of codegen-fs(1): its long options, -o keys and the
# mountpoint.  The options are read from `codegen-fs --help` each time a word
# is completed, so the program's option table stays their one list; this file
# knows only the shape of a --help line.  Installed as
# share/bash-completion/completions/codegen-fs (completion/meson.build).

# Print the options that the --help of command $1 offers, one a line:
#   L --token-file= FILE   a long option; "=" and a metavar when it takes a value
#   S -o                   a short option
#   O list_window= N       a key of -o; "=" and a metavar when it takes a value
# An option line starts with its options ("-h, --help", "-d   -o debug",
# "--list-window=N", "-o max_threads", "-o a=N,b=S"), then the words of its
# description; any other line (usage, prose, environment, a description's
# second line) starts with a word that is not an option and is skipped.
_codegen_fs_options()
{
	local cmd=$1 line w k i
	local -a words keys

	[[ $cmd == "~"* ]] && cmd=$HOME${cmd#\~}
	while IFS= read -r line; do
		read -ra words <<<"$line"
		for ((i = 0; i < ${#words[@]}; i++)); do
			w=${words[i]%,}
			case $w in
			-o)
				printf 'S -o\n'
				[[ ${words[i + 1]-} == [a-z]* ]] || continue
				IFS=, read -ra keys <<<"${words[++i]%,}"
				for k in "${keys[@]}"; do
					if [[ $k == *=* ]]; then
						printf 'O %s= %s\n' "${k%%=*}" "${k#*=}"
					else
						printf 'O %s\n' "$k"
					fi
				done
				;;
			--[a-z]*=*)
				printf 'L %s= %s\n' "${w%%=*}" "${w#*=}" ;;
			--[a-z]*)
				# "--option METAVAR" takes a value as well.
				if [[ ${words[i + 1]-} =~ ^[A-Z][A-Z_]*$ ]]; then
					printf 'L %s= %s\n' "$w" "${words[++i]}"
				else
					printf 'L %s\n' "$w"
				fi
				;;
			-[a-zA-Z])
				printf 'S %s\n' "$w" ;;
			*)
				break ;;
			esac
		done
	done < <("$cmd" --help 2>/dev/null)
}

# Add to COMPREPLY the value $2 of option or key $1, each as $4 followed by
# the value, by the option's metavar in the --help lines $3: a FILE is a file
# name, a DIR a directory; other values (numbers) get none.
_codegen_fs_value()
{
	local name=$1 cur=$2 lead=$4 meta value
	meta=$(awk -v n="$name=" '($1 == "L" || $1 == "O") && $2 == n { print $3; exit }' <<<"$3")
	case $meta in
	FILE|PATH) meta=-f ;;
	DIR*) meta=-d ;;
	*) return 0 ;;
	esac
	compopt -o filenames 2>/dev/null
	while IFS= read -r value; do
		COMPREPLY+=("$lead$value")
	done < <(compgen "$meta" -- "$cur")
}

# Add to COMPREPLY the words that the option list $1 of -o may become: its
# last key completed ("ro,list_w" -> "ro,list_window="), or that key's value
# ("ro,token_file=/et" -> "ro,token_file=/etc"), from the --help lines $2.
_codegen_fs_keys()
{
	local list=$1 last=${1##*,} key
	if [[ $last == *=* ]]; then
		_codegen_fs_value "${last%%=*}" "${last#*=}" "$2" "${list%"${last#*=}"}"
		return 0
	fi
	while read -r key; do
		[[ $key == "$last"* ]] && COMPREPLY+=("${list%"$last"}$key")
	done < <(awk '$1 == "O" { print $2 }' <<<"$2")
}

_codegen_fs()
{
	local cmd=$1 cur=${COMP_WORDS[COMP_CWORD]} line word prev opts lead candidate
	local -a offer
	COMPREPLY=()
	# The whole word before the cursor and the one before it, from the line:
	# bash splits words at COMP_WORDBREAKS too ("--token-file=/tm" comes as
	# "--token-file" "=" "/tm"), and what is offered replaces only $cur.
	line=${COMP_LINE:0:COMP_POINT}
	word=${line##*[[:space:]]}
	line=${line%"$word"}
	line=${line%"${line##*[![:space:]]}"}
	prev=${line##*[[:space:]]}
	lead=${word%"$cur"}
	opts=$(_codegen_fs_options "$cmd")

	if [[ $prev == "-o" ]]; then
		_codegen_fs_keys "$word" "$opts"
	elif [[ $word == --*=* ]]; then
		_codegen_fs_value "${word%%=*}" "${word#*=}" "$opts" "${word%%=*}="
	elif [[ $word == -* ]]; then
		while read -r candidate; do
			[[ $candidate == "$word"* ]] && COMPREPLY+=("$candidate")
		done < <(awk '$1 == "L" || $1 == "S" { print $2 }' <<<"$opts")
	else
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$word")
	fi
	# Sorted, once each ("-o" is both a FUSE and a codegen-fs line), and
	# without the part of the word that bash keeps.
	offer=()
	while IFS= read -r candidate; do
		[[ -n $candidate && $candidate == "$lead"* ]] && offer+=("${candidate#"$lead"}")
	done < <(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u)
	COMPREPLY=("${offer[@]}")
	# An option that takes a value continues right after its "=".
	if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F _codegen_fs codegen-fs
