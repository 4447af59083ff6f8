#!/bin/sh
# The baseline of scripts/bench, workload 1: what a user following the Codegen
# API docs does to see the status of the newest N runs of an org without
# codegen-fs.  List the runs page by page (GET .../agent/runs?skip=&limit=100),
# then GET each run (GET .../agent/run/<id>) and print "<id> <status>".
# A 429 is waited out as its Retry-After says, then the request is sent again.
#
#   CODEGEN_API_BASE_URL=http://127.0.0.1:PORT CODEGEN_API_TOKEN=T \
#       scripts/bench-baseline.sh ORG [N]
#
# Needs curl and jq.  Exits non-zero on any answer other than 200 or 429.
set -eu

org=${1:?usage: bench-baseline.sh ORG [N]}
n=${2:-500}
base=${CODEGEN_API_BASE_URL:-https://api.codegen.com}
: "${CODEGEN_API_TOKEN:?CODEGEN_API_TOKEN is not set}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The header goes through a file (-H @file), so the token is not in argv.
printf 'Authorization: Bearer %s\n' "$CODEGEN_API_TOKEN" >"$tmp/auth"
chmod 600 "$tmp/auth"

# get PATH: the body of a GET on stdout; a 429 is retried after Retry-After.
get() {
	while :; do
		code=$(curl -sS -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' \
			-H @"$tmp/auth" "$base$1")
		case $code in
		200)
			cat "$tmp/body"
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

# 1. The list, newest first, 100 per page, until N ids are known.
skip=0
: >"$tmp/ids"
while [ "$skip" -lt "$n" ]; do
	get "/v1/organizations/$org/agent/runs?skip=$skip&limit=100" >"$tmp/page"
	jq -r '.items[].id' "$tmp/page" >>"$tmp/ids"
	[ "$(jq '.items | length' "$tmp/page")" -eq 100 ] || break
	skip=$((skip + 100))
done

# 2. Each run, one GET each.
head -n "$n" "$tmp/ids" | while read -r id; do
	printf '%s %s\n' "$id" "$(get "/v1/organizations/$org/agent/run/$id" | jq -r .status)"
done
