#!/usr/bin/env bash
# Trigger cost of the compiled SQL (issue 5 item 9), with pgbench on a private PostgreSQL 15:
#
#   scripts/bench-triggers.sh              # DURATION=15 INSERT_DURATION=10 REPS=3 CLIENTS=2
#   RULEC=path/to/rulec scripts/bench-triggers.sh   # a given binary (no build)
#
# One run, one server (scripts/with-postgres.sh), every setup once per repetition, in turn, so
# the ratio to the no-trigger setup is taken within a repetition (the median of those is quoted).
# Settings as ../shared/bench-peers Part B (RESULTS.md) except shared_buffers (128MB default: a
# restart would be needed): fsync on, full_page_writes on, synchronous_commit off, autovacuum
# off, max_wal_size 4GB, checkpoint_timeout 30min. Before each pgbench run: TRUNCATE rulec.jobs,
# event_log, messages; VACUUM ANALYZE contacts; CHECKPOINT.
#
# Tables: `rulec schema ddl` (the default CRM schema, with its foreign keys), 20 workspaces,
# 100,000 contacts (ids '1'..'100000', workspace ws_NN = 1 + id % 20, as the peers').
# Workloads (as the peers'): UPDATE contacts SET status = one of 4 at random WHERE id = random;
# INSERT one message (random contact and its workspace, 17 bodies, inbound 3/7).
# Setups (each a `rulec compile` migration, except none and capture):
#   none      no trigger
#   nm1/10/100  N contact rules `when contact.status changes if contact.workspace_id = "nomatch_i"`
#             and N message rules `when message created if message.workspace_id = "nomatch_i"`:
#             the watched column changes, the condition is never true
#   nw100     100 contact rules watching columns the workload never changes (`contact.email
#             changes`, …) and 100 message rules `when message.body changes` (update only)
#   peers     bench-peers' first 100 contacts/UPDATE and first 100 messages/INSERT rules, as
#             to_rulec.py writes them (the rules of RESULTS.md setups d/e/f and m1)
#   capture   a generic capture trigger: every row change into event_log as to_jsonb(OLD/NEW)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEERS=${PEERS:-$(cd .. && pwd)/shared/bench-peers}
DURATION=${DURATION:-15}
INSERT_DURATION=${INSERT_DURATION:-10}
REPS=${REPS:-3}
CLIENTS=${CLIENTS:-2}
SETUPS=${SETUPS:-none nm1 nm10 nm100 nw100 peers capture}
WORK=${WORK:-$ROOT/.build/bench-data/triggers}

if [ "${1:-}" != --inside ]; then
    if [ -z "${RULEC:-}" ]; then
        swift build -c release --product rulec >/dev/null
        RULEC=$(swift build -c release --show-bin-path)/rulec
    fi
    rm -rf "$WORK" && mkdir -p "$WORK"
    "$RULEC" schema ddl > "$WORK/schema.sql"
    # Rule sets.
    for n in 1 10 100; do
        for i in $(seq "$n"); do
            printf 'rule nm_contact_%d\n  when contact.status changes\n  if contact.workspace_id = "nomatch_%d"\n  then notify message: "nm"\n\n' "$i" "$i"
            printf 'rule nm_message_%d\n  when message created\n  if message.workspace_id = "nomatch_%d"\n  then notify message: "nm"\n\n' "$i" "$i"
        done > "$WORK/nm$n.crmrule"
    done
    cols=(email phone first_name last_name score source tags updated_at)
    for i in $(seq 100); do
        c=${cols[$(( i % ${#cols[@]} ))]}
        printf 'rule nw_contact_%d\n  when contact.%s changes\n  if contact.workspace_id = "ws_%02d"\n  then notify message: "nw"\n\n' "$i" "$c" $(( 1 + i % 20 ))
        printf 'rule nw_message_%d\n  when message.body changes\n  if message.workspace_id = "ws_%02d"\n  then notify message: "nw"\n\n' "$i" $(( 1 + i % 20 ))
    done > "$WORK/nw100.crmrule"
    [ -f "$PEERS/data/rules.json" ] || (cd "$PEERS" && python3 gen.py >/dev/null)
    PYTHONPATH="$PEERS" python3 - "$PEERS/data/rules.json" "$WORK/peers.crmrule" <<'EOF'
import json, sys
from to_rulec import to_crmrule
rules = json.load(open(sys.argv[1]))
cu = [r for r in rules if r["table"] == "contacts" and r["type"] == "UPDATE"][:100]
mi = [r for r in rules if r["table"] == "messages" and r["type"] == "INSERT"][:100]
open(sys.argv[2], "w").write("\n".join(to_crmrule(r) for r in cu + mi))
EOF
    for s in nm1 nm10 nm100 nw100 peers; do
        "$RULEC" compile "$WORK/$s.crmrule" > "$WORK/$s.sql"
    done
    cat > "$WORK/capture.sql" <<'EOF'
CREATE OR REPLACE FUNCTION public.bench_capture_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.event_log (schema_name, table_name, op, old_row, new_row)
  VALUES (TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP,
          CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
          CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
  RETURN NULL;
END $$;
CREATE TRIGGER bench_capture AFTER INSERT OR UPDATE OR DELETE ON public.contacts FOR EACH ROW EXECUTE FUNCTION public.bench_capture_change();
CREATE TRIGGER bench_capture AFTER INSERT OR UPDATE OR DELETE ON public.messages FOR EACH ROW EXECUTE FUNCTION public.bench_capture_change();
EOF
    : > "$WORK/none.sql"
    cat > "$WORK/update.pgbench" <<'EOF'
\set id random(1, 100000)
\set s random(1, 4)
UPDATE contacts SET status = (ARRAY['lead','prospect','customer','churned'])[:s] WHERE id = (:id)::text;
EOF
    cat > "$WORK/insert.pgbench" <<'EOF'
\set c random(1, 100000)
\set b random(1, 17)
\set d random(1, 7)
INSERT INTO messages (workspace_id, contact_id, direction, body, delivery_status)
VALUES ('ws_' || lpad((1 + :c % 20)::text, 2, '0'), (:c)::text,
        CASE WHEN :d <= 3 THEN 'inbound' ELSE 'outbound' END,
        (ARRAY['hi, what is the price for a full detail?','stop','can i book an appointment tomorrow?','thanks!','where are you located?','please call me back','is the promo still on?','reschedule please','yes confirm','unsubscribe me','how much for two?','running 10 min late','your appointment is confirmed for tomorrow','reply yes to confirm','thanks for visiting, leave us a review?','special offer: 20% off this week','we missed you! book again'])[:b],
        CASE WHEN :d <= 3 THEN 'received' ELSE (ARRAY['sent','delivered','failed','undelivered'])[:d - 3] END);
EOF
    export WORK DURATION INSERT_DURATION REPS CLIENTS SETUPS
    exec scripts/with-postgres.sh "$0" --inside
fi

# Inside the throwaway server.
export PGOPTIONS="-c client_min_messages=warning"
PGBIN=/usr/lib/postgresql/15/bin
PGBENCH=$([ -x "$PGBIN/pgbench" ] && echo "$PGBIN/pgbench" || command -v pgbench)
PSQL=$([ -x "$PGBIN/psql" ] && echo "$PGBIN/psql" || command -v psql)
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d bench "$@"; }
"$PSQL" -X -q -d postgres -c "CREATE DATABASE bench"
"$PSQL" -X -q -d postgres >/dev/null <<'EOF'
ALTER SYSTEM SET fsync = on;
ALTER SYSTEM SET full_page_writes = on;
ALTER SYSTEM SET synchronous_commit = off;
ALTER SYSTEM SET autovacuum = off;
ALTER SYSTEM SET max_wal_size = '4GB';
ALTER SYSTEM SET checkpoint_timeout = '30min';
SELECT pg_reload_conf();
EOF
q -f "$WORK/schema.sql" >/dev/null
q <<'EOF' >/dev/null
SELECT setseed(0.42);
INSERT INTO workspaces (id, name, owner_email, storage_used, storage_quota, api_calls, api_quota)
SELECT 'ws_' || lpad(i::text, 2, '0'), 'Workspace ' || i, 'owner' || i || '@example.com', 0, 1000000, 0, 1000000
FROM generate_series(1, 20) AS i;
INSERT INTO contacts (id, workspace_id, first_name, phone, email, status, tags, score, source)
SELECT i::text,
       'ws_' || lpad((1 + i % 20)::text, 2, '0'),
       (ARRAY['Ana','Ben','Carla','Dev','Eli','Fatima','Gus','Hana','Ivan','Jo'])[1 + (random() * 9)::int],
       '+1555' || lpad((random() * 9999999)::int::text, 7, '0'),
       'c' || i || '@example.com',
       (ARRAY['lead','prospect','customer','churned'])[1 + (random() * 3)::int],
       CASE WHEN random() < 0.3 THEN ARRAY['vip'] WHEN random() < 0.5 THEN ARRAY['newsletter','trial']
            ELSE '{}'::text[] END,
       (random() * 100)::int,
       (ARRAY['Austin','Boston','Chicago','Denver','Miami','Seattle'])[1 + (random() * 5)::int]
FROM generate_series(1, 100000) AS i;
CREATE TABLE public.event_log (
  id bigserial PRIMARY KEY, schema_name text NOT NULL, table_name text NOT NULL, op text NOT NULL,
  old_row jsonb, new_row jsonb, created_at timestamptz NOT NULL DEFAULT now());
EOF
# The runtime schema once, so that TRUNCATE rulec.jobs works before any migration has run.
q -f "$WORK/nm1.sql" >/dev/null

drop_triggers() {
    q <<'EOF' >/dev/null
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT tg.tgname, c.relname, n.nspname FROM pg_trigger tg
           JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE NOT tg.tgisinternal AND n.nspname = 'public' LOOP
    EXECUTE format('DROP TRIGGER %I ON %I.%I', t.tgname, t.nspname, t.relname);
  END LOOP;
END $$;
EOF
}

# What the peers rules queue for one deterministic batch of updates and inserts (in a rolled-back
# transaction, jobs counted and hashed): the same figures from one run to the next mean the
# compiled rules still do the same work.
CHECK_SQL="BEGIN;
UPDATE contacts SET status = (ARRAY['lead','prospect','customer','churned'])[1 + (id::int * 7919) % 4],
                    score = LEAST(100, GREATEST(0, score + (id::int % 41) - 20)),
                    tags = CASE WHEN id::int % 3 = 0 THEN tags || ARRAY['vip','partner']
                                WHEN id::int % 3 = 1 THEN ARRAY[]::text[] ELSE tags END
WHERE id::int % 5 = 0;
INSERT INTO messages (id, workspace_id, contact_id, direction, body, delivery_status)
SELECT 'check_' || c, 'ws_' || lpad((1 + c % 20)::text, 2, '0'), c::text, CASE WHEN c % 7 < 3 THEN 'inbound' ELSE 'outbound' END,
       (ARRAY['hi, what is the price?','stop','can i book an appointment tomorrow?','unsubscribe me','how much for two?','leave us a review?'])[1 + c % 6],
       CASE WHEN c % 7 < 3 THEN 'received' ELSE (ARRAY['sent','delivered','failed','undelivered'])[1 + c % 4] END
FROM generate_series(1, 100000, 7) AS c;
SELECT count(*) || ' ' || md5(string_agg(rule || '/' || entity || '/' || coalesce(entity_id, ''), ',' ORDER BY rule, entity, entity_id)) FROM rulec.jobs;
ROLLBACK;"
if [[ " $SETUPS " == *" peers "* ]]; then
    drop_triggers
    q -f "$WORK/peers.sql" >/dev/null
    echo "check batch, peers: $(q -At <<< "$CHECK_SQL" | grep -E '^[0-9]+ [0-9a-f]{32}$') (jobs, hash)" >&2
fi

bench() { # script duration -> tps
    "$PGBENCH" -n -c "$CLIENTS" -j "$CLIENTS" -T "$2" -f "$WORK/$1.pgbench" bench 2>&1 \
        | sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p'
}

echo "$("$PSQL" -X -At -d postgres -c 'SELECT version()' | cut -d, -f1); $("$PGBENCH" --version); clients $CLIENTS; updates -T $DURATION, inserts -T $INSERT_DURATION; $REPS repetitions" >&2
RESULTS=$WORK/results.tsv
: > "$RESULTS"
for rep in $(seq "$REPS"); do
    for s in $SETUPS; do
        drop_triggers
        q -f "$WORK/$s.sql" >/dev/null
        for kind in update insert; do
            q -c "TRUNCATE rulec.jobs, public.event_log, public.messages" -c "VACUUM ANALYZE public.contacts" -c "CHECKPOINT" >/dev/null
            dur=$DURATION; [ "$kind" = insert ] && dur=$INSERT_DURATION
            tps=$(bench "$kind" "$dur")
            jobs=$(q -At -c "SELECT count(*) FROM rulec.jobs")
            log=$(q -At -c "SELECT count(*) FROM public.event_log")
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$kind" "$s" "$tps" "$jobs" "$log" >> "$RESULTS"
            printf 'rep %s %-6s %-8s tps=%9s jobs=%s event_log=%s\n' "$rep" "$kind" "$s" "$tps" "$jobs" "$log" >&2
        done
    done
done

python3 - "$RESULTS" "$SETUPS" <<'EOF'
import statistics, sys, collections
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
setups = sys.argv[2].split()
tps = collections.defaultdict(dict); jobs = collections.defaultdict(list)
for rep, kind, s, t, j, log in rows:
    tps[(kind, s)][rep] = float(t); jobs[(kind, s)].append(int(j))
print("| workload | setup | median tps | min-max | ratio to no trigger (median of per-rep) | per-rep ratios | jobs per run (median) |")
print("|---|---|---|---|---|---|---|")
for kind in ("update", "insert"):
    for s in setups:
        if (kind, s) not in tps: continue
        t = tps[(kind, s)]; base = tps[(kind, "none")]
        ratios = [t[r] / base[r] for r in sorted(t) if r in base]
        xs = sorted(t.values())
        print(f"| {kind} | {s} | {statistics.median(xs):,.0f} | {xs[0]:,.0f}-{xs[-1]:,.0f} | {statistics.median(ratios):.3f} | "
              f"{' '.join(f'{r:.3f}' for r in ratios)} | {statistics.median(jobs[(kind, s)]):,.0f} |")
EOF
