import Foundation
import RulecDiagnostics
import Testing
@testable import RulecSchema

/// Execute what we generate: the DDL is applied to a real PostgreSQL 15 and the resulting tables
/// behave as the schema says (defaults, NOT NULL, enum checks, foreign keys).
@Suite(.postgres) struct DDLPostgresTests {
    /// A scratch database with the test clock `rulec.now()` that `DDLOptions.clockExpression` can read.
    private func scratch(_ pg: TestPostgres) throws -> String {
        let db = try pg.createDatabase()
        let clock = try pg.psql("""
            CREATE SCHEMA rulec;
            CREATE TABLE rulec.clock (now timestamptz NOT NULL);
            INSERT INTO rulec.clock VALUES ('2026-11-24T09:00:00Z');
            CREATE FUNCTION rulec.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT now FROM rulec.clock $$;
            """, database: db)
        #expect(clock.status == 0, "\(clock.stderr)")
        return db
    }

    private func apply(_ sql: String, _ pg: TestPostgres, _ db: String) throws {
        let r = try pg.psql(sql, database: db)
        #expect(r.status == 0, "the DDL did not apply:\n\(r.stderr)")
    }

    @Test func defaultSchemaAppliesAndBehaves() throws {
        let pg = try TestPostgres.require()
        let db = try scratch(pg)
        defer { pg.dropDatabase(db) }
        try apply(DDLGenerator.ddl(for: .defaultCRM, options: DDLOptions(clockExpression: "rulec.now()")), pg, db)

        // Rows created with only their required columns get ids, test-clock timestamps and defaults.
        let inserted = try pg.psql("""
            SET TIME ZONE 'UTC';
            INSERT INTO workspaces (id, name, owner_email, storage_used, storage_quota, api_calls, api_quota)
              VALUES ('w1', 'Acme', 'o@acme.test', 0, 100, 0, 1000);
            INSERT INTO contacts (workspace_id, first_name, status) VALUES ('w1', 'Ana', 'lead');
            INSERT INTO tasks (workspace_id, title) VALUES ('w1', 'Call Ana');
            SELECT length(id) > 0, created_at = '2026-11-24T09:00:00Z', updated_at = created_at, tags = '{}'
              FROM contacts;
            SELECT status FROM tasks;
            """, database: db)
        #expect(inserted.status == 0, "\(inserted.stderr)")
        #expect(inserted.stdout == "t|t|t|t\nopen\n")

        // What the schema forbids, the database refuses.
        let refused = [
            "INSERT INTO contacts (workspace_id, first_name, status) VALUES ('w1', 'Bo', 'vip')",  // enum check
            "INSERT INTO contacts (workspace_id, first_name, status) VALUES ('nope', 'Bo', 'lead')",  // foreign key
            "INSERT INTO contacts (workspace_id, status) VALUES ('w1', 'lead')",  // NOT NULL first_name
            "INSERT INTO workspaces (id, name, owner_email, storage_used, storage_quota, api_calls, api_quota) VALUES ('w1', 'x', 'y', 0, 0, 0, 0)",  // primary key
        ]
        for statement in refused {
            let r = try pg.psql(statement + ";", database: db)
            #expect(r.status != 0, "PostgreSQL accepted: \(statement)")
        }
        // Nullable columns take null; the enum check lets null through.
        let nulls = try pg.psql("INSERT INTO contacts (workspace_id, first_name, status, phone, last_name, score) VALUES ('w1', 'Cy', 'customer', NULL, NULL, NULL);", database: db)
        #expect(nulls.status == 0, "\(nulls.stderr)")
    }

    @Test func enumTypeStyleApplies() throws {
        let pg = try TestPostgres.require()
        let db = try pg.createDatabase()
        defer { pg.dropDatabase(db) }
        try apply(DDLGenerator.ddl(for: .defaultCRM, options: DDLOptions(enumStyle: .enumType)), pg, db)
        let r = try pg.psql("""
            INSERT INTO workspaces (id, name, owner_email, storage_used, storage_quota, api_calls, api_quota)
              VALUES ('w1', 'Acme', 'o@acme.test', 0, 100, 0, 1000);
            INSERT INTO tasks (workspace_id, title) VALUES ('w1', 'x');
            SELECT pg_typeof(status)::text, status::text FROM tasks;
            """, database: db)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "task_status|open\n")
    }

    /// Every type, every kind of default, another database schema, non-`id` and uuid/int keys, and
    /// names and values that need quoting.
    @Test func everyFeatureApplies() throws {
        let (schema, diagnostics) = SchemaLoader.load(yaml: Fixtures.everyFeature, path: "every.yaml", sources: SourceManager())
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let pg = try TestPostgres.require()
        for style in DDLOptions.EnumStyle.allCases {
            let db = try scratch(pg)
            defer { pg.dropDatabase(db) }
            let ddl = DDLGenerator.ddl(for: try #require(schema), options: DDLOptions(clockExpression: "rulec.now()", enumStyle: style))
            try apply(ddl, pg, db)
            let r = try pg.psql(#"""
                SET TIME ZONE 'UTC';
                INSERT INTO "crm"."Account ""Main""" DEFAULT VALUES;
                INSERT INTO "crm"."Account ""Main""" (label) VALUES ('it''s');
                INSERT INTO crm.things (account_no) VALUES (1);
                SELECT account_no, label, ratio, active, wait, doc::text, kinds::text, since FROM "crm"."Account ""Main""" ORDER BY account_no;
                SELECT length(id::text), account_no FROM crm.things;
                """#, database: db)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == """
                1|O'Neil \\ "q"|2.5|t|00:30:00|{"a": [1]}|{x,y}|2026-11-24 09:00:00+00
                2|it's|2.5|t|00:30:00|{"a": [1]}|{x,y}|2026-11-24 09:00:00+00
                36|1

                """, "\(style)")
        }
    }
}
