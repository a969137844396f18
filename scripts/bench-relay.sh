#!/usr/bin/env bash
# Relay throughput and latency: release build of rulec, a throwaway PostgreSQL 15 and Redis
# (scripts/with-postgres.sh, scripts/with-redis.sh), the example rules deployed.
#
#   scripts/bench-relay.sh [JOBS]      # default 20000
#
# 1. Throughput: JOBS pending jobs in the outbox, then `rulec relay --once` with 1 relay and
#    with 4 relays side by side; jobs per second from start to the last job delivered.
# 2. Latency: one relay running, 2,000 jobs committed one per transaction at ~200/s; for each,
#    the delay from its commit (`created_at`, the transaction's time) to its `waiting` event in
#    BullMQ's events stream (Redis's clock, same machine): p50, p99, max.
# Figures go in docs/performance.md ("Relay").
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${RULEC_TEST_REDIS_URL:-}" ] || [ -z "${RULEC_TEST_PGHOST:-}" ]; then
    swift build -c release --product rulec >&2
    exec scripts/with-postgres.sh scripts/with-redis.sh "$0" "$@"
fi

JOBS=${1:-20000}
RULEC="$(swift build -c release --show-bin-path)/rulec"
PYTHON=$(scripts/bullmq-venv.sh)
REDIS_PORT=$RULEC_TEST_REDIS_PORT
export PGDATABASE=bench
createdb bench
"$RULEC" schema ddl | psql -q -v ON_ERROR_STOP=1 >/dev/null
"$RULEC" compile rules | psql -q -v ON_ERROR_STOP=1 >/dev/null
URL="postgres://$PGUSER@/bench?host=$PGHOST&port=$PGPORT"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "machine: $(nproc) cores, $cpu" >&2

fill() { # fill N TAG: N pending jobs due now, as the fire functions write them
    psql -q -v ON_ERROR_STOP=1 -c "
        INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key, queue)
        SELECT 'ws1', 'welcome_new_customer', 'send_sms', 'contact', 'c' || i,
               jsonb_build_object('to', '+1555' || lpad(i::text, 7, '0'), 'body', 'Welcome to our service, contact ' || i || '!'),
               'pending', now(), 'normal', md5('$2|' || i), 'sms'
        FROM generate_series(1, $1) i"
}
now_ms() { date +%s%3N; }

throughput() { # throughput RELAYS
    local relays=$1
    psql -q -c "TRUNCATE rulec.jobs"
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
    fill "$JOBS" "t$relays"
    local start end pids=()
    start=$(now_ms)
    for _ in $(seq 1 "$relays"); do
        "$RULEC" relay --database-url "$URL" --to "$RULEC_TEST_REDIS_URL" --once --batch 500 --log-level warning 2>/dev/null &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    end=$(now_ms)
    local delivered queued
    delivered=$(psql -tA -c "SELECT count(*) FROM rulec.jobs WHERE status = 'delivered'")
    queued=$(redis-cli -p "$REDIS_PORT" llen bull:sms:wait)
    [ "$delivered" = "$JOBS" ] && [ "$queued" = "$JOBS" ] || { echo "bench: delivered $delivered, in BullMQ $queued, of $JOBS" >&2; exit 1; }
    echo "relays=$relays jobs=$JOBS seconds=$(awk "BEGIN{print ($end-$start)/1000}") jobs_per_second=$(awk "BEGIN{printf \"%d\", $JOBS*1000/($end-$start)}")"
}

throughput 1
throughput 4

# Latency: commit → BullMQ, one relay running with its default poll interval.
psql -q -c "TRUNCATE rulec.jobs"
redis-cli -p "$REDIS_PORT" flushall >/dev/null
"$RULEC" relay --database-url "$URL" --to "$RULEC_TEST_REDIS_URL" --log-level warning 2>/dev/null &
relay=$!
sleep 1
N=2000
for i in $(seq 1 "$N"); do
    echo "INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key, queue)
          VALUES ('ws1', 'welcome_new_customer', 'send_sms', 'contact', 'c$i', '{\"to\": \"+1555\"}', 'pending', now(), 'normal', md5('lat|$i'), 'sms');"
    echo "SELECT pg_sleep(0.005);"
done | psql -q -v ON_ERROR_STOP=1 >/dev/null
for _ in $(seq 1 100); do
    [ "$(psql -tA -c "SELECT count(*) FROM rulec.jobs WHERE status = 'delivered'")" = "$N" ] && break
    sleep 0.1
done
kill -TERM "$relay"; wait "$relay" || true
commits=$(mktemp)
trap 'rm -f "$commits"' EXIT
psql -tA -F ' ' -c "SELECT idempotency_key, (extract(epoch FROM created_at) * 1000)::bigint FROM rulec.jobs" >"$commits"
"$PYTHON" - "$REDIS_PORT" "$commits" <<'PY'
import sys, redis
port, path = int(sys.argv[1]), sys.argv[2]
commit = {}
for line in open(path):
    if line.strip():
        k, ms = line.split()
        commit[k] = int(ms)
r = redis.Redis(host="127.0.0.1", port=port)
arrival = {}
for sid, fields in r.xrange("bull:sms:events", "-", "+"):
    if fields.get(b"event") == b"waiting":
        arrival[fields[b"jobId"].decode()] = int(sid.decode().split("-")[0])
delays = sorted(arrival[k] - commit[k] for k in commit if k in arrival)
assert len(delays) == len(commit), f"{len(delays)} of {len(commit)} jobs arrived"
def pct(p): return delays[min(len(delays) - 1, int(p * len(delays)))]
print(f"latency jobs={len(delays)} p50_ms={pct(0.50)} p99_ms={pct(0.99)} max_ms={delays[-1]}")
PY
