#!/usr/bin/env bash
# Fuzzes the lexer and parser with libFuzzer for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# Builds Fuzz/FuzzParser.swift with `swiftc -sanitize=fuzzer,address` against RulecDiagnostics
# and RulecSyntax compiled the same way (instrumented, -O, static libraries in .build-fuzz/),
# seeds a temporary corpus with every .crmrule under rules/, grammar/ and Fuzz/corpus/ (the
# latter also holds inputs of past crashes, replayed first), and runs. A crash, an ASan report,
# a leak or an input slower than 10 s is written to fuzz-artifacts/ and makes this exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-60}
case "$duration" in (*[!0-9]*|'') echo "usage: $0 [SECONDS]" >&2; exit 2;; esac

build=.build-fuzz
binary=$build/fuzz-parser
mkdir -p "$build" fuzz-artifacts

# Same flags for every part: coverage for libFuzzer, ASan for memory errors, -O for speed
# (bounds and overflow checks stay on), -g for readable stacks.
flags=(-O -g -parse-as-library -sanitize=fuzzer,address -use-ld=lld -I "$build")

module() { # module NAME: Sources/NAME/*.swift -> $build/libNAME.a + NAME.swiftmodule
    local name=$1
    swiftc "${flags[@]}" -module-name "$name" -emit-module -emit-module-path "$build/$name.swiftmodule" \
        -emit-library -static -o "$build/lib$name.a" Sources/"$name"/*.swift
}

sources=(Sources/RulecDiagnostics/*.swift Sources/RulecSyntax/*.swift Fuzz/FuzzParser.swift scripts/fuzz.sh)
stale=false
if [ ! -x "$binary" ]; then stale=true
else
    for f in "${sources[@]}"; do if [ "$f" -nt "$binary" ]; then stale=true; break; fi; done
fi
if [ "$stale" = true ]; then
    echo "fuzz: building $binary" >&2
    module RulecDiagnostics
    module RulecSyntax
    swiftc "${flags[@]}" -L "$build" -lRulecSyntax -lRulecDiagnostics Fuzz/FuzzParser.swift -o "$binary"
fi

# The seed corpus, in a throwaway directory (libFuzzer adds what it learns to it).
corpus=$(mktemp -d "${TMPDIR:-/tmp}/rulec-fuzz.XXXXXX")
trap 'rm -rf "$corpus"' EXIT
n=0
while IFS= read -r -d '' f; do
    cp "$f" "$corpus/seed-$n.crmrule"; n=$((n + 1))
done < <(find rules grammar Fuzz/corpus -name '*.crmrule' -type f -print0 2>/dev/null)
echo "fuzz: $n seed files, $duration s" >&2

# Keywords and punctuation, so mutations speak the language.
dict=$build/crmrule.dict
{
    for w in rule param once per every limit priority when if then or and not in is null empty true false \
             changes from to created updated deleted meets reaches before after exists count sum min max as \
             where with create update set delay now old contains starts ends seconds minutes hours days weeks; do
        printf '"%s"\n' "$w"
    done
    for p in '(' ')' '[' ']' '{' '}' '{{' '}}' ',' ':' '.' '+' '-' '*' '/' '=' '!=' '<=' '>=' '<>' '#' '\\n' '\\u{' '3 days'; do
        printf '"%s"\n' "${p//\"/\\\"}"
    done
    printf '"\\""\n'
} > "$dict"

# -timeout: an input taking 10 s is a hang; -rss_limit_mb: runaway memory is a bug too.
status=0
"$binary" "$corpus" -max_total_time="$duration" -timeout=10 -rss_limit_mb=4096 \
    -dict="$dict" -artifact_prefix=fuzz-artifacts/ -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED (exit $status); the input is in fuzz-artifacts/ — add it to Fuzz/corpus/ once fixed" >&2
    exit 1
fi
echo "fuzz: no crash in $duration s" >&2
