#!/bin/sh
# The baselines of scripts/bench: what a user following the Codegen API docs
# does with curl and jq instead of codegen-fs.
#
#   bench-baseline.sh status ORG [N]     the status of the newest N runs (500):
#       list the runs page by page (GET /v1/organizations/ORG/agent/runs?skip=&limit=100),
#       then GET /v1/organizations/ORG/agent/run/<id> for each; prints "<id> <status>"
#   bench-baseline.sh logs ORG ID...     the logs of these runs, page by page
#       (GET /v1/alpha/organizations/ORG/agent/run/<id>/logs?skip=&limit=100);
#       prints one line per entry: "<created_at> <message_type>: <thought>" (newlines as \n)
#
# Environment: CODEGEN_API_BASE_URL (default https://api.codegen.com) and
# CODEGEN_API_TOKEN.  One request at a time, as a loop in a shell script does.
# A 429 is waited out as its Retry-After says, then the request is sent again.
# jq runs once per list page and once at the end, not once per run (a jq per
# run would add its start-up, ~10-30 ms, to every request).  Exits non-zero on
# any answer other than 200 or 429.
set -eu

usage() {
	echo "usage: bench-baseline.sh status ORG [N] | logs ORG ID..." >&2
	exit 2
}
[ $# -ge 2 ] || usage
mode=$1
org=$2
shift 2
base=${CODEGEN_API_BASE_URL:-https://api.codegen.com}
: "${CODEGEN_API_TOKEN:?CODEGEN_API_TOKEN is not set}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The header goes through a file (-H @file), so the token is not in argv.
printf 'Authorization: Bearer %s\n' "$CODEGEN_API_TOKEN" >"$tmp/auth"
chmod 600 "$tmp/auth"

# get PATH: append the body of a GET to stdout; a 429 is retried after Retry-After.
get() {
	while :; do
		code=$(curl -sS -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' \
			-H @"$tmp/auth" "$base$1")
		case $code in
		200)
			cat "$tmp/body"
			echo
			return 0
			;;
		429)
			wait=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9][0-9]*\).*/\1/p' "$tmp/head")
			sleep "${wait:-1}"
			;;
		*)
			echo "bench-baseline: GET $1: HTTP $code" >&2
			return 1
			;;
		esac
	done
}

case $mode in
status)
	n=${1:-500}
	# 1. The list, newest first, 100 per page, until N ids are known.
	skip=0
	: >"$tmp/ids"
	while [ "$skip" -lt "$n" ]; do
		get "/v1/organizations/$org/agent/runs?skip=$skip&limit=100" >"$tmp/page"
		jq -r '.items[].id' "$tmp/page" >>"$tmp/ids"
		[ "$(wc -l <"$tmp/ids")" -eq $((skip + 100)) ] || break
		skip=$((skip + 100))
	done
	# 2. Each run, one GET each; then one jq over all of them.
	head -n "$n" "$tmp/ids" >"$tmp/want"
	: >"$tmp/runs"
	while read -r id; do
		get "/v1/organizations/$org/agent/run/$id" >>"$tmp/runs"
	done <"$tmp/want"
	jq -r '"\(.id) \(.status)"' "$tmp/runs"
	;;
logs)
	[ $# -ge 1 ] || usage
	: >"$tmp/logs"
	for id in "$@"; do
		path="/v1/alpha/organizations/$org/agent/run/$id/logs"
		get "$path?skip=0&limit=100" >"$tmp/first"
		total=$(jq '.total_logs' "$tmp/first")
		cat "$tmp/first" >>"$tmp/logs"
		skip=100
		while [ "$skip" -lt "$total" ]; do
			get "$path?skip=$skip&limit=100" >>"$tmp/logs"
			skip=$((skip + 100))
		done
	done
	jq -r '.logs[] | "\(.created_at) \(.message_type): \(.thought // "" | gsub("\n"; "\\n"))"' "$tmp/logs"
	;;
*)
	usage
	;;
esac
