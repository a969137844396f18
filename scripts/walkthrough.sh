#!/usr/bin/env bash
# Runs the walkthrough of docs/operations.md ("from a fresh clone to a job in BullMQ") exactly as
# a new user would type it, and checks that it ends as the document says: the welcome SMS of
# `welcome_new_customer` processed by BullMQ's own Worker. `make test` runs it, so the document
# cannot drift from what the tools do.
#
#   scripts/walkthrough.sh            # after `swift build`
#
# Every ```sh block of the walkthrough section runs in order, verbatim, in one bash with
# `set -euo pipefail`, except two that a script cannot type into:
#   - step 1 (clone and build): this checkout is the clone; `swift build` has run (make test
#     builds first), and .build/debug goes on PATH as step 1 says;
#   - `scripts/with-postgres.sh bash` (an interactive shell on a throwaway PostgreSQL): the
#     remaining blocks run inside `scripts/with-postgres.sh bash` instead.
# The walkthrough's Redis listens on port 6379, as the document says: the script refuses to run
# when something already listens there, and stops the Redis it started on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."

doc=docs/operations.md
work=$(mktemp -d "${TMPDIR:-/tmp}/rulec-walkthrough.XXXXXX")
started_redis=
cleanup() {
    if [ -n "$started_redis" ]; then redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

for tool in redis-server redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "walkthrough: \`$tool\` is missing (Debian: redis-server, redis-tools, python3)" >&2; exit 1; }
done
[ -x .build/debug/rulec ] || { echo "walkthrough: build first (\`swift build\`): .build/debug/rulec is missing" >&2; exit 1; }
if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    echo "walkthrough: something already listens on 127.0.0.1:6379, the walkthrough's Redis port; stop it first" >&2
    exit 1
fi

# The walkthrough's sh blocks, in order.
python3 - "$doc" "$work" <<'EOF'
import re, sys
doc, work = sys.argv[1], sys.argv[2]
text = open(doc, encoding="utf-8").read()
start = text.index("\n## Walkthrough")
end = text.find("\n## ", start + 1)
section = text[start:end if end != -1 else len(text)]
blocks = re.findall(r"^```sh\n(.*?)^```$", section, re.S | re.M)
if len(blocks) < 3 or "swift build" not in blocks[0] or blocks[1].strip() != "scripts/with-postgres.sh bash":
    sys.exit("walkthrough: the walkthrough no longer starts with the clone/build block and `scripts/with-postgres.sh bash`; update scripts/walkthrough.sh with it")
with open(f"{work}/steps.sh", "w", encoding="utf-8") as out:
    out.write("set -euo pipefail\n")
    for i, b in enumerate(blocks[2:], start=3):
        out.write(f"echo '--- walkthrough block {i}' >&2\n{b}\n")
print(f"walkthrough: {len(blocks) - 2} blocks of {doc} to run", file=sys.stderr)
EOF

export PATH="$PWD/.build/debug:$PATH"
started_redis=yes
if ! scripts/with-postgres.sh bash "$work/steps.sh" > "$work/out.txt" 2> "$work/err.txt"; then
    cat "$work/out.txt"; cat "$work/err.txt" >&2
    echo "walkthrough: a step of $doc failed (output above)" >&2
    exit 1
fi
cat "$work/out.txt"

# The ending the document promises.
fail() { echo "walkthrough: $*" >&2; cat "$work/err.txt" >&2; exit 1; }
grep -q '^deployed: ' "$work/out.txt" || fail "no \`deployed:\` line from rulec deploy"
grep -q 'no rule changes' "$work/out.txt" || fail "the second deploy did not say \`no rule changes\`"
grep -q '"name":"send_sms".*Welcome to our service, Ada!' "$work/out.txt" || fail "BullMQ's Worker did not process the welcome SMS"
processed=$(grep -c '^{"queue":"sms"' "$work/out.txt" || true)
[ "$processed" -eq 3 ] || fail "BullMQ's Worker processed $processed jobs of the sms queue, the document says 3"
grep -q 'delivered' "$work/out.txt" || fail "the jobs are not shown as delivered"
echo "walkthrough: docs/operations.md followed end to end: deployed, the status change fired, 3 jobs processed by BullMQ's Worker"
