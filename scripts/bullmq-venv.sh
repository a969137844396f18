#!/usr/bin/env bash
# Installs BullMQ's own Python package (`bullmq` from PyPI) into .venv-bullmq/ and prints the
# venv's python. The relay tests run a real BullMQ Worker from it (scripts/bullmq_consumer.py).
#
#   scripts/bullmq-venv.sh            # creates or reuses .venv-bullmq, prints its python path
#
# Pinned: the relay's Lua (Sources/RulecPostgres/Relay/BullMQScript.swift) follows the
# addStandardJob script of this version. Set BULLMQ_VENV to use another directory.
set -euo pipefail
cd "$(dirname "$0")/.."

BULLMQ_VERSION=3.4.4
venv=${BULLMQ_VENV:-$PWD/.venv-bullmq}
python=${PYTHON:-$(command -v python3 || true)}
if [ -z "$python" ]; then
    echo "bullmq-venv: python3 is missing (install Debian's python3 and python3-venv)" >&2
    exit 1
fi

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import bullmq, sys; sys.exit(bullmq.__version__ != '$BULLMQ_VERSION')" 2>/dev/null; then
    echo "$venv/bin/python"
    exit 0
fi

{
    rm -rf "$venv"
    "$python" -m venv "$venv" || { echo "bullmq-venv: cannot create a venv (install python3-venv)" >&2; exit 1; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "bullmq==$BULLMQ_VERSION"
} >&2
echo "$venv/bin/python"
