import Foundation
import Testing
import RulecDiagnostics
import RulecDriver
@testable import RulecPostgres
import RulecSchema
import RulecSemantics
import RulecSQL

// `rulec schema pull` against a real PostgreSQL 15: the default schema's DDL (both enum styles) and
// a schema written differently are pulled, compared, checked against rules, and the compiled
// migration is applied to them twice. The server comes from scripts/with-postgres.sh (`make test`);
// without one these tests fail, never skip.

/// The test server: RULEC_TEST_PG*, else PG*; psql runs statements with ON_ERROR_STOP.
private struct PullServer {
    var host: String
    var port: Int
    var user: String

    static func require() throws -> PullServer {
        let env = ProcessInfo.processInfo.environment
        func value(_ name: String) -> String? { env["RULEC_TEST_" + name].flatMap { $0.isEmpty ? nil : $0 } ?? env[name] }
        guard let host = value("PGHOST"), !host.isEmpty else {
            throw PullTestFailure("no PostgreSQL for the schema pull tests: run them with `make test` or "
                + "`scripts/with-postgres.sh swift test --filter SchemaPullTests` (RULEC_TEST_PGHOST/PGPORT/PGUSER, or PGHOST/PGPORT/PGUSER)")
        }
        return PullServer(host: host, port: Int(value("PGPORT") ?? "") ?? 5432,
                          user: value("PGUSER") ?? env["USER"] ?? "postgres")
    }

    func url(_ database: String) -> DatabaseURL {
        host.hasPrefix("/") ? DatabaseURL(user: user, socketDirectory: host, port: port, database: database)
            : DatabaseURL(user: user, host: host, port: port, database: database)
    }

    /// `psql -v ON_ERROR_STOP=1`: the exit status is 0 only when every statement applied.
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = FileManager.default.temporaryDirectory
        let file = dir.appendingPathComponent("rulec-pull-\(UUID().uuidString).sql")
        try sql.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port),
                             "-U", user, "-d", database, "-f", file.path]
        let out = dir.appendingPathComponent("rulec-pull-\(UUID().uuidString).out")
        let err = dir.appendingPathComponent("rulec-pull-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let status = process.exitStatus(within: 120)
        if status == nil { process.killIfRunning() }
        return (status ?? -1, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    func createDatabase() throws -> String {
        let name = "rulec_pull_" + UUID().uuidString.prefix(8).lowercased()
        let r = try psql("CREATE DATABASE \(name);")
        guard r.status == 0 else { throw PullTestFailure("CREATE DATABASE failed: \(r.stderr)") }
        return name
    }

    func dropDatabase(_ name: String) { _ = try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE);") }

    /// Applies SQL and records the server's error when it does not apply.
    func apply(_ sql: String, to database: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try psql(sql, database: database)
        #expect(r.status == 0, "\(what) did not apply:\n\(r.stderr)", sourceLocation: sourceLocation)
        if r.status != 0 { throw PullTestFailure("\(what) did not apply") }
    }
}

private struct PullTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private let pullRepositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// Pulls a database and asserts it gave a schema, with the warnings it gave.
private func pull(_ server: PullServer, _ database: String, options: SchemaPullOptions = SchemaPullOptions(),
                  sourceLocation: SourceLocation = #_sourceLocation) async throws -> (Schema, String, [Diagnostic]) {
    let result = try await SchemaPull.pull(from: server.url(database), options: options)
    guard let schema = result.schema, let yaml = result.yaml else {
        Issue.record("nothing pulled: \(result.diagnostics.map { "\($0.code) \($0.message)" })", sourceLocation: sourceLocation)
        throw PullTestFailure("nothing pulled")
    }
    return (schema, yaml, result.diagnostics)
}

/// Checks rule files against a schema YAML (through a temporary `--schema` file, as users do).
private func check(_ paths: [String], schemaYAML: String) throws -> ProgramLoader.Loaded {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-pulled-\(UUID().uuidString).yaml").path
    try schemaYAML.write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    return try ProgramLoader(paths: paths, schemaPath: file).load()
}

private func errors(_ loaded: ProgramLoader.Loaded) -> String {
    DiagnosticRenderer().render(loaded.diagnostics.filter { $0.severity == .error }, sources: loaded.sources)
}

@Suite(.serialized) struct SchemaPullTests {
    // MARK: - (a) the default schema, pulled back

    /// The inverse names the default schema chooses by hand (`inverse:`), which a database cannot know.
    static let handNamedInverses: [String: String] = [
        "group.members": "group_members", "campaign.members": "campaign_members", "user.assigned_tasks": "tasks",
    ]

    @Test(arguments: DDLOptions.EnumStyle.allCases)
    func defaultSchemaPullsBackCompilesAndMigratesTwice(style: DDLOptions.EnumStyle) async throws {
        let server = try PullServer.require()
        let db = try server.createDatabase()
        defer { server.dropDatabase(db) }
        let ddl = SchemaCommand(schemaPath: nil, mode: .ddl(DDLOptions(enumStyle: style))).run()
        #expect(ddl.status == .ok)
        try server.apply(ddl.stdout, to: db, "`rulec schema ddl` (\(style))")

        let (pulled, yaml, diagnostics) = try await pull(server, db)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let expected = Schema.defaultCRM
        #expect(Set(pulled.entities.map(\.name)) == Set(expected.entities.map(\.name)))
        for want in expected.entities {
            guard let got = pulled.entity(named: want.name) else { continue }
            #expect(got.table == want.table && got.dbSchema == want.dbSchema && got.key == want.key)
            #expect(got.tenantKey == want.tenantKey, "tenant key of \(want.name)")
            // Fields: names, order, types (phone and email included), nullability and defaults.
            #expect(got.fields == want.fields, "fields of \(want.name)")
            let rename = { (r: Relation) -> Relation in
                var r = r
                r.name = Self.handNamedInverses["\(want.name).\(r.name)"] ?? r.name
                return r
            }
            // Relations: the same, up to order (inverses follow entity order, alphabetical when pulled).
            let byName = { (rs: [Relation]) in rs.sorted { ($0.name, $0.foreignKey) < ($1.name, $1.foreignKey) } }
            #expect(byName(got.relations) == byName(want.relations.map(rename)), "relations of \(want.name)")
        }
        #expect(Dictionary(uniqueKeysWithValues: pulled.enums.map { ($0.name, $0.values) })
                == Dictionary(uniqueKeysWithValues: expected.enums.map { ($0.name, $0.values) }))
        #expect(pulled.actions == expected.actions)

        // Every rule of rules/ checks clean against the pulled schema, and its migration applies twice.
        let loaded = try check([pullRepositoryRoot + "/rules"], schemaYAML: yaml)
        #expect(errors(loaded).isEmpty, "rules/ against the pulled schema:\n\(errors(loaded))")
        let program = try #require(loaded.program)
        let migration = MigrationCompiler.compile(program)
        try server.apply(migration, to: db, "the migration of rules/ (first time)")
        try server.apply(migration, to: db, "the migration of rules/ (second time)")

        // The migration adds no table to `public`: pulling again gives the same YAML.
        let (_, again, _) = try await pull(server, db)
        #expect(again == yaml)
    }

    // MARK: - (b) a schema written differently

    static let differentDDL = """
        CREATE TYPE public.deal_stage AS ENUM ('new', 'won', 'lost', 'in progress');
        CREATE TABLE public.workspaces (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            title varchar(200) NOT NULL,
            created timestamp without time zone NOT NULL DEFAULT timezone('utc'::text, now())
        );
        CREATE SCHEMA crm;
        CREATE TABLE crm.contacts (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            workspace_id uuid NOT NULL REFERENCES public.workspaces (id),
            full_name text NOT NULL,
            mobile_phone text,
            email_address varchar(320),
            lifecycle text NOT NULL DEFAULT 'lead' CHECK (lifecycle IN ('lead', 'customer', 'churned')),
            kind varchar(20) CHECK (kind = ANY (ARRAY['person'::varchar, 'company'::varchar])),
            labels text[] NOT NULL DEFAULT '{}',
            score integer NOT NULL DEFAULT 0,
            location point,
            updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE public.categories (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name text NOT NULL,
            parent_id bigint REFERENCES public.categories (id)
        );
        CREATE TABLE public.deals (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            workspace_id uuid NOT NULL REFERENCES public.workspaces (id),
            contact_id uuid REFERENCES crm.contacts (id),
            referrer_id uuid REFERENCES crm.contacts (id),
            category_id bigint REFERENCES public.categories (id),
            stage public.deal_stage NOT NULL DEFAULT 'new',
            amount numeric(12, 2),
            closes_in interval,
            meta jsonb NOT NULL DEFAULT '{}'::jsonb,
            closed_at timestamp
        );
        CREATE TABLE public.addresses (
            id serial PRIMARY KEY,
            line1 text NOT NULL,
            country char(2) NOT NULL DEFAULT 'DE'
        );
        CREATE TABLE public.deal_tags (
            deal_id uuid REFERENCES public.deals (id),
            tag text,
            PRIMARY KEY (deal_id, tag)
        );
        """

    @Test func differentSchemaPullsChecksAndMigratesTwice() async throws {
        let server = try PullServer.require()
        let db = try server.createDatabase()
        defer { server.dropDatabase(db) }
        try server.apply(Self.differentDDL, to: db, "the hand-written schema")

        let (schema, yaml, diagnostics) = try await pull(server, db, options: SchemaPullOptions(dbSchemas: ["public", "crm"]))
        // Warnings: the composite key of deal_tags, the point column.
        let codes = diagnostics.map(\.code.id).sorted()
        #expect(codes == ["R2103", "R2104"], "\(diagnostics.map(\.message))")
        #expect(diagnostics.allSatisfy { $0.severity == .warning })
        #expect(diagnostics.contains { $0.message.contains("`crm.contacts.location`") && $0.message.contains("`point`") })
        #expect(diagnostics.contains { $0.message.contains("`public.deal_tags`") && $0.message.contains("composite") })

        #expect(schema.entities.map(\.name) == ["address", "category", "deal", "workspace", "contact"])
        let workspace = try #require(schema.entity(named: "workspace"))
        #expect(workspace.tenantKey == "id")
        #expect(workspace.field(named: "id") == Field(name: "id", type: .uuid, defaultValue: .generated))
        #expect(workspace.field(named: "title") == Field(name: "title", type: .text))
        #expect(workspace.field(named: "created") == Field(name: "created", type: .timestamp, defaultValue: .now))
        #expect(workspace.relations.map(\.name) == ["deals", "contacts"])

        let contact = try #require(schema.entity(named: "contact"))
        #expect(contact.dbSchema == "crm" && contact.table == "contacts" && contact.tenantKey == "workspace_id")
        #expect(contact.field(named: "workspace_id")?.type == .uuid)
        #expect(contact.field(named: "mobile_phone") == Field(name: "mobile_phone", type: .phone, nullable: true))
        #expect(contact.field(named: "email_address") == Field(name: "email_address", type: .email, nullable: true))
        #expect(contact.field(named: "lifecycle") == Field(name: "lifecycle", type: .enumeration("contact_lifecycle"),
                                                          defaultValue: .literal("lead")))
        #expect(contact.field(named: "kind") == Field(name: "kind", type: .enumeration("contact_kind"), nullable: true))
        #expect(contact.field(named: "labels") == Field(name: "labels", type: .list(.text), defaultValue: .list([])))
        #expect(contact.field(named: "score") == Field(name: "score", type: .int, defaultValue: .literal("0")))
        #expect(contact.field(named: "location") == Field(name: "location", type: .text, nullable: true))
        #expect(contact.field(named: "updated_at") == Field(name: "updated_at", type: .timestamp, defaultValue: .now))
        // Two foreign keys from deals to contacts: disambiguated inverses.
        #expect(contact.relations == [
            Relation(name: "workspace", cardinality: .manyToOne, target: "workspace", foreignKey: "workspace_id"),
            Relation(name: "contact_deals", cardinality: .oneToMany, target: "deal", foreignKey: "contact_id"),
            Relation(name: "referrer_deals", cardinality: .oneToMany, target: "deal", foreignKey: "referrer_id"),
        ])

        let deal = try #require(schema.entity(named: "deal"))
        #expect(deal.field(named: "stage") == Field(name: "stage", type: .enumeration("deal_stage"), defaultValue: .literal("new")))
        #expect(deal.field(named: "amount")?.type == .decimal)
        #expect(deal.field(named: "closes_in")?.type == .duration)
        #expect(deal.field(named: "meta") == Field(name: "meta", type: .json, defaultValue: .literal("{}")))
        #expect(deal.field(named: "closed_at") == Field(name: "closed_at", type: .timestamp, nullable: true))
        #expect(deal.relations.map(\.name) == ["workspace", "contact", "referrer", "category"])

        let category = try #require(schema.entity(named: "category"))
        #expect(category.tenantKey == nil)
        #expect(category.field(named: "id") == Field(name: "id", type: .int, defaultValue: .generated))
        #expect(category.relations == [
            Relation(name: "parent", cardinality: .manyToOne, target: "category", foreignKey: "parent_id"),
            Relation(name: "categories", cardinality: .oneToMany, target: "category", foreignKey: "parent_id"),
            Relation(name: "deals", cardinality: .oneToMany, target: "deal", foreignKey: "category_id"),
        ])
        let address = try #require(schema.entity(named: "address"))
        #expect(address.tenantKey == nil)
        #expect(address.field(named: "id") == Field(name: "id", type: .int, defaultValue: .generated))
        #expect(address.field(named: "country") == Field(name: "country", type: .text, defaultValue: .literal("DE")))
        #expect(schema.enums == [
            EnumType(name: "contact_kind", values: ["person", "company"]),
            EnumType(name: "contact_lifecycle", values: ["lead", "customer", "churned"]),
            EnumType(name: "deal_stage", values: ["new", "won", "lost", "in progress"]),
        ])

        // Rules against it: enums, phone, relations both ways, a single-tenant entity.
        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-pull-\(UUID().uuidString).crmrule").path
        try """
            rule won_deal_text
              when deal.stage changes to won
              if deal.contact.mobile_phone is not null
              then
                send_sms to: deal.contact.mobile_phone, body: "Thanks, {deal.contact.full_name}!"

            rule new_customer
              when contact created
              if contact.lifecycle = customer and count(contact.contact_deals) = 0
              then
                notify message: "{contact.full_name} in {contact.workspace.title}"

            rule new_category
              when category created
              then
                webhook url: "https://example.test/categories"
            """.write(toFile: rules, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let loaded = try check([rules], schemaYAML: yaml)
        #expect(errors(loaded).isEmpty, "rules against the pulled schema:\n\(errors(loaded))")
        let program = try #require(loaded.program)
        let migration = MigrationCompiler.compile(program)
        try server.apply(migration, to: db, "the migration (first time)")
        try server.apply(migration, to: db, "the migration (second time)")

        // The rules fire on the database: a won deal with a phone writes an SMS job in its workspace,
        // a new (single-tenant) category a webhook job without one.
        let fired = try server.psql("""
            INSERT INTO public.workspaces (title) VALUES ('Acme');
            INSERT INTO crm.contacts (workspace_id, full_name, mobile_phone)
              SELECT id, 'Ana', '+4915112345678' FROM public.workspaces;
            INSERT INTO public.deals (workspace_id, contact_id) SELECT workspace_id, id FROM crm.contacts;
            UPDATE public.deals SET stage = 'won';
            INSERT INTO public.categories (name) VALUES ('single-tenant');
            SELECT action, workspace_id IS NULL FROM rulec.jobs ORDER BY action;
            """, database: db)
        #expect(fired.status == 0, "\(fired.stderr)")
        #expect(fired.stdout == "send_sms|f\nwebhook|t\n", "\(fired.stdout)")
    }

    // MARK: - (c) DDL applies cleanly, and pulled schemas survive their own DDL

    @Test(arguments: DDLOptions.EnumStyle.allCases)
    func ddlAppliesCleanlyAndPulledSchemaRoundTrips(style: DDLOptions.EnumStyle) async throws {
        let server = try PullServer.require()
        let first = try server.createDatabase(), second = try server.createDatabase()
        defer { server.dropDatabase(first); server.dropDatabase(second) }
        try server.apply(Self.differentDDL, to: first, "the hand-written schema")
        let options = SchemaPullOptions(dbSchemas: ["public", "crm"])
        let (pulled, yaml, _) = try await pull(server, first, options: options)
        // `rulec schema ddl` of the pulled YAML applies to an empty database and pulls back the same.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-pulled-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let ddl = SchemaCommand(schemaPath: file, mode: .ddl(DDLOptions(enumStyle: style))).run()
        #expect(ddl.status == .ok, "\(ddl.stderr)")
        try server.apply(ddl.stdout, to: second, "`rulec schema ddl` of the pulled schema (\(style))")
        let (again, _, diagnostics) = try await pull(server, second, options: options)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(again == pulled)
    }

    // MARK: - The command: output file, failures, strange databases

    @Test func commandWritesFileAndReportsFailures() async throws {
        let server = try PullServer.require()
        let db = try server.createDatabase()
        defer { server.dropDatabase(db) }
        let url = "postgres://\(server.user):secret@localhost:\(server.port)/\(db)?host=\(server.host)"

        // An empty database: a clear error, exit 1.
        let empty = await SchemaPullCommand(databaseURL: url).run()
        #expect(empty.status == .inputErrors)
        #expect(empty.stderr.contains("R2101") && empty.stderr.contains("no table"), "\(empty.stderr)")
        #expect(empty.stdout.isEmpty)

        // An unknown database schema: did you mean.
        try server.apply("CREATE TABLE public.things (id int PRIMARY KEY);", to: db, "a table")
        let unknown = await SchemaPullCommand(databaseURL: url, dbSchemas: ["pubic"]).run()
        #expect(unknown.status == .inputErrors)
        #expect(unknown.stderr.contains("no schema `pubic`") && unknown.stderr.contains("did you mean `public`?"), "\(unknown.stderr)")

        // -o FILE.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-pull-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let written = await SchemaPullCommand(databaseURL: url, tenantKey: "none", output: out).run()
        #expect(written.status == .ok, "\(written.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("  thing:\n    table: things\n    fields:\n      id: int\n"), "\(text)")
        #expect(!text.contains("secret"))

        // Unreachable server, missing database: exit 2, the URL without its password, the reason.
        let missing = await SchemaPullCommand(databaseURL: "postgres://\(server.user):secret@localhost:\(server.port)/no_such_db?host=\(server.host)").run()
        #expect(missing.status == .usage)
        #expect(missing.stderr.contains("postgres://\(server.user)@localhost:\(server.port)/no_such_db?host=\(server.host)"), "\(missing.stderr)")
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("secret"))
        let refused = await SchemaPullCommand(databaseURL: "postgres://u:secret@127.0.0.1:1/x").run()
        #expect(refused.status == .usage)
        #expect(refused.stderr.contains("cannot read the schema of postgres://u@127.0.0.1:1/x"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("secret"))
        let bad = await SchemaPullCommand(databaseURL: "mysql://x").run()
        #expect(bad.status == .usage)
    }

    // MARK: - Without a database

    @Test func writerRoundTripsTheDefaultSchema() {
        let yaml = SchemaYAMLWriter.yaml(for: .defaultCRM, header: ["a header"])
        let (loaded, diagnostics) = SchemaLoader.load(yaml: yaml, path: "<written>", sources: SourceManager())
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(loaded == .defaultCRM)
        #expect(SchemaYAMLWriter.yaml(for: .defaultCRM, header: ["a header"]) == yaml)
        #expect(yaml.hasPrefix("# a header\n\nenums:\n"))
        #expect(yaml.contains("      group_id: {type: text, references: group, inverse: members}\n"))
    }

    @Test func writerQuotesWhatYAMLWouldMisread() {
        let schema = Schema(
            entities: [Entity(name: "null_thing", table: "no", tenantKey: nil, fields: [
                Field(name: "id", type: .text),
                Field(name: "yes", type: .enumeration("on"), nullable: true, defaultValue: .literal("in \"progress\"")),
                Field(name: "note", type: .text, defaultValue: .literal("now")),
                Field(name: "raw", type: .text, defaultValue: .sql("lower('A\\b')\n")),
                Field(name: "tags", type: .list(.enumeration("on")), nullable: true, defaultValue: .list(["true", "in \"progress\""])),
            ])],
            enums: [EnumType(name: "on", values: ["true", "in \"progress\"", "x\u{2028}y"])],
            actions: [ActionSpec(name: "ping", parameters: [ActionParameter(name: "n", type: .list(.int), optional: true)], queue: "q")])
        let yaml = SchemaYAMLWriter.yaml(for: schema)
        let (loaded, diagnostics) = SchemaLoader.load(yaml: yaml, path: "<written>", sources: SourceManager())
        #expect(!diagnostics.contains { $0.severity == .error }, "\(diagnostics.map(\.message))\n\(yaml)")
        #expect(loaded == schema, "\(yaml)")
    }

    @Test func inflection() {
        let pairs = [("contacts", "contact"), ("categories", "category"), ("addresses", "address"), ("status", "status"),
                     ("statuses", "status"), ("user", "user"), ("group_members", "group_member"), ("people", "person"),
                     ("boxes", "box"), ("messages", "message"), ("workspaces", "workspace"), ("crm_data", "crm_data"),
                     ("Contacts", "Contacts"), ("activities", "activity"), ("analysis", "analysis")]
        for (table, entity) in pairs {
            #expect(Inflection.singular(table) == entity, "\(table)")
        }
        #expect(Inflection.plural("category") == "categories")
        #expect(Inflection.plural("address") == "addresses")
        #expect(Inflection.plural("day") == "days")
    }

    @Test func checkConstraintsAsEnums() {
        let cases: [(String, [String]?)] = [
            ("CHECK ((status = ANY (ARRAY['lead'::text, 'prospect'::text])))", ["lead", "prospect"]),
            ("CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'b b'::character varying])::text[])))", ["a", "b b"]),
            ("CHECK ((status = 'only'::text))", ["only"]),
            ("CHECK ((\"Status\" = ANY (ARRAY['it''s'::text])))", ["it's"]),
            ("CHECK ((tags <@ ARRAY['vip'::text, 'new'::text]))", ["vip", "new"]),
            ("CHECK (((status = ANY (ARRAY['x'::text])) OR (status IS NULL)))", ["x"]),
            ("CHECK ((score > 0))", nil),
            ("CHECK ((status = ANY (ARRAY['x'::text])) AND (score > 0))", nil),
            ("CHECK ((status <> 'x'::text))", nil),
            ("CHECK ((a = b))", nil),
            ("CHECK ((status = ANY (ARRAY['x'::text]))) NOT VALID", nil),
            ("CHECK ((s = E'\\\\x'::text))", nil),
            ("", nil), ("CHECK (", nil), ("CHECK ('unterminated", nil),
        ]
        for (definition, values) in cases {
            #expect(SQLExpressionReader.enumCheck(definition)?.values == values, "\(definition)")
        }
    }

    /// A catalog that no real database gives: the mapping ends in diagnostics, never a crash.
    @Test func strangeCatalogs() {
        let none = SchemaIntrospection.schema(from: CatalogSnapshot(schemas: ["public"], tables: []))
        #expect(none.0 == nil && none.1.map(\.code.id) == ["R2101"])
        let noSchema = SchemaIntrospection.schema(from: CatalogSnapshot(schemas: [], tables: []))
        #expect(noSchema.0 == nil && noSchema.1.map(\.code.id) == ["R2102"])
        // A key column whose type is unknown, a constraint on a missing column, a foreign key to nowhere.
        let table = CatalogSnapshot.Table(oid: 1, schema: "public", name: "odd things", columns: [
            .init(number: 1, name: "id", typeOID: 999, typeDisplay: "mystery", notNull: true, defaultExpression: "'{'"),
            .init(number: 2, name: "bad name", typeOID: 25, typeDisplay: "text", notNull: true),
            .init(number: 3, name: "other_id", typeOID: 25, typeDisplay: "text", notNull: false),
        ])
        let catalog = CatalogSnapshot(
            schemas: ["public"], tables: [table],
            types: [25: .init(oid: 25, schema: "pg_catalog", name: "text", kind: "b", category: "S")],
            constraints: [
                .init(tableOID: 1, kind: .primaryKey, name: "pk", columns: [1]),
                .init(tableOID: 1, kind: .check, name: "c", columns: [7], definition: "CHECK ((x = 'a'::text))"),
                .init(tableOID: 1, kind: .foreignKey, name: "fk", columns: [3], referencedTableOID: 42, referencedColumns: [1]),
                .init(tableOID: 1, kind: .foreignKey, name: "fk2", columns: [], referencedTableOID: nil),
            ])
        let result = SchemaPull.result(from: catalog, source: nil, options: SchemaPullOptions())
        #expect(result.schema?.entities.map(\.name) == ["odd_thing"])
        #expect(result.schema?.entities.first?.fields.map(\.name) == ["id", "other_id"])
        #expect(result.diagnostics.map(\.code.id).sorted() == ["R2103", "R2105", "R2105", "R2106"], "\(result.diagnostics.map(\.message))")
        #expect(result.yaml != nil)
    }
}
