import Foundation
import Testing
import RulecDriver
import RulecPostgres
import RulecSchema
import RulecSemantics

/// `rulec deploy` and `rulec status` against a real PostgreSQL (started by `make test` /
/// scripts/with-postgres.sh). Each test gets its own database holding the default schema's DDL,
/// as a user gets from `rulec schema ddl | psql`, and drives the commands as library calls.
@Suite(.serialized) struct DeployTests {
    // MARK: rule sets

    /// v1: a job when a contact becomes a customer, a note on every status change, a rule to remove later.
    static let v1: [String: String] = [
        "a.crmrule": """
        rule sms_new_customer
          when contact.status changes to customer
          if contact.phone is not null
          then
            send_sms to: contact.phone, body: "Welcome, {contact.first_name}!"
        """,
        "b.crmrule": """
        rule note_status
          when contact.status changes
          then
            create note with contact_id: contact.id, workspace_id: contact.workspace_id, body: "now {contact.status}"
        """,
        "c.crmrule": """
        rule notify_churn
          when contact.status changes to churned
          then
            notify message: "{contact.first_name} churned"
        """,
    ]

    /// v2: `sms_new_customer` unchanged, `note_status` changed, `notify_churn` removed, `notify_lead` added.
    static let v2: [String: String] = [
        "a.crmrule": v1["a.crmrule"]!,
        "b.crmrule": """
        rule note_status
          when contact.status changes
          then
            create note with contact_id: contact.id, workspace_id: contact.workspace_id, body: "status: {contact.status}"
        """,
        "d.crmrule": """
        rule notify_lead
          when contact created
          if contact.status = lead
          then
            notify message: "new lead {contact.first_name}"
        """,
    ]

    /// Reads `contact.email`, a column the sabotaged database lacks.
    static let needsEmail: [String: String] = [
        "a.crmrule": v1["a.crmrule"]!,
        "e.crmrule": """
        rule email_customer
          when contact.status changes to customer
          if contact.email is not null
          then
            send_email to: contact.email, subject: "Welcome", body: "Hi"
        """,
    ]

    // MARK: tests

    @Test func firstDeployOntoAFreshDatabase() throws {
        let db = try ScratchDatabase()
        let out = db.deploy(Self.v1)
        #expect(out.status == .ok, "\(out.stderr)")
        #expect(out.stdout.contains("plan: 3 added, 0 changed, 0 removed, 0 unchanged (first deploy: no rulec catalog in the database yet)\n  + note_status\n  + notify_churn\n  + sms_new_customer\nsettings kept: 0 rows\n"), "\(out.stdout)")
        #expect(out.stdout.contains("live schema: ok ("), "\(out.stdout)")
        #expect(out.stdout.hasSuffix("deployed: 3 rules in one transaction\n"), "\(out.stdout)")
        let program = try Self.program(Self.v1)
        let catalog = try db.rows("SELECT name, source_hash FROM rulec.rules ORDER BY name")
        #expect(catalog == program.rules.map { [$0.name, $0.sourceHash] }.sorted { $0[0]! < $1[0]! })
        // The rules run: a contact becoming a customer writes the job.
        try db.insertContact()
        try db.client.execute("UPDATE contacts SET status = 'customer' WHERE id = 'c1'")
        #expect(try db.rows("SELECT rule, action, status, params->>'to' FROM rulec.jobs ORDER BY id")
            == [["sms_new_customer", "send_sms", "pending", "+15550001"]])
    }

    @Test func planListsAddedChangedAndRemovedRules() throws {
        let db = try ScratchDatabase()
        #expect(db.deploy(Self.v1).status == .ok)
        let before = try db.rows("SELECT name, source_hash FROM rulec.rules ORDER BY name")
        let out = db.deploy(Self.v2)
        #expect(out.status == .ok, "\(out.stderr)")
        #expect(out.stdout.contains("plan: 1 added, 1 changed, 1 removed, 1 unchanged\n  + notify_lead\n  ~ note_status\n  - notify_churn\nsettings kept: 0 rows\n"), "\(out.stdout)")
        let after = try db.rows("SELECT name, source_hash FROM rulec.rules ORDER BY name")
        #expect(after.map { $0[0] } == ["note_status", "notify_lead", "sms_new_customer"])
        #expect(after[0][1] != before.first { $0[0] == "note_status" }![1])
        #expect(after[2] == before.first { $0[0] == "sms_new_customer" }!)
        // The removed rule's function is gone, the new one's is there.
        let functions = try db.rows("SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 'rulec' AND proname LIKE 'rule\\_%' ORDER BY 1").map { $0[0]! }
        #expect(functions.contains { $0.contains("notify_lead") } && !functions.contains { $0.contains("notify_churn") }, "\(functions)")
    }

    @Test func anIdenticalRedeployIsANoOpPlan() throws {
        let db = try ScratchDatabase()
        #expect(db.deploy(Self.v1).status == .ok)
        let before = try db.rows("SELECT name, source_hash, deployed_at FROM rulec.rules ORDER BY name")
        let out = db.deploy(Self.v1)
        #expect(out.status == .ok, "\(out.stderr)")
        #expect(out.stdout.contains("plan: 0 added, 0 changed, 0 removed, 3 unchanged\n  no rule changes\n"), "\(out.stdout)")
        #expect(try db.rows("SELECT name, source_hash, deployed_at FROM rulec.rules ORDER BY name") == before)
    }

    @Test func dryRunPrintsThePlanAndChangesNothing() throws {
        let db = try ScratchDatabase()
        let out = db.deploy(Self.v1, dryRun: true)
        #expect(out.status == .ok, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("dry run: deploying 3 rules to "), "\(out.stdout)")
        #expect(out.stdout.contains("  + sms_new_customer\n"))
        #expect(out.stdout.contains("live schema: ok ("))
        #expect(out.stdout.hasSuffix("dry run: nothing changed\n"))
        #expect(try db.client.scalar("SELECT to_regnamespace('rulec') IS NULL") == "t")

        // A dry run also reports a missing column, and still changes nothing.
        try db.client.execute("ALTER TABLE contacts DROP COLUMN email")
        let refused = db.deploy(Self.needsEmail, dryRun: true)
        #expect(refused.status == .inputErrors)
        #expect(refused.stderr.contains("column `public.contacts.email` (field `contact.email`) does not exist"), "\(refused.stderr)")
    }

    @Test func aMissingColumnIsRefusedAndThePreviousRulesKeepWorking() throws {
        let db = try ScratchDatabase()
        #expect(db.deploy(Self.v1).status == .ok)
        let before = try db.rows("SELECT name, source_hash, deployed_at FROM rulec.rules ORDER BY name")
        try db.client.execute("ALTER TABLE contacts DROP COLUMN email")

        let out = db.deploy(Self.needsEmail)
        #expect(out.status == .inputErrors)
        #expect(out.stderr == """
            error: column `public.contacts.email` (field `contact.email`) does not exist in the database
              = note: needed by rule `email_customer`
              = help: add what is missing to the database first, or check the rules against the schema the database really has (`--schema FILE`)
            error: nothing deployed: the database lacks what the rules need; the rules deployed before keep running

            """, "\(out.stderr)")
        // The plan was still printed, so the user sees what would have happened.
        #expect(out.stdout.contains("plan: 1 added, 0 changed, 2 removed, 1 unchanged"), "\(out.stdout)")
        #expect(try db.rows("SELECT name, source_hash, deployed_at FROM rulec.rules ORDER BY name") == before)
        try db.insertContact()
        try db.client.execute("UPDATE contacts SET status = 'customer' WHERE id = 'c1'")
        #expect(try db.rows("SELECT rule FROM rulec.jobs ORDER BY id") == [["sms_new_customer"]])
        #expect(try db.scalarInt("SELECT count(*) FROM notes") == 1)
    }

    @Test func aMissingTableIsRefused() throws {
        let db = try ScratchDatabase()
        try db.client.execute("DROP TABLE notes CASCADE")
        let out = db.deploy(Self.v1)
        #expect(out.status == .inputErrors)
        #expect(out.stderr.hasPrefix("error: table `public.notes` (entity `note`) does not exist in the database\n  = note: needed by rule `note_status`\n"), "\(out.stderr)")
        #expect(try db.client.scalar("SELECT to_regnamespace('rulec') IS NULL") == "t")
    }

    @Test func aMigrationThatFailsHalfwayRollsBackAndThePreviousRulesKeepWorking() throws {
        let db = try ScratchDatabase()
        #expect(db.deploy(Self.v1).status == .ok)
        let before = try db.rows("SELECT name, source_hash, deployed_at FROM rulec.rules ORDER BY name")
        let triggersBefore = try db.rows("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'rulec%' ORDER BY 1")
        // Sabotage the catalog so the migration's last statements fail after it dropped the old
        // triggers and functions: a new rule cannot be inserted into rulec.rules.
        try db.client.execute("ALTER TABLE rulec.rules ADD COLUMN sabotage integer NOT NULL DEFAULT 0; ALTER TABLE rulec.rules ALTER COLUMN sabotage DROP DEFAULT")
        let out = db.deploy(Self.v2)
        #expect(out.status == .inputErrors)
        #expect(out.stderr.contains("violates not-null constraint"), "\(out.stderr)")
        #expect(out.stderr.hasSuffix("error: nothing deployed (rolled back); the rules deployed before keep running\n"), "\(out.stderr)")
        #expect(try db.rows("SELECT name, source_hash, deployed_at FROM rulec.rules ORDER BY name") == before)
        #expect(try db.rows("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'rulec%' ORDER BY 1") == triggersBefore)
        try db.insertContact()
        try db.client.execute("UPDATE contacts SET status = 'customer' WHERE id = 'c1'")
        #expect(try db.rows("SELECT rule FROM rulec.jobs ORDER BY id") == [["sms_new_customer"]])
        #expect(try db.rows("SELECT body FROM notes") == [["now customer"]])
    }

    @Test func twoConcurrentDeploysSerialize() async throws {
        for round in 0..<3 {
            let db = try ScratchDatabase()
            // Both start at once on their own threads (blocking calls stay off Swift's cooperative pool).
            async let first = db.deployOnThread(Self.v1)
            async let second = db.deployOnThread(Self.v2)
            let outputs = await [first, second]
            for o in outputs { #expect(o.status == .ok, "round \(round): \(o.stderr)") }
            // One planned against the empty database, the other against what the first committed.
            let firsts = outputs.filter { $0.stdout.contains("(first deploy") }
            #expect(firsts.count == 1, "round \(round): \(outputs.map(\.stdout))")
            guard let later = outputs.first(where: { !$0.stdout.contains("(first deploy") }) else { continue }
            let laterSet = later.stdout.contains("  + notify_lead\n") ? Self.v2 : Self.v1
            #expect(later.stdout.contains("plan: 1 added, 1 changed, 1 removed, 1 unchanged"), "\(later.stdout)")
            // The catalog, functions and triggers are exactly those of the deploy that committed last.
            let program = try Self.program(laterSet)
            #expect(try db.rows("SELECT name, source_hash FROM rulec.rules ORDER BY name")
                    == program.rules.map { [$0.name, $0.sourceHash] }.sorted { $0[0]! < $1[0]! })
            let fires = try db.scalarInt("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 'rulec' AND proname LIKE 'rule\\_%'")
            #expect(fires == program.rules.count)
        }
    }

    @Test func settingsSurviveARedeploy() throws {
        let db = try ScratchDatabase()
        #expect(db.deploy(Self.v1).status == .ok)
        try db.client.execute("""
            INSERT INTO rulec.settings (workspace_id, rule, active, params) VALUES
              ('w1', 'sms_new_customer', false, '{}'), ('w1', 'notify_churn', false, '{}'), ('w2', 'note_status', true, '{}')
            """)
        let before = try db.rows("SELECT workspace_id, rule, active, params::text FROM rulec.settings ORDER BY 1, 2")
        let out = db.deploy(Self.v2)
        #expect(out.status == .ok, "\(out.stderr)")
        #expect(out.stdout.contains("settings kept: 3 rows (1 of removed rules)\n"), "\(out.stdout)")
        #expect(try db.rows("SELECT workspace_id, rule, active, params::text FROM rulec.settings ORDER BY 1, 2") == before)
        // And they still act: sms_new_customer is off in w1.
        try db.insertContact()
        try db.client.execute("UPDATE contacts SET status = 'customer' WHERE id = 'c1'")
        #expect(try db.scalarInt("SELECT count(*) FROM rulec.jobs WHERE rule = 'sms_new_customer' AND status = 'pending'") == 0)
    }

    @Test func statusShowsRulesJobsTimersAndTheOldestPendingJob() throws {
        let db = try ScratchDatabase()
        let empty = StatusCommand(databaseURL: db.urlString).run()
        #expect(empty.status == .inputErrors)
        #expect(empty.stderr.hasPrefix("error: no rules are deployed in postgres://"), "\(empty.stderr)")

        #expect(db.deploy(Self.v1).status == .ok)
        try db.insertContact()
        try db.client.execute("""
            UPDATE contacts SET status = 'customer' WHERE id = 'c1';
            UPDATE rulec.jobs SET run_at = now() - interval '2 hours 5 minutes', attempts = 2, last_error = 'redis down' WHERE rule = 'sms_new_customer';
            INSERT INTO rulec.jobs (rule, action, entity, entity_id, status, run_at, priority, idempotency_key)
              VALUES ('note_status', 'notify', 'contact', 'c1', 'pending', now() + interval '1 day', 'normal', 'k-later'),
                     ('note_status', 'notify', 'contact', 'c1', 'dead', now(), 'normal', 'k-dead');
            INSERT INTO rulec.timers (rule, trigger_index, entity, entity_id, fire_at) VALUES
              ('sms_new_customer', 0, 'contact', 'c1', now() - interval '1 minute'),
              ('sms_new_customer', 0, 'contact', 'c2', '2099-01-02T03:04:05Z'),
              ('sms_new_customer', 0, 'contact', 'c3', '2099-06-01T00:00:00Z');
            """)
        let out = StatusCommand(databaseURL: db.urlString).run()
        #expect(out.status == .ok, "\(out.stderr)")
        let program = try Self.program(Self.v1)
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "rules: 3 deployed")
        for (i, rule) in program.rules.enumerated() {
            #expect(lines[1 + i].hasPrefix("  \(rule.name)") && lines[1 + i].contains("contact  \(rule.sourceHash)  deployed 20"), "\(lines[1 + i])")
        }
        let rest = lines[4...].joined(separator: "\n")
        #expect(rest.hasPrefix("""
            jobs: 3
              dead: 1
              pending: 2
            pending jobs: 1 due, 1 scheduled later
            oldest pending job: #1 send_sms (rule sms_new_customer), due since 
            """), "\(rest)")
        #expect(rest.contains(", waiting 2h 5m, 2 attempts, last error: redis down\n"), "\(rest)")
        #expect(rest.contains("\ntimers: 1 due, 2 pending, next at 2099-01-02T03:04:05Z\n"), "\(rest)")
        #expect(rest.contains("\nas of 20"))
    }

    @Test func ageIsShownInItsTwoLargestUnits() {
        #expect(StatusReport.age(0) == "0s")
        #expect(StatusReport.age(59.9) == "59s")
        #expect(StatusReport.age(3600) == "1h")
        #expect(StatusReport.age(7505) == "2h 5m")
        #expect(StatusReport.age(90061) == "1d 1h")
    }

    // MARK: helpers

    static func program(_ files: [String: String]) throws -> CheckedProgram {
        let dir = try writeRules(files)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = try ProgramLoader(paths: [dir]).load()
        guard let program = loaded.program else { throw TestFailure("rules do not check: \(loaded.diagnostics)") }
        return program
    }

    static func writeRules(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "rulec-deploy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try (text + "\n").write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A fresh database with the default schema's DDL (what `rulec schema ddl | psql` gives), dropped
/// when the value goes away.
final class ScratchDatabase: @unchecked Sendable {
    private static let counter = DeployCounter()
    let server: DatabaseURL
    let url: DatabaseURL
    let client: BlockingPostgresClient

    init() throws {
        server = try testServer()   // Support.swift: fails, never skips, without a server
        var url = server
        url.database = "rulec_deploy_\(ProcessInfo.processInfo.processIdentifier)_\(Self.counter.next())"
        self.url = url
        let admin = try BlockingPostgresClient(url: server)
        defer { admin.close() }
        try admin.execute("DROP DATABASE IF EXISTS \(url.database) WITH (FORCE)")
        try admin.execute("CREATE DATABASE \(url.database)")
        client = try BlockingPostgresClient(url: url)
        try client.execute(DDLGenerator.ddl(for: Schema.defaultCRM))
        try client.execute("INSERT INTO workspaces (id, name, owner_email, storage_used, storage_quota, api_calls, api_quota) VALUES ('w1', 'W', 'o@example.com', 0, 0, 0, 0)")
    }

    deinit {
        client.close()
        if let admin = try? BlockingPostgresClient(url: server) {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(url.database) WITH (FORCE)")
            admin.close()
        }
    }

    /// The URL as a user types it: the socket directory as `?host=`.
    var urlString: String {
        if let dir = url.socketDirectory {
            return "postgres://\(url.user)@localhost:\(url.port)/\(url.database)?host=\(dir)"
        }
        return "postgres://\(url.user)@\(url.host ?? "localhost"):\(url.port)/\(url.database)"
    }

    func deploy(_ files: [String: String], dryRun: Bool = false) -> CommandOutput {
        let dir: String
        do { dir = try DeployTests.writeRules(files) } catch { return CommandOutput(stderr: "\(error)", status: .usage) }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return DeployCommand(paths: [dir], databaseURL: urlString, dryRun: dryRun).run()
    }

    /// `deploy` on a thread of its own, so two can block on the database at the same time.
    func deployOnThread(_ files: [String: String]) async -> CommandOutput {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.deploy(files)) }.start()
        }
    }

    func insertContact() throws {
        try client.execute("INSERT INTO contacts (id, workspace_id, first_name, phone, status) VALUES ('c1', 'w1', 'Ada', '+15550001', 'lead')")
    }

    func rows(_ sql: String) throws -> [[String?]] { try client.query(sql) }

    func scalarInt(_ sql: String) throws -> Int? { try client.scalar(sql).flatMap { Int($0) } }
}

final class DeployCounter: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        n += 1
        return n
    }
}
