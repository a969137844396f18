import RulecSchema
import RulecSemantics
import RulecSQL

/// `rulec deploy`: the compiled migration applied to a live database in one transaction.
///
/// Steps, all inside one transaction so that a failure at any point changes nothing and the
/// previously deployed rules keep working:
/// 1. `pg_advisory_xact_lock(Deployer.lockKey)`: two deploys never interleave; the second waits
///    and then plans against what the first committed.
/// 2. Read the catalog (`rulec.rules`, settings and timer counts) and compute the `DeployPlan`.
/// 3. Check the tables and columns the rules use against the live catalog (`DeploySchemaCheck`).
/// 4. Run the migration (`MigrationCompiler`), then COMMIT; a dry run, a failed check or any
///    error ends in ROLLBACK.
public enum Deployer {
    /// The advisory lock every `rulec deploy` takes: the bytes of "rulec" as a bigint.
    public static let lockKey: Int64 = 0x72_75_6c_65_63

    /// How long the migration may wait for a lock on a CRM table (dropping and creating triggers
    /// needs one) before the deploy gives up, rather than queueing every write behind it.
    public static let lockTimeout = "30s"

    public enum Outcome: Sendable, Equatable {
        /// Committed.
        case applied
        /// `--dry-run`: planned and checked, rolled back.
        case dryRun
        /// The live schema lacks something the rules need: rolled back before the migration ran.
        case refused
    }

    public struct Result: Sendable {
        public var plan: DeployPlan
        public var check: DeploySchemaCheck
        public var outcome: Outcome
    }

    /// Deploys `program` over `client`'s connection. Throws `PostgresError` after rolling back
    /// when a statement fails (the migration included).
    public static func deploy(_ program: CheckedProgram, on client: BlockingPostgresClient, dryRun: Bool = false) throws(PostgresError) -> Result {
        try client.execute("BEGIN")
        do {
            try client.execute("SELECT pg_advisory_xact_lock(\(lockKey))")
            try client.execute("SET LOCAL lock_timeout = '\(lockTimeout)'")
            let plan = try readPlan(program, client)
            let requirements = DeployRequirements(program: program)
            let rows = try client.query(DeploySchemaCheck.query(requirements)).map {
                (schema: $0[0] ?? "", table: $0[1] ?? "", kind: $0[2] ?? "", column: $0[3])
            }
            let check = DeploySchemaCheck(requirements: requirements, live: rows)
            guard check.passed, !dryRun else {
                try client.execute("ROLLBACK")
                return Result(plan: plan, check: check, outcome: check.passed ? .dryRun : .refused)
            }
            try client.execute(MigrationCompiler.compile(program))
            try client.execute("COMMIT")
            return Result(plan: plan, check: check, outcome: .applied)
        } catch {
            // The transaction is aborted already; ROLLBACK ends it (and fails harmlessly when the
            // connection is gone, in which case the server rolled back).
            _ = try? client.execute("ROLLBACK")
            throw error
        }
    }

    /// The plan against the catalog as it is now (nil catalog: the first deploy).
    static func readPlan(_ program: CheckedProgram, _ client: BlockingPostgresClient) throws(PostgresError) -> DeployPlan {
        let rules = program.rules.map { (name: $0.name, sourceHash: $0.sourceHash) }
        let exists = try client.query("""
            SELECT to_regclass('rulec.rules') IS NOT NULL, to_regclass('rulec.settings') IS NOT NULL, to_regclass('rulec.timers') IS NOT NULL
            """).first ?? []
        func has(_ i: Int) -> Bool { i < exists.count && exists[i] == "t" }
        let deployed: [DeployedRule]? = has(0) ? try catalog(client) : nil
        let names = program.rules.isEmpty ? "NULL" : program.rules.map { SQLQuoting.literal($0.name) }.joined(separator: ", ")
        var settings = 0, settingsGone = 0, timersGone = 0
        if has(1), let row = try client.query("SELECT count(*), count(*) FILTER (WHERE rule NOT IN (\(names))) FROM rulec.settings").first {
            settings = Int(row[0] ?? "") ?? 0
            settingsGone = Int(row[1] ?? "") ?? 0
        }
        if has(2) {
            timersGone = Int(try client.scalar("SELECT count(*) FROM rulec.timers WHERE rule NOT IN (\(names))") ?? "") ?? 0
        }
        return DeployPlan(deploying: rules, deployed: deployed, settingsKept: settings,
                          settingsOfRemovedRules: settingsGone, timersDropped: timersGone)
    }

    /// The rows of `rulec.rules`, in run order.
    public static func catalog(_ client: BlockingPostgresClient) throws(PostgresError) -> [DeployedRule] {
        try client.query("""
            SELECT name, entity, run_order, source_hash, \(isoUTC("deployed_at")) FROM rulec.rules ORDER BY run_order, name
            """).map {
            DeployedRule(name: $0[0] ?? "", entity: $0[1] ?? "", runOrder: Int($0[2] ?? "") ?? 0,
                         sourceHash: $0[3] ?? "", deployedAt: $0[4] ?? "")
        }
    }

    /// SQL rendering a timestamptz as `2026-11-27T10:00:00Z`, whatever the session's time zone.
    static func isoUTC(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }
}
