import Foundation
import RulecInterpreter
import RulecPostgres
import RulecScenario
import RulecSemantics
import Testing

/// Two workspaces with the same rules (issue 5, item 8): every job carries the workspace of the
/// row that fired it, and on a Supabase-like database (roles `authenticated` and `service_role`,
/// `auth.uid()` reading `request.jwt.claims`, made before the migration) a member of one
/// workspace reads none of the other's jobs, timers or settings; `service_role` reads all.
@Suite struct TenancyTests {
    static let rules = """
        rule greet
          param greeting: text = "Hello"
          when contact created
          then notify message: "{greeting} {contact.first_name}"

        rule follow_up
          when 2 days after contact.created_at
          then send_sms to: contact.phone, body: "Still there, {contact.first_name}?"

        rule converted
          when contact.status changes to customer
          then create task with contact_id: contact.id, workspace_id: contact.workspace_id, title: "Onboard {contact.first_name}"

        rule task_made
          when task created
          then notify message: "task {task.title}"
        """

    static let supabase = """
        DO $pre$ BEGIN
            BEGIN CREATE ROLE authenticated NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
            BEGIN CREATE ROLE service_role NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
        END $pre$;
        CREATE SCHEMA auth;
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
            $fn$ SELECT nullif(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid $fn$;
        GRANT USAGE ON SCHEMA auth TO authenticated, service_role;
        """

    static let user1 = "11111111-1111-1111-1111-111111111111"
    static let user2 = "22222222-2222-2222-2222-222222222222"

    @Test("jobs carry their row's workspace; authenticated users see only their workspaces")
    func tenancy() throws {
        let server = try testServer()
        let program = try program(Self.rules)
        let db = try PostgresTestDatabase.create(server: server, program: program, preamble: Self.supabase)
        defer { db.drop() }
        try db.client.execute("GRANT USAGE ON SCHEMA public TO authenticated, service_role; GRANT SELECT ON ALL TABLES IN SCHEMA public TO authenticated, service_role")

        var events: [(event: Event, at: Int64?)] = []
        for (i, w) in ["w1", "w2", "w1", "w2"].enumerated() {
            events.append((.insert(entity: "contact", row: ["id": .text("c\(i)"), "workspace_id": .text(w), "first_name": .text("N\(i)"),
                                                            "status": .text("lead"), "phone": .text("+1555000\(i)")]), nil))
            events.append((.update(entity: "contact", id: "c\(i)", set: ["status": .text("customer")]), nil))
        }
        let settings: WorkspaceSettings = ["w1": ["greet": RuleSettings(params: ["greeting": .text("Hi")])],
                                           "w2": ["greet": RuleSettings(params: ["greeting": .text("Hey")])]]
        let c = DifferentialCase(settings: settings, now: EventGenerator.start, given: [
            (entity: "workspace_member", row: ["id": .text("m1"), "workspace_id": .text("w1"), "user_id": .text(Self.user1), "role": .text("member")]),
            (entity: "workspace_member", row: ["id": .text("m2"), "workspace_id": .text("w2"), "user_id": .text(Self.user2), "role": .text("member")]),
        ], events: events)
        let (a, b) = try DifferentialTests.outcomes(c, program, db)
        if let d = firstDifference(a.jobs, b.jobs) { Issue.record("job records differ: \(d)") }

        // Every job carries the workspace of the row that fired it.
        let jobs = try db.client.query("SELECT j.workspace_id, c.workspace_id FROM rulec.jobs j LEFT JOIN public.contacts c ON c.id = j.entity_id AND j.entity = 'contact' LEFT JOIN public.tasks t ON t.id = j.entity_id AND j.entity = 'task' WHERE coalesce(c.workspace_id, t.workspace_id) IS NOT NULL")
        #expect(jobs.count == 8, "greet and task_made, for 4 contacts")
        let mismatched = try db.client.scalar("""
            SELECT count(*)::text FROM rulec.jobs j
            LEFT JOIN public.contacts c ON j.entity = 'contact' AND c.id = j.entity_id
            LEFT JOIN public.tasks t ON j.entity = 'task' AND t.id = j.entity_id
            WHERE j.workspace_id IS DISTINCT FROM coalesce(c.workspace_id, t.workspace_id)
            """)
        #expect(mismatched == "0")

        func visible(_ role: String, user: String?, _ table: String) throws -> [String] {
            let claims = user.map { "SET request.jwt.claims = '{\"sub\": \"\($0)\"}';" } ?? ""
            let rows = try db.client.query("BEGIN; SET LOCAL ROLE \(role); \(claims) SELECT coalesce(workspace_id, '') FROM rulec.\(table) ORDER BY 1; ")
            try db.client.execute("COMMIT; RESET ROLE; RESET request.jwt.claims")
            return rows.compactMap { $0.first ?? nil }
        }
        for table in ["jobs", "timers", "settings"] {
            let all = try db.client.query("SELECT workspace_id FROM rulec.\(table) ORDER BY 1").compactMap { $0.first ?? nil }
            #expect(Set(all) == ["w1", "w2"], "\(table) should hold rows of both workspaces: \(all)")
            let one = try visible("authenticated", user: Self.user1, table)
            #expect(!one.isEmpty && one.allSatisfy { $0 == "w1" }, "user 1 sees \(table) \(one)")
            let two = try visible("authenticated", user: Self.user2, table)
            #expect(!two.isEmpty && two.allSatisfy { $0 == "w2" }, "user 2 sees \(table) \(two)")
            let nobody = try visible("authenticated", user: "33333333-3333-3333-3333-333333333333", table)
            #expect(nobody.isEmpty, "a user of no workspace sees \(table) \(nobody)")
            let service = try visible("service_role", user: nil, table)
            #expect(service == all, "service_role sees \(table) \(service)")
        }

        /// Runs `sql` as user 1 in a transaction rolled back afterwards; it must be refused.
        func refusedToMember(_ sql: String, _ what: String) throws {
            do {
                _ = try db.client.query("BEGIN; SET LOCAL ROLE authenticated; SET request.jwt.claims = '{\"sub\": \"\(Self.user1)\"}'; \(sql)")
                Issue.record("an authenticated user could \(what): \(sql)")
            } catch {
                #expect("\(error)".contains("permission denied"), "\(error)")
            }
            try db.client.execute("ROLLBACK; RESET ROLE; RESET request.jwt.claims")
        }

        // rulec's functions run as their owner, past row level security: a user who could call one
        // would write jobs into another workspace. Only the triggers call them.
        for call in ["SELECT rulec.record_job('w2', 'greet', 0, 'send_sms', 'contact', 'c1', '{}'::jsonb, 'pending', now(), NULL, 'normal', '{}', 'sms')",
                     "SELECT rulec.\"rule_greet\"(c, NULL, now(), true) FROM public.contacts c WHERE c.id = 'c1'"] {
            try refusedToMember(call, "call")
        }

        // Members only read the outbox and the rule state: a member who could write them could forge
        // jobs, fire another workspace's timers, or use up its once-per. Settings are theirs to change.
        for write in [
            "INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key) VALUES ('w1', 'greet', 'webhook', 'contact', 'c1', '{}', 'pending', now(), 'high', 'forged')",
            "UPDATE rulec.jobs SET params = '{}' WHERE workspace_id = 'w1'",
            "DELETE FROM rulec.jobs WHERE workspace_id = 'w1'",
            "INSERT INTO rulec.timers (rule, trigger_index, entity, entity_id, workspace_id, fire_at) VALUES ('greet', 0, 'contact', 'c2', 'w1', now())",
            "INSERT INTO rulec.once_per (rule, subject, workspace_id, last_fire) VALUES ('greet', 'c2', 'w1', now())",
            "INSERT INTO rulec.rate_windows (rule, workspace_id, window_index, fires) VALUES ('greet', 'w1', 0, 99)",
        ] {
            try refusedToMember(write, "write")
        }
        let own = try db.client.query("BEGIN; SET LOCAL ROLE authenticated; SET request.jwt.claims = '{\"sub\": \"\(Self.user1)\"}'; UPDATE rulec.settings SET active = false WHERE rule = 'greet' RETURNING workspace_id")
        try db.client.execute("ROLLBACK; RESET ROLE; RESET request.jwt.claims")
        #expect(own.compactMap { $0.first ?? nil } == ["w1"], "a member changes the settings of their workspace only: \(own)")
    }

    @Test("the migration applies on plain PostgreSQL, without Supabase's roles and auth schema")
    func plainPostgres() throws {
        let server = try testServer()
        let db = try PostgresTestDatabase.create(server: server, program: try program(Self.rules))
        defer { db.drop() }
        let secured = try db.client.scalar("SELECT count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'rulec' AND c.relrowsecurity")
        #expect(secured == "5")
    }
}
