#!/usr/bin/env bash
# Runs every fuzz target of the module once.
#
#   scripts/fuzz.sh count        each target for the number of executions in
#                                scripts/fuzz-budget.txt (what `make test` runs)
#   scripts/fuzz.sh 5m           each target for a duration (`make fuzz`)
#
# `make test` uses counts because Go 1.26's fuzzing coordinator can fail at
# the end of a -fuzztime *duration* with "context deadline exceeded" and no
# failing input (golang/go#75804, fixed in Go 1.27): a CI that fails without a
# bug. A count budget ends the run by executions instead. A fuzz target with
# no row in the budget file fails the run, so a new target cannot be
# forgotten.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: scripts/fuzz.sh count|DURATION}
budget=scripts/fuzz-budget.txt
GO=${GO:-go}

for pkg in $($GO list ./...); do
  for t in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    if [ "$mode" = count ]; then
      n=$(awk -v p="$pkg" -v t="$t" '$1 == p && $2 == t { print $3 }' "$budget")
      if [ -z "$n" ]; then
        echo "fuzz: $pkg $t has no execution budget in $budget" >&2
        exit 1
      fi
      time="${n}x"
    else
      time=$mode
    fi
    echo "fuzz $pkg $t ($time)"
    start=$(date +%s.%N)
    $GO test -run '^$' -fuzz "^$t\$" -fuzztime "$time" "$pkg"
    awk -v s="$start" -v e="$(date +%s.%N)" -v t="$t" 'BEGIN { printf "fuzz: %s took %.1f s\n", t, e - s }'
  done
done
