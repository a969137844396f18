/// `rulec status`: what is deployed and how the outbox is doing, read in one snapshot
/// (a REPEATABLE READ READ ONLY transaction, so the counts agree with each other).
public struct StatusReport: Sendable {
    public var rules: [DeployedRule]
    /// Job counts by status, sorted by status name; statuses without jobs are left out.
    public var jobsByStatus: [(status: String, count: Int)]
    /// Pending jobs whose `run_at` has come, and those scheduled later (`delay`).
    public var pendingDue: Int
    public var pendingLater: Int
    /// The pending job that has waited longest for delivery, when one is due.
    public var oldestPending: OldestJob?
    /// Timers whose time has come but that `rulec.tick()` has not fired yet.
    public var timersDue: Int
    public var timersPending: Int
    /// The earliest fire time of a pending timer (ISO 8601 UTC).
    public var nextTimer: String?
    /// The database's clock when the report was read (ISO 8601 UTC).
    public var now: String

    public struct OldestJob: Sendable {
        public var id: String
        public var rule: String
        public var action: String?
        public var runAt: String
        /// Seconds since `run_at`.
        public var ageSeconds: Double
        public var attempts: Int
        public var lastError: String?
    }

    /// The database has no rulec runtime schema: nothing was deployed there.
    public struct NotDeployed: Error, Sendable, CustomStringConvertible {
        public var database: String
        public var description: String { "no rules are deployed in \(database) (the `rulec` schema does not exist)" }
    }

    public static func read(_ client: BlockingPostgresClient) throws(PostgresError) -> Result<StatusReport, NotDeployed> {
        try client.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? client.execute("ROLLBACK") }
        guard try client.scalar("SELECT to_regclass('rulec.rules') IS NOT NULL AND to_regclass('rulec.jobs') IS NOT NULL AND to_regclass('rulec.timers') IS NOT NULL") == "t" else {
            return .failure(NotDeployed(database: client.url.description))
        }
        let rules = try Deployer.catalog(client)
        let jobs = try client.query("SELECT status, count(*) FROM rulec.jobs GROUP BY status ORDER BY status").map {
            (status: $0[0] ?? "", count: Int($0[1] ?? "") ?? 0)
        }
        let pending = try client.query("""
            SELECT count(*) FILTER (WHERE run_at <= now()), count(*) FILTER (WHERE run_at > now())
            FROM rulec.jobs WHERE status = 'pending'
            """).first ?? []
        let oldest = try client.query("""
            SELECT id, rule, action, \(Deployer.isoUTC("run_at")), extract(epoch FROM now() - run_at), attempts, last_error
            FROM rulec.jobs WHERE status = 'pending' AND run_at <= now() ORDER BY run_at, id LIMIT 1
            """).first.map {
            OldestJob(id: $0[0] ?? "", rule: $0[1] ?? "", action: $0[2], runAt: $0[3] ?? "",
                      ageSeconds: Double($0[4] ?? "") ?? 0, attempts: Int($0[5] ?? "") ?? 0, lastError: $0[6])
        }
        let timers = try client.query("""
            SELECT count(*) FILTER (WHERE fire_at <= now()), count(*) FILTER (WHERE fire_at > now()),
                   \(Deployer.isoUTC("min(fire_at) FILTER (WHERE fire_at > now())"))
            FROM rulec.timers
            """).first ?? []
        let now = try client.scalar("SELECT \(Deployer.isoUTC("now()"))") ?? ""
        func int(_ row: [String?], _ i: Int) -> Int { i < row.count ? Int(row[i] ?? "") ?? 0 : 0 }
        return .success(StatusReport(rules: rules, jobsByStatus: jobs, pendingDue: int(pending, 0), pendingLater: int(pending, 1),
                                     oldestPending: oldest, timersDue: int(timers, 0), timersPending: int(timers, 1),
                                     nextTimer: timers.count > 2 ? timers[2] : nil, now: now))
    }

    /// `1h 2m 3s`, `4s`, `2d 3h`: the two largest units.
    public static func age(_ seconds: Double) -> String {
        var s = Int(seconds.rounded(.down))
        if s < 0 { s = 0 }
        let parts = [(s / 86400, "d"), (s / 3600 % 24, "h"), (s / 60 % 60, "m"), (s % 60, "s")]
        guard let first = parts.firstIndex(where: { $0.0 > 0 }) else { return "0s" }
        return parts[first..<min(first + 2, parts.count)].filter { $0.0 > 0 }.map { "\($0.0)\($0.1)" }.joined(separator: " ")
    }

    /// The report as `rulec status` prints it.
    public func render() -> String {
        var out = "rules: \(rules.count) deployed\n"
        let width = rules.map(\.name.count).max() ?? 0
        for r in rules {
            out += "  \(r.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(r.entity)  \(r.sourceHash)  deployed \(r.deployedAt)\n"
        }
        let total = jobsByStatus.reduce(0) { $0 + $1.count }
        out += "jobs: \(total)\n"
        for j in jobsByStatus { out += "  \(j.status): \(j.count)\n" }
        out += "pending jobs: \(pendingDue) due, \(pendingLater) scheduled later\n"
        if let o = oldestPending {
            out += "oldest pending job: #\(o.id) \(o.action ?? "-") (rule \(o.rule)), due since \(o.runAt), waiting \(Self.age(o.ageSeconds))"
            if o.attempts > 0 { out += ", \(o.attempts) attempt\(o.attempts == 1 ? "" : "s")" }
            if let e = o.lastError { out += ", last error: \(e)" }
            out += "\n"
        } else {
            out += "oldest pending job: none due\n"
        }
        out += "timers: \(timersDue) due, \(timersPending) pending"
        if let next = nextTimer { out += ", next at \(next)" }
        out += "\n"
        if timersDue > 0 { out += "  note: due timers fire on the next `rulec.tick()` (pg_cron, or a running `rulec relay`)\n" }
        out += "as of \(now)\n"
        return out
    }
}
