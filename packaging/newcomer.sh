#!/usr/bin/env bash
# A newcomer's first steps, from a fresh clone, headless: clones this
# repository (its committed HEAD) into a temporary folder and follows the
# README: `make build` (what `make run` does before it starts the tray: both
# programs, ./portlight and ./portlight-ui), then
# `portlight scan`, `portlight explain 22`, `portlight --help`, and a per-user
# `make install` / `make uninstall` into a temporary prefix. Prints how long
# each step took.
#   packaging/newcomer.sh              with the machine's Go build cache
#   NEWCOMER_COLD=1 packaging/newcomer.sh   with an empty build cache (~3-5 min more)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || { echo "newcomer: FAIL: $repo is not a git clone (needs git)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LANG=en_US.UTF-8
if [ "${NEWCOMER_COLD:-}" = 1 ]; then
  export GOCACHE=$tmp/gocache
fi
fail() { echo "newcomer: FAIL: $*" >&2; exit 1; }
timings=()
step() { # step NAME CMD...: runs CMD in the clone, timing it, output to a log
  local name=$1 start log
  shift
  log=$tmp/log.$((${#timings[@]} + 1))
  start=$(date +%s.%N)
  if ! (cd "$tmp/portlight" && "$@") >"$log" 2>&1; then
    cat "$log" >&2
    fail "$name"
  fi
  timings+=("$(awk -v s="$start" -v e="$(date +%s.%N)" -v n="$name" 'BEGIN { printf "%8.1f s  %s", e - s, n }')")
  echo "newcomer: ok: $name"
}

start=$(date +%s.%N)
git clone -q "$repo" "$tmp/portlight"
timings+=("$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%8.1f s  git clone", e - s }')")
grep -q '^make run' "$tmp/portlight/README.md" || fail "the README no longer starts with make run"

step "make build (installs the build packages, builds ./portlight and ./portlight-ui)" make --no-print-directory build
[ -x "$tmp/portlight/portlight" ] || fail "make build made no ./portlight"
[ -x "$tmp/portlight/portlight-ui" ] || fail "make build made no ./portlight-ui (portlight ui and the tray run it)"
step "portlight --help" ./portlight --help
grep -q 'scan' "$tmp"/log.* || fail "--help does not list scan"
step "portlight scan" ./portlight scan
step "portlight scan --json" ./portlight scan --json
step "portlight explain 22" ./portlight explain 22
log=$(ls -t "$tmp"/log.* | head -1)
grep -qi 'ssh' "$log" || { cat "$log"; fail "explain 22 does not mention SSH"; }
grep -q 'IANA registry of [0-9-]*' "$log" || { cat "$log"; fail "explain 22 does not name the registry date"; }
step "make install (temporary PREFIX)" make --no-print-directory install PREFIX="$tmp/prefix"
[ -x "$tmp/prefix/bin/portlight" ] && [ -x "$tmp/prefix/bin/portlight-ui" ] || fail "make install did not install both programs"
step "make uninstall" make --no-print-directory uninstall PREFIX="$tmp/prefix"
[ -z "$(find "$tmp/prefix" -mindepth 1 2>/dev/null)" ] || fail "make uninstall left files: $(find "$tmp/prefix")"

echo
echo "newcomer: the README's first steps work from a fresh clone ($(git -C "$repo" rev-parse --short HEAD)):"
printf '%s\n' "${timings[@]}"
ls -l "$tmp/portlight/portlight" "$tmp/portlight/portlight-ui" | awk '{ n = split($9, p, "/"); printf "./%s: %.1f MB\n", p[n], $5 / 1e6 }'
echo "(make run would now start the tray; it needs a desktop session: see make test's e2e for that part)"
