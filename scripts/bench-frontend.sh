#!/usr/bin/env bash
# Front-end throughput: release build of rulec-bench, then lex+parse of a generated
# 10,000-rule file, best of several runs on one thread. Figures go in docs/performance.md.
#
#   scripts/bench-frontend.sh [--rules N] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rulec-bench >&2
exec "$(swift build -c release --show-bin-path)/rulec-bench" frontend "$@"
