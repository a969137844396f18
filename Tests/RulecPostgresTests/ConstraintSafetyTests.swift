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

        // A note of a deleted contact would break the foreign key: no note, and the delete is done.
        try db.execute("DELETE FROM public.contacts WHERE id = 'c1'")
        #expect(try db.scalar("SELECT count(*)::text FROM public.contacts") == "0")
        #expect(try db.scalar("SELECT count(*)::text FROM public.notes") == "0")
    }
}
