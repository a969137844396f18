import Foundation
import Logging
import PostgresNIO

/// The relay's statements on `rulec.jobs`, over one PostgreSQL connection. Every change is a
/// single autocommitted statement, so a relay that dies leaves no open transaction behind, only
/// claims that expire (`claimed_until`) and are taken again.
struct Outbox: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Connects over the unix socket or TCP that `url` names.
    static func connect(_ url: DatabaseURL, logger: Logger) async throws -> Outbox {
        var config: PostgresConnection.Configuration
        if let socket = url.socketPath {
            config = .init(unixSocketPath: socket, username: url.user, password: url.password, database: url.database)
        } else {
            config = .init(host: url.host ?? "localhost", port: url.port, username: url.user, password: url.password,
                           database: url.database, tls: .disable)
        }
        config.options.connectTimeout = .seconds(10)
        do {
            let connection = try await PostgresConnection.connect(configuration: config, id: 1, logger: logger)
            return Outbox(connection: connection, logger: logger)
        } catch {
            throw PostgresError(error, doing: "cannot connect to \(url)")
        }
    }

    func close() async {
        try? await connection.close()
    }

    private func run(_ query: PostgresQuery, doing what: String) async throws -> PostgresRowSequence {
        do {
            return try await connection.query(query, logger: logger)
        } catch {
            throw PostgresError(error, doing: what)
        }
    }

    /// Whether `rulec.jobs` exists (the runtime schema was deployed).
    func hasOutbox() async throws -> Bool {
        let rows = try await run("SELECT to_regclass('rulec.jobs') IS NOT NULL", doing: "checking for rulec.jobs")
        for try await b in rows.decode(Bool.self) { return b }
        return false
    }

    /// Claims up to `limit` due pending jobs, oldest first, skipping rows another relay holds.
    func claim(limit: Int, leaseMillis: Int64) async throws -> [OutboxJob] {
        let rows = try await run("""
            WITH due AS (
                SELECT id FROM rulec.jobs
                WHERE status = 'pending' AND run_at <= now()
                ORDER BY run_at, id
                LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED)
            UPDATE rulec.jobs j
            SET status = 'delivering', claimed_until = now() + \(leaseMillis)::bigint * interval '1 millisecond'
            FROM due WHERE j.id = due.id
            RETURNING j.id, j.idempotency_key,
                coalesce(j.queue, CASE WHEN j.action = 'enqueue' THEN j.params ->> 'queue' END),
                CASE WHEN j.action = 'enqueue' AND jsonb_typeof(j.params -> 'name') = 'string'
                     THEN j.params ->> 'name' ELSE coalesce(j.action, j.rule) END,
                (jsonb_build_object('workspace_id', j.workspace_id, 'rule', j.rule, 'entity', j.entity,
                                    'entity_id', j.entity_id, 'job_id', j.id) || j.params)::text,
                j.workspace_id, j.rule, j.entity, j.entity_id, rulec.render_timestamp(j.run_at), j.attempts
            """, doing: "claiming jobs")
        var jobs: [OutboxJob] = []
        for try await (id, key, queue, name, data, ws, rule, entity, entityID, runAt, attempts)
            in rows.decode((Int64, String, String?, String, String, String?, String, String, String, String, Int32).self) {
            jobs.append(OutboxJob(id: id, idempotencyKey: key, queue: queue, name: name, data: data, workspaceID: ws,
                                  rule: rule, entity: entity, entityID: entityID, runAt: runAt, attempts: Int(attempts)))
        }
        jobs.sort { $0.id < $1.id }
        return jobs
    }

    /// Marks jobs delivered.
    func markDelivered(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        _ = try await run("""
            UPDATE rulec.jobs SET status = 'delivered', delivered_at = now(), claimed_until = NULL, last_error = NULL
            WHERE id = ANY(\(ids)) AND status = 'delivering'
            """, doing: "marking jobs delivered")
    }

    /// A failed delivery: one more attempt, the error kept, back to pending after an exponential
    /// backoff with jitter (half the step plus a random part of the other half), or dead when
    /// the attempts are used up or the failure is permanent. Returns the ids that went dead.
    func markFailed(_ failures: [(id: Int64, error: String, permanent: Bool)], maxAttempts: Int,
                    backoffBaseMillis: Int64, backoffCapMillis: Int64) async throws -> Set<Int64> {
        guard !failures.isEmpty else { return [] }
        let ids = failures.map(\.id), errors = failures.map(\.error), permanent = failures.map(\.permanent)
        let rows = try await run("""
            UPDATE rulec.jobs j
            SET attempts = j.attempts + 1,
                last_error = f.error,
                status = CASE WHEN f.permanent OR j.attempts + 1 >= \(Int64(maxAttempts)) THEN 'dead' ELSE 'pending' END,
                run_at = CASE WHEN f.permanent OR j.attempts + 1 >= \(Int64(maxAttempts)) THEN j.run_at
                    ELSE now() + least(\(backoffCapMillis)::float8, \(backoffBaseMillis)::float8 * power(2, least(j.attempts, 40)))
                                 * (0.5 + random() * 0.5) * interval '1 millisecond' END,
                claimed_until = NULL
            FROM unnest(\(ids)::bigint[], \(errors)::text[], \(permanent)::boolean[]) AS f(id, error, permanent)
            WHERE j.id = f.id AND j.status = 'delivering'
            RETURNING j.id, j.status
            """, doing: "recording failed deliveries")
        var dead: Set<Int64> = []
        for try await (id, status) in rows.decode((Int64, String).self) where status == "dead" { dead.insert(id) }
        return dead
    }

    /// Gives claims back without counting an attempt (a stop, or a destination that is down).
    func release(_ ids: [Int64], error: String? = nil) async throws {
        guard !ids.isEmpty else { return }
        _ = try await run("""
            UPDATE rulec.jobs SET status = 'pending', claimed_until = NULL, last_error = coalesce(\(error), last_error)
            WHERE id = ANY(\(ids)) AND status = 'delivering'
            """, doing: "releasing claims")
    }

    /// Puts the jobs of relays that died (their lease ran out) back to pending.
    func reclaimExpired() async throws -> Int {
        let rows = try await run("""
            UPDATE rulec.jobs SET status = 'pending', claimed_until = NULL
            WHERE status = 'delivering' AND claimed_until < now()
            RETURNING id
            """, doing: "reclaiming expired claims")
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    /// Whether timers need this relay: `rulec.tick()` exists and pg_cron is not installed.
    func needsTicking() async throws -> Bool {
        let rows = try await run("""
            SELECT to_regprocedure('rulec.tick(timestamptz)') IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron')
            """, doing: "checking for rulec.tick")
        for try await b in rows.decode(Bool.self) { return b }
        return false
    }

    /// Fires due timers; returns how many fired.
    func tick() async throws -> Int {
        let rows = try await run("SELECT rulec.tick()", doing: "calling rulec.tick()")
        for try await n in rows.decode(Int32?.self) { return Int(n ?? 0) }
        return 0
    }

    /// Deletes delivered jobs older than the retention, at most `limit` per call.
    func deleteDelivered(olderThanMillis: Int64, limit: Int = 10_000) async throws -> Int {
        let rows = try await run("""
            DELETE FROM rulec.jobs WHERE id IN (
                SELECT id FROM rulec.jobs
                WHERE status = 'delivered' AND delivered_at < now() - \(olderThanMillis)::bigint * interval '1 millisecond'
                LIMIT \(Int64(limit)))
            RETURNING id
            """, doing: "deleting delivered jobs")
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    /// `rulec jobs retry --dead`: dead jobs back to pending, due now, attempts 0.
    func retryDead() async throws -> Int {
        let rows = try await run("""
            UPDATE rulec.jobs SET status = 'pending', attempts = 0, run_at = now(), claimed_until = NULL
            WHERE status = 'dead'
            RETURNING id
            """, doing: "retrying dead jobs")
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }
}
