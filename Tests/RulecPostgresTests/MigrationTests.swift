import Foundation
import RulecPostgres
import RulecSQL
import RulecSemantics
import Testing

/// The migration is idempotent and replaces the previous rule set cleanly (issue 5, item 1).
@Suite struct MigrationTests {
    static let before = """
        rule on_contact
          when contact created
          then notify message: "new {contact.first_name}"

        rule on_message
          when message created
          then notify message: "message {message.body}"

        rule reminder
          when 1 hour before appointment.start_time
          then notify message: "soon"
        """

    static let after = """
        rule on_contact
          when contact created
          then notify message: "welcome {contact.first_name}"
        """

    func catalog(_ db: PostgresTestDatabase) throws -> [[String?]] {
        try db.client.query("SELECT name, source_hash, deployed_at::text FROM rulec.rules ORDER BY name")
    }

    func functions(_ db: PostgresTestDatabase) throws -> Set<String> {
        Set(try db.client.query("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'rulec'").compactMap { $0.first ?? nil })
    }

    func triggers(_ db: PostgresTestDatabase) throws -> Set<String> {
        Set(try db.client.query("SELECT c.relname || '.' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal").compactMap { $0.first ?? nil })
    }

    @Test("a changed timer rule re-computes the timers armed before; a timer no longer of the rule set is dropped")
    func timersFollowTheNewRuleSet() throws {
        func rules(_ trigger: String) -> String { "rule remind\n  when \(trigger)\n  then notify message: \"soon\"\n" }
        let server = try testServer()
        let db = try PostgresTestDatabase.create(server: server, program: try program(rules("2 hours before appointment.start_time")))
        defer { db.drop() }
        try db.client.execute("""
            SET rulec.now = '2029-12-31T00:00:00Z';
            INSERT INTO public.workspaces (id) VALUES ('w1');
            INSERT INTO public.contacts (id, workspace_id, first_name, status) VALUES ('c1', 'w1', 'Ana', 'lead');
            INSERT INTO public.appointments (id, workspace_id, contact_id, title, start_time, status)
              VALUES ('a1', 'w1', 'c1', 'Visit', '2030-01-01T12:00:00Z', 'scheduled'), ('a2', 'w1', 'c1', 'Call', '2030-01-05T12:00:00Z', 'scheduled');
            """)
        func timers() throws -> [[String?]] {
            try db.client.query("SELECT entity_id, to_char(fire_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM rulec.timers ORDER BY 1")
        }
        #expect(try timers() == [["a1", "2030-01-01 10:00"], ["a2", "2030-01-05 10:00"]])
        func apply(_ text: String) throws {
            try db.client.execute("BEGIN;\n" + MigrationCompiler.compile(try program(text)) + "\nCOMMIT;")
        }
        try apply(rules("30 minutes before appointment.start_time"))
        #expect(try timers() == [["a1", "2030-01-01 11:30"], ["a2", "2030-01-05 11:30"]], "re-computed from the rows")
        // Moved into the past for a1 (the clock is 2029-12-31): dropped, as a timer past when armed.
        try apply(rules("3 days before appointment.start_time"))
        #expect(try timers() == [["a2", "2030-01-02 12:00"]])
        try apply(rules("appointment created"))
        #expect(try timers().isEmpty, "the rule is no longer a timer")
    }

    @Test("applying the migration twice changes nothing; a new rule set removes what is gone")
    func reapplyAndReplace() throws {
        let server = try testServer()
        let first = try program(Self.before)
        let db = try PostgresTestDatabase.create(server: server, program: first)
        defer { db.drop() }
        let catalog1 = try catalog(db), functions1 = try functions(db), triggers1 = try triggers(db)
        #expect(catalog1.count == 3)
        #expect(functions1.isSuperset(of: ["rule_on_contact", "rule_on_message", "rule_reminder"]))
        #expect(triggers1.contains("messages.rulec_1_insert") && triggers1.contains("appointments.rulec_0_timers"))

        try db.client.execute("SELECT pg_sleep(0.01)")
        try db.client.execute("BEGIN;\n" + MigrationCompiler.compile(first) + "\nCOMMIT;")
        #expect(try catalog(db) == catalog1, "deployed_at or the catalog changed on a second apply")
        #expect(try functions(db) == functions1)
        #expect(try triggers(db) == triggers1)

        // A trigger of the user's own that shares rulec's prefix is not rulec's to drop.
        try db.client.execute("""
            CREATE FUNCTION public.audit_contact() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
            CREATE TRIGGER rulec_audit_by_user AFTER UPDATE ON public.contacts FOR EACH ROW EXECUTE FUNCTION public.audit_contact();
            """)
        let second = try program(Self.after)
        try db.client.execute("BEGIN;\n" + MigrationCompiler.compile(second) + "\nCOMMIT;")
        #expect(try db.client.scalar("SELECT count(*)::text FROM pg_trigger WHERE tgname = 'rulec_audit_by_user'") == "1")
        try db.client.execute("DROP TRIGGER rulec_audit_by_user ON public.contacts")
        let catalog2 = try catalog(db)
        #expect(catalog2.map { $0[0] } == ["on_contact"])
        #expect(catalog2.first?[1] != catalog1.first?[1], "the changed rule's source hash is new")
        let functions2 = try functions(db)
        #expect(!functions2.contains("rule_on_message") && !functions2.contains("rule_reminder"))
        #expect(functions2.contains("rule_on_contact"))
        #expect(!functions2.contains { $0.hasPrefix("timers_") })
        let triggers2 = try triggers(db)
        #expect(triggers2 == ["contacts.rulec_1_insert", "settings.rulec_check_settings"], "\(triggers2)")

        // And the replaced rule runs its new text.
        try db.client.execute("SET rulec.now = '2026-11-24T09:00:00Z'; INSERT INTO public.contacts (id, workspace_id, first_name, status) VALUES ('c1', 'w1', 'Ana', 'lead')")
        #expect(try db.client.scalar("SELECT params ->> 'message' FROM rulec.jobs") == "welcome Ana")
    }
}
