#!/usr/bin/env bash
# Runs a command against a throwaway redis-server and removes it afterwards.
#
#   scripts/with-redis.sh swift test
#   scripts/with-postgres.sh scripts/with-redis.sh swift test
#
# The server listens on 127.0.0.1 only, on a random port, keeps no data on disk (no RDB, no
# AOF), and lives in a fresh temporary directory. The command sees:
#
#   RULEC_TEST_REDIS_URL         redis://127.0.0.1:PORT
#   RULEC_TEST_REDIS_SERVER      the redis-server binary (tests stop and restart Redis)
#   RULEC_TEST_REDIS_PORT        the port
#
# and the script exits with the command's status. The server is stopped and the directory
# deleted on every exit path (trap), including Ctrl-C and a failing command. Tests that stop
# Redis start it again themselves (same port, same flags); the trap stops whatever runs there.
# The binary comes from $REDIS_SERVER, else $PATH.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || true)}
if [ -z "$REDIS_SERVER" ] || [ ! -x "$REDIS_SERVER" ]; then
    echo "with-redis: cannot find \`redis-server\` (install Debian's redis-server or set REDIS_SERVER)" >&2
    exit 1
fi
REDIS_CLI=$(command -v redis-cli || true)

workdir=$(mktemp -d "${TMPDIR:-/tmp}/rulec-redis.XXXXXX")
port=""

ping() {
    if [ -n "$REDIS_CLI" ]; then
        "$REDIS_CLI" -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1
    else
        # No redis-cli: a bare RESP PING over bash's /dev/tcp.
        (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null
    fi
}

cleanup() {
    local status=$?
    if [ -n "$port" ]; then
        if [ -n "$REDIS_CLI" ]; then
            "$REDIS_CLI" -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
        fi
        # Whatever still holds the pid file (a server a test restarted writes its own).
        for pidfile in "$workdir"/redis*.pid; do
            [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
        done
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=false
for _ in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 30000 ))
    "$REDIS_SERVER" --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
        --dir "$workdir" --pidfile "$workdir/redis-$port.pid" --logfile "$workdir/redis.log" >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
        if ping; then started=true; break; fi
        sleep 0.1
    done
    if [ "$started" = true ]; then break; fi
done
if [ "$started" != true ]; then
    echo "with-redis: redis-server did not start; its log:" >&2
    cat "$workdir/redis.log" >&2 || true
    exit 1
fi

export RULEC_TEST_REDIS_URL="redis://127.0.0.1:$port" RULEC_TEST_REDIS_SERVER="$REDIS_SERVER" RULEC_TEST_REDIS_PORT="$port"
echo "with-redis: Redis on 127.0.0.1 port $port" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
