#!/usr/bin/env bash
# Checker speed (issue 3: 10,000 generated rules checked in under a second), release build:
#
#   scripts/bench-checker.sh [RULES] [REPS]     # defaults 10000 and 5
#
# `rulec-bench check` generates RULES rules in memory (12 shapes: transitions, relations,
# templates, params, once-per, limits, timers, reaches over fields and aggregates, data
# actions), then times lexing+parsing and checking separately, REPS times (median [min-max]).
# Also times `rulec check` as a process on the same rules written to files (wall time, peak RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
RULES=${1:-10000}
REPS=${2:-5}
swift build -c release --product rulec >/dev/null
swift build -c release --product rulec-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)
"$BIN/rulec-bench" check --rules "$RULES" --reps "$REPS"
DIR=.build/bench-data/checker-$RULES
rm -rf "$DIR"
"$BIN/rulec-bench" check --rules "$RULES" --write "$DIR"
for _ in $(seq "$REPS"); do
    /usr/bin/time -f "  rulec check (process, $RULES rules in $DIR): %e s wall, peak RSS %M KiB" "$BIN/rulec" check "$DIR" 2>&1 >/dev/null | tail -2
done
