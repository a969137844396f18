import Foundation
import RulecInterpreter
import RulecSchema
import RulecSemantics
import RulecSQL

/// A scratch database holding a program's schema and its compiled migration, for running scenarios
/// on PostgreSQL (`rulec test --backend postgres`, the differential tests).
///
/// It is created from the server's maintenance database as `rulec_t_<pid>_<n>`, gets the schema's
/// DDL (with `default: now` columns reading the test clock `rulec.now`) and then the migration, and
/// is dropped by `drop()`. `reset()` empties every table so one database serves many scenarios of
/// the same program: creating a database costs far more than a `TRUNCATE`.
///
/// Three choices make the database behave like the interpreter's world:
/// - foreign key constraints are left out (unless `foreignKeys`), because the interpreter does
///   not refuse a message whose contact is gone; rules and scenarios are about rules, not about
///   referential integrity;
/// - `NOT NULL` is dropped from every column but the key, because scenario rows may leave out
///   fields that have no default (LANGUAGE.md §8's own example inserts a message without
///   `delivery_status`) and the interpreter takes them as null;
/// - generated text ids are `<entity>_<n>` from one sequence, as the interpreter numbers them, so
///   rows made by data actions have the same keys (and their jobs the same idempotency keys).
public final class PostgresTestDatabase: @unchecked Sendable {
    public let name: String
    public let server: DatabaseURL
    public let program: CheckedProgram
    /// A connection to the scratch database.
    public let client: BlockingPostgresClient
    /// The migration as applied.
    public let migration: String
    private var dropped = false

    /// The expression behind `default: now` in test databases: the test clock when set.
    public static let clockExpression = "coalesce(nullif(current_setting('rulec.now', true), '')::timestamptz, now())"

    private static let counter = Counter()

    /// Creates the database and applies `preamble` (e.g. Supabase's roles and `auth` schema), the
    /// schema's DDL and the migration, in that order.
    public static func create(server: DatabaseURL, program: CheckedProgram, preamble: String = "",
                              foreignKeys: Bool = false) throws(PostgresError) -> PostgresTestDatabase {
        let name = "rulec_t_\(ProcessInfo.processInfo.processIdentifier)_\(counter.next())"
        let admin = try BlockingPostgresClient(url: server)
        defer { admin.close() }
        try admin.execute("DROP DATABASE IF EXISTS \(SQLQuoting.identifier(name)); CREATE DATABASE \(SQLQuoting.identifier(name))")
        var url = server
        url.database = name
        let client: BlockingPostgresClient
        do { client = try BlockingPostgresClient(url: url) } catch {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(SQLQuoting.identifier(name))")
            throw error
        }
        let db = PostgresTestDatabase(name: name, server: server, program: program, client: client,
                                      migration: MigrationCompiler.compile(program))
        do {
            try db.setUp(preamble: preamble, foreignKeys: foreignKeys)
        } catch {
            db.drop()
            throw error
        }
        return db
    }

    private init(name: String, server: DatabaseURL, program: CheckedProgram, client: BlockingPostgresClient, migration: String) {
        self.name = name
        self.server = server
        self.program = program
        self.client = client
        self.migration = migration
    }

    deinit { drop() }

    private func setUp(preamble: String, foreignKeys: Bool) throws(PostgresError) {
        try client.execute("SET TimeZone = 'UTC'")
        if !preamble.isEmpty { try step("the preamble", preamble) }
        var ddl = DDLGenerator.ddl(for: program.schema, options: DDLOptions(clockExpression: Self.clockExpression))
        if !foreignKeys {
            ddl = ddl.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !($0.hasPrefix("ALTER TABLE") && $0.contains(" FOREIGN KEY ")) }.joined(separator: "\n")
        }
        var ids = "CREATE SCHEMA rulec_test;\nCREATE SEQUENCE rulec_test.ids;\n"
        for e in program.schema.entities {
            for f in e.fields where f.name != e.key && !f.nullable {
                ids += "ALTER TABLE \(SQLQuoting.qualified(e.dbSchema, e.table)) ALTER COLUMN \(SQLQuoting.identifier(f.name)) DROP NOT NULL;\n"
            }
            // Generated values as the interpreter makes them (`GeneratedKey`): one sequence for all.
            for f in e.fields where f.defaultValue == .generated {
                let column = "ALTER TABLE \(SQLQuoting.qualified(e.dbSchema, e.table)) ALTER COLUMN \(SQLQuoting.identifier(f.name))"
                switch f.type {
                case .int:
                    ids += "\(column) DROP IDENTITY IF EXISTS;\n\(column) SET DEFAULT nextval('rulec_test.ids');\n"
                case .uuid:
                    ids += "\(column) SET DEFAULT ('00000000-0000-4000-8000-' || lpad(to_hex(nextval('rulec_test.ids')), 12, '0'))::uuid;\n"
                default:
                    ids += "\(column) SET DEFAULT \(SQLQuoting.literal(e.name + "_")) || nextval('rulec_test.ids');\n"
                }
            }
        }
        try step("the schema DDL", ddl)
        try step("the id defaults", ids)
        try step("the migration", "BEGIN;\n" + migration + "\nCOMMIT;")
    }

    private func step(_ what: String, _ sql: String) throws(PostgresError) {
        do { try client.execute(sql) } catch {
            _ = try? client.execute("ROLLBACK")
            var e = error
            e.message = "\(what) failed: \(e.message)"
            throw e
        }
    }

    /// Every table rulec or the schema holds rows in, emptied; the id sequence restarted; the
    /// clock unset. The deployed-rules catalog stays.
    public func reset() throws(PostgresError) {
        var tables = program.schema.entities.map { SQLQuoting.qualified($0.dbSchema, $0.table) }
        tables += ["rulec.jobs", "rulec.timers", "rulec.once_per", "rulec.rate_windows", "rulec.settings"]
        try client.execute("RESET ALL; SET TimeZone = 'UTC'; TRUNCATE \(tables.joined(separator: ", ")) RESTART IDENTITY; ALTER SEQUENCE rulec_test.ids RESTART")
    }

    /// Closes the connection and drops the database. Harmless to call twice.
    public func drop() {
        guard !dropped else { return }
        dropped = true
        client.close()
        guard let admin = try? BlockingPostgresClient(url: server) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(SQLQuoting.identifier(name)) WITH (FORCE)")
        admin.close()
    }
}

/// A process-wide counter for database names.
final class Counter: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        n += 1
        return n
    }
}
