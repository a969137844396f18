/// The `rulec` schema every migration starts with: the outbox, timers, once-per and rate-limit
/// state, the deployed-rules catalog, per-workspace settings, the clock and the helpers that
/// render values exactly as the interpreter does. Every statement is idempotent, so applying a
/// migration twice changes nothing, and nothing here drops user data.
enum RuntimeSchema {
    /// Records one job (or refused fire); the same fire twice is one row.
    static let recordJob = """
    CREATE OR REPLACE FUNCTION rulec.record_job(p_workspace text, p_rule text, p_action_index integer, p_action text,
        p_entity text, p_entity_id text, p_params jsonb, p_status text, p_fire timestamptz, p_delay interval,
        p_priority text, p_key_params text, p_queue text) RETURNS void
    LANGUAGE plpgsql AS $fn$
    BEGIN
        \(JobInsertSQL(workspace: "p_workspace", rule: "p_rule", action: "p_action", entity: "p_entity", entityId: "p_entity_id",
                       params: "p_params", status: "p_status", runAt: "p_fire + coalesce(p_delay, interval '0')", priority: "p_priority",
                       keyPrefix: "'rulec:v1|' || p_rule || '|' || p_action_index || '|' || p_entity || '|'", fireTime: "p_fire",
                       keyParams: "p_key_params", queue: "p_queue").statement)
    END
    $fn$;

    -- A job whose key is taken: another fire of the same rule, action, row, time and params (an
    -- identical fire of another change at the same instant). Each fire is a job, numbered as the
    -- interpreter numbers it: md5(key || '|1'), md5(key || '|2'), …
    CREATE OR REPLACE FUNCTION rulec.insert_job_again(p_workspace text, p_rule text, p_action text, p_entity text,
        p_entity_id text, p_params jsonb, p_status text, p_run_at timestamptz, p_priority text, p_key text, p_queue text) RETURNS void
    LANGUAGE plpgsql AS $fn$
    DECLARE
        v_n integer := 1;
    BEGIN
        LOOP
            INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key, queue)
                VALUES (p_workspace, p_rule, p_action, p_entity, p_entity_id, p_params, p_status, p_run_at, p_priority,
                        md5(p_key || '|' || v_n), p_queue)
                ON CONFLICT (idempotency_key) DO NOTHING;
            EXIT WHEN FOUND;
            v_n := v_n + 1;
        END LOOP;
    END
    $fn$;
    """

    static let sql = #"""
    CREATE SCHEMA IF NOT EXISTS rulec;

    -- The outbox: one row per job record (docs/jobs.md). The relay claims due pending jobs.
    CREATE TABLE IF NOT EXISTS rulec.jobs (
        id bigserial PRIMARY KEY,
        workspace_id text,
        rule text NOT NULL,
        action text,
        entity text NOT NULL,
        entity_id text NOT NULL,
        params jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL CHECK (status IN ('pending', 'skipped', 'suppressed', 'rate_limited', 'cascade_stopped', 'delivering', 'delivered', 'dead')),
        run_at timestamptz NOT NULL,
        priority text NOT NULL CHECK (priority IN ('high', 'normal', 'low')),
        idempotency_key text NOT NULL UNIQUE,
        queue text,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        claimed_until timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS jobs_due ON rulec.jobs (run_at, id) WHERE status = 'pending';
    CREATE INDEX IF NOT EXISTS jobs_workspace ON rulec.jobs (workspace_id);
    -- The relay: claims of dead relays to take back, delivered jobs past the retention.
    CREATE INDEX IF NOT EXISTS jobs_claimed ON rulec.jobs (claimed_until) WHERE status = 'delivering';
    CREATE INDEX IF NOT EXISTS jobs_delivered ON rulec.jobs (delivered_at) WHERE status = 'delivered';

    -- Armed timers: one per rule, timer trigger and row.
    CREATE TABLE IF NOT EXISTS rulec.timers (
        rule text NOT NULL,
        trigger_index integer NOT NULL,
        entity text NOT NULL,
        entity_id text NOT NULL,
        workspace_id text,
        fire_at timestamptz NOT NULL,
        PRIMARY KEY (rule, trigger_index, entity_id)
    );
    CREATE INDEX IF NOT EXISTS timers_due ON rulec.timers (fire_at);

    -- `once per`: the last fire of a rule for one subject row.
    CREATE TABLE IF NOT EXISTS rulec.once_per (
        rule text NOT NULL,
        subject text NOT NULL,
        workspace_id text,
        last_fire timestamptz NOT NULL,
        PRIMARY KEY (rule, subject)
    );

    -- `limit N per D`: fires counted per rule, workspace and fixed window (aligned to the Unix epoch).
    CREATE TABLE IF NOT EXISTS rulec.rate_windows (
        rule text NOT NULL,
        workspace_id text NOT NULL,
        window_index bigint NOT NULL,
        fires integer NOT NULL,
        PRIMARY KEY (rule, workspace_id, window_index)
    );

    -- The deployed rules and their source hashes (`rulec deploy`, `rulec status`).
    CREATE TABLE IF NOT EXISTS rulec.rules (
        name text PRIMARY KEY,
        entity text NOT NULL,
        run_order integer NOT NULL,
        source_hash text NOT NULL,
        deployed_at timestamptz NOT NULL DEFAULT now()
    );

    -- Per-workspace settings, read by the triggers at run time: no redeploy to turn a rule off.
    CREATE TABLE IF NOT EXISTS rulec.settings (
        workspace_id text NOT NULL,
        rule text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        params jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (workspace_id, rule)
    );

    -- The time of the change: the transaction's, or the test clock `rulec.now` when set.
    CREATE OR REPLACE FUNCTION rulec.now() RETURNS timestamptz
    LANGUAGE sql STABLE AS $fn$
        SELECT coalesce(nullif(current_setting('rulec.now', true), '')::timestamptz, now())
    $fn$;

    CREATE OR REPLACE FUNCTION rulec.from_micros(us bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE AS $fn$ SELECT to_timestamp(0) + (us::text || ' microseconds')::interval $fn$;

    -- A param override of a workspace (jsonb), or null.
    CREATE OR REPLACE FUNCTION rulec.setting(p_workspace text, p_rule text, p_name text) RETURNS jsonb
    LANGUAGE sql STABLE AS $fn$
        SELECT s.params -> p_name FROM rulec.settings s WHERE s.workspace_id = p_workspace AND s.rule = p_rule
    $fn$;

    -- Microseconds since the epoch, exactly (extract returns numeric in PostgreSQL 14+).
    -- t + d, or null when the result is out of the range both backends hold (Timestamps.shifted:
    -- from PostgreSQL's earliest timestamptz to the largest bigint of microseconds since 1970).
    -- STABLE like timestamptz + interval itself, so that it is inlined.
    CREATE OR REPLACE FUNCTION rulec.add_time(t timestamptz, d interval) RETURNS timestamptz
    LANGUAGE sql STABLE AS $fn$
        SELECT CASE WHEN (extract(epoch FROM t AT TIME ZONE 'UTC') + extract(epoch FROM d)) * 1000000
                         BETWEEN -210866803200000000 AND 9223372036854775807 THEN t + d END
    $fn$;

    CREATE OR REPLACE FUNCTION rulec.micros(t timestamptz) RETURNS bigint
    -- Written with immutable functions only (extract of a timestamptz is stable), so PostgreSQL
    -- inlines it: a non-inlined SQL function costs an executor start per call.
    LANGUAGE sql IMMUTABLE AS $fn$ SELECT (extract(epoch FROM t AT TIME ZONE 'UTC') * 1000000)::bigint $fn$;

    CREATE OR REPLACE FUNCTION rulec.interval_micros(d interval) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $fn$ SELECT (extract(epoch FROM d) * 1000000)::bigint $fn$;

    -- Templates render timestamps as ISO 8601 UTC: 2026-11-27T10:00:00Z (fractions trimmed).
    CREATE OR REPLACE FUNCTION rulec.render_timestamp(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE AS $fn$
        SELECT CASE WHEN t IS NULL THEN NULL ELSE
            CASE WHEN t >= '0001-01-01 00:00:00+00' THEN to_char(t AT TIME ZONE 'UTC', 'YYYY')
                 -- BC as ISO 8601 numbers years (the interpreter too): 1 BC is 0000, 2 BC is -0001.
                 WHEN extract(year FROM t AT TIME ZONE 'UTC') = -1 THEN '0000'
                 ELSE '-' || lpad((-extract(year FROM t AT TIME ZONE 'UTC')::bigint - 1)::text, 4, '0') END
            || to_char(t AT TIME ZONE 'UTC', '-MM-DD"T"HH24:MI:SS')
            || coalesce('.' || nullif(rtrim(to_char(t AT TIME ZONE 'UTC', 'US'), '0'), ''), '') || 'Z' END
    $fn$;

    -- Durations in their largest exact unit: `3 days`, `90 minutes`, `1 hour`.
    CREATE OR REPLACE FUNCTION rulec.render_duration(d interval) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $fn$
    DECLARE
        us bigint := rulec.interval_micros(d);
        unit record;
    BEGIN
        IF d IS NULL THEN RETURN NULL; END IF;
        FOR unit IN SELECT * FROM (VALUES (604800000000::bigint, 'week', 1), (86400000000, 'day', 2), (3600000000, 'hour', 3),
                                          (60000000, 'minute', 4), (1000000, 'second', 5)) u(size, name, ord) ORDER BY ord LOOP
            IF us <> 0 AND us % unit.size = 0 THEN
                RETURN (us / unit.size)::text || ' ' || unit.name || CASE WHEN abs(us / unit.size) = 1 THEN '' ELSE 's' END;
            END IF;
        END LOOP;
        RETURN rulec.render_decimal(us::numeric / 1000000) || ' seconds';
    END
    $fn$;

    -- Decimals in plain notation without trailing zeros: 0.9, 12, -3.25.
    CREATE OR REPLACE FUNCTION rulec.render_decimal(n numeric) RETURNS text
    LANGUAGE sql IMMUTABLE AS $fn$ SELECT CASE WHEN n = 0 THEN '0' ELSE trim_scale(n)::text END $fn$;

    -- An int result: null when it leaves bigint, as the interpreter's overflow (never an error).
    CREATE OR REPLACE FUNCTION rulec.int_result(n numeric) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $fn$ SELECT CASE WHEN n BETWEEN -9223372036854775808 AND 9223372036854775807 THEN n::bigint END $fn$;

    -- A duration times or divided by a number, exact: microseconds rounded half away from zero, as
    -- the interpreter does (interval * float8 would round through binary floating point, half to
    -- even); null beyond the 64-bit range or on division by zero.
    CREATE OR REPLACE FUNCTION rulec.scale_duration(d interval, f numeric) RETURNS interval
    LANGUAGE sql IMMUTABLE AS $fn$
        SELECT CASE WHEN r > -9223372036854775808 AND r < 9223372036854775807 THEN (r::text || ' microseconds')::interval END
        FROM (SELECT round(extract(epoch FROM d) * 1000000 * f) AS r) x
    $fn$;

    CREATE OR REPLACE FUNCTION rulec.divide_duration(d interval, f numeric) RETURNS interval
    LANGUAGE sql IMMUTABLE AS $fn$
        SELECT CASE WHEN r > -9223372036854775808 AND r < 9223372036854775807 THEN (r::text || ' microseconds')::interval END
        FROM (SELECT round(extract(epoch FROM d) * 1000000 / nullif(f, 0)) AS r) x
    $fn$;

    -- Division: exact decimals rounded to 10 places, null on division by zero.
    -- PostgreSQL divides to 16 significant digits, fewer places than 10 for large quotients:
    -- a dividend of scale 20 makes it keep 20 places, which are then rounded to the
    -- interpreter's 10.
    CREATE OR REPLACE FUNCTION rulec.divide(a numeric, b numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE AS $fn$ SELECT trim_scale(round((a + 0.00000000000000000000) / nullif(b, 0), 10)) $fn$;

    \#(recordJob)

    -- The cascade depth of the change being processed: 0 for a change made outside rulec.
    CREATE OR REPLACE FUNCTION rulec.depth() RETURNS integer
    LANGUAGE sql STABLE AS $fn$
        SELECT pg_trigger_depth() - 1 + coalesce(nullif(current_setting('rulec.depth_offset', true), '')::integer, 0)
    $fn$;
    """#
}
