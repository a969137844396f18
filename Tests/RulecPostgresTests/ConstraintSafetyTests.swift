import Foundation
import RulecPostgres
import RulecSchema
import RulecSQL
import Testing

/// On a database that enforces its schema (NOT NULL, foreign keys), a data action that would break
/// a constraint is skipped with a server warning; the user's change that fired it goes through.
/// (Scenario databases relax these constraints, as the interpreter knows none of them.)
@Suite struct ConstraintSafetyTests {
    static let rules = """
        rule copy_last_name
          when contact.source changes
          then update contact set first_name = contact.last_name
               notify message: "source of {contact.first_name} is {contact.source}"

        rule note_on_delete
          when contact deleted
          then create note with contact_id: contact.id, workspace_id: contact.workspace_id, body: "deleted {contact.first_name}"

        rule note_on_status
          when contact.status changes
          then create note with contact_id: contact.id, workspace_id: contact.workspace_id, body: "status is now {contact.status}"

        rule timer_bad
          param n: int = 1
          when 1 hour after contact.created_at
          if n > 0
          then notify message: "bad {n}"

        rule timer_good
          when 2 hours after contact.created_at
          then notify message: "good"
        """

    @Test func aDataActionBreakingAConstraintDoesNotFailTheUsersChange() throws {
        let server = try testServer()
        let program = try program(Self.rules)
        let name = "rulec_constraints_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try BlockingPostgresClient(url: server)
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name)"); admin.close() }
        try admin.execute("DROP DATABASE IF EXISTS \(name); CREATE DATABASE \(name)")
        var url = server
        url.database = name
        let db = try BlockingPostgresClient(url: url)
        defer { db.close() }
        try db.execute(DDLGenerator.ddl(for: program.schema))
        try db.execute(MigrationCompiler.compile(program))
        try db.execute("""
            INSERT INTO public.workspaces (id, name, owner_email, storage_used, storage_quota, api_calls, api_quota) VALUES ('w1', 'W', 'o@x.io', 0, 10, 0, 10);
            INSERT INTO public.contacts (id, workspace_id, first_name, status) VALUES ('c1', 'w1', 'Ana', 'lead');
            """)

        // `first_name = last_name` would be null in a NOT NULL column: the update is skipped, the
        // rule's other action and the user's own update are kept.
        try db.execute("UPDATE public.contacts SET source = 'web' WHERE id = 'c1'")
        #expect(try db.query("SELECT first_name, source FROM public.contacts") == [["Ana", "web"]])
        #expect(try db.query("SELECT rule, params ->> 'message' FROM rulec.jobs") == [["copy_last_name", "source of Ana is web"]])

        // A value too long for the user's `varchar(10)`: no note, and the user's update is done.
        try db.execute("ALTER TABLE public.notes ALTER COLUMN body TYPE varchar(10)")
        try db.execute("UPDATE public.contacts SET status = 'customer' WHERE id = 'c1'")
        #expect(try db.query("SELECT status FROM public.contacts") == [["customer"]])
        #expect(try db.scalar("SELECT count(*)::text FROM public.notes") == "0")

        // A note of a deleted contact would break the foreign key: no note, and the delete is done.
        try db.execute("DELETE FROM public.contacts WHERE id = 'c1'")
        #expect(try db.scalar("SELECT count(*)::text FROM public.contacts") == "0")
        #expect(try db.scalar("SELECT count(*)::text FROM public.notes") == "0")

        // An override a rule could not read is refused when written, naming the rule and param.
        for params in [#"{"n": "five"}"#, #"{"m": 1}"#, "[1]"] {
            do {
                try db.execute("INSERT INTO rulec.settings (workspace_id, rule, active, params) VALUES ('w1', 'timer_bad', true, '\(params)')")
                Issue.record("accepted the override \(params)")
            } catch {
                #expect("\(error)".contains("rulec.settings:") && "\(error)".contains("timer_bad"), "\(error)")
            }
        }
        try db.execute("INSERT INTO rulec.settings (workspace_id, rule, active, params) VALUES ('w1', 'timer_good', true, '{}'), ('w2', 'timer_bad', true, '{\"n\": \"7\"}')")

        // A timer whose fire fails (an override written before the check, or before its param's
        // type changed) is dropped with a warning; the timers due after it still fire.
        try db.execute("ALTER TABLE rulec.settings DISABLE TRIGGER rulec_check_settings")
        try db.execute("INSERT INTO rulec.settings (workspace_id, rule, active, params) VALUES ('w1', 'timer_bad', true, '{\"n\": \"five\"}')")
        try db.execute("ALTER TABLE rulec.settings ENABLE TRIGGER rulec_check_settings")
        try db.execute("INSERT INTO public.contacts (id, workspace_id, first_name, status, created_at) VALUES ('c2', 'w1', 'Bo', 'lead', '2030-01-01T00:00:00Z')")
        #expect(try db.scalar("SELECT count(*)::text FROM rulec.timers") == "2")
        _ = try db.query("SELECT rulec.tick('2030-01-01T03:00:00Z')")
        #expect(try db.query("SELECT rule, params ->> 'message' FROM rulec.jobs WHERE entity_id = 'c2'") == [["timer_good", "good"]])
        #expect(try db.scalar("SELECT count(*)::text FROM rulec.timers") == "0")
    }
}
