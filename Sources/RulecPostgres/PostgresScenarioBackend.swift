import Foundation
import RulecInterpreter
import RulecScenario
import RulecSchema
import RulecSemantics
import RulecSyntax

/// Scenarios on PostgreSQL with the compiled triggers (docs/sql-backend.md): `given` rows inserted
/// with triggers off, events applied as real INSERT, UPDATE and DELETE statements with the test
/// clock set, `rulec.tick()` whenever the clock moves, and the outbox and rows read back as the
/// interpreter's values so the runner compares both backends the same way.
public final class PostgresScenarioBackend: ScenarioBackend {
    public let database: PostgresTestDatabase
    private var clock: Int64
    private var schema: Schema { database.program.schema }
    private var client: BlockingPostgresClient { database.client }
    /// The first failure of `jobs()` or `rows(_:)`, which cannot throw.
    public private(set) var readError: PostgresError?

    /// Starts a scenario on an emptied `database`: its settings stored, its clock set.
    public init(database: PostgresTestDatabase, settings: WorkspaceSettings, now: Int64) throws(BackendError) {
        self.database = database
        self.clock = now
        do {
            try database.reset()
            var sql = setClock(now)
            for (workspace, rules) in settings.sorted(by: { $0.key < $1.key }) {
                for (rule, s) in rules.sorted(by: { $0.key < $1.key }) {
                    let params = ValueFormatting.jsonObject(s.params.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) })
                    sql += "INSERT INTO rulec.settings (workspace_id, rule, active, params) VALUES (\(SQLQuoting.literal(workspace)), "
                        + "\(SQLQuoting.literal(rule)), \(s.active), \(SQLQuoting.literal(params))::jsonb);\n"
                }
            }
            try client.execute(sql)
        } catch {
            throw BackendError("PostgreSQL: \(error.description)")
        }
    }

    // MARK: ScenarioBackend

    public func seed(entity: String, row: Row) throws(BackendError) {
        let e = try lookup(entity)
        try checkFields(e, row, what: "\(entity) row")
        // Triggers off: no rule fires and no timer is armed for rows that exist before.
        let insert = skipGivenSQL(e, row) + insertSQL(e, row)
        do {
            try client.execute("SET session_replication_role = replica; \(insert); SET session_replication_role = origin")
        } catch {
            _ = try? client.execute("SET session_replication_role = origin")
            throw BackendError("\(entity) row: \(error.description)")
        }
    }

    public func apply(_ event: Event, at time: Int64?) throws(BackendError) {
        if let time { try advance(to: time) }
        switch event {
        case let .insert(entity, row):
            let e = try lookup(entity)
            try checkFields(e, row, what: "\(entity) row")
            try run(skipGivenSQL(e, row) + insertSQL(e, row), what: "insert of \(entity)")
        case let .update(entity, id, set):
            let e = try lookup(entity)
            try checkFields(e, set, what: "update of \(entity) `\(id)`")
            if let k = set[e.key], k != .text(id) { throw BackendError("update of \(entity) `\(id)`: the key `\(e.key)` cannot change") }
            let table = SQLQuoting.qualified(e.dbSchema, e.table)
            let sql: String
            if set.isEmpty {
                sql = "UPDATE \(table) u SET \(SQLQuoting.identifier(e.key)) = u.\(SQLQuoting.identifier(e.key)) WHERE \(keyMatch(e, id)) RETURNING 1"
            } else {
                let columns = set.keys.sorted().map(SQLQuoting.identifier).joined(separator: ", ")
                sql = "UPDATE \(table) u SET (\(columns)) = (SELECT \(columns) FROM jsonb_populate_record(NULL::\(table), \(json(set)))) "
                    + "WHERE \(keyMatch(e, id)) RETURNING 1"
            }
            if try run(sql, what: "update of \(entity) `\(id)`").isEmpty {
                throw BackendError("update of \(entity) `\(id)`: no such row")
            }
        case let .delete(entity, id):
            let e = try lookup(entity)
            let sql = "DELETE FROM \(SQLQuoting.qualified(e.dbSchema, e.table)) u WHERE \(keyMatch(e, id)) RETURNING 1"
            if try run(sql, what: "delete of \(entity) `\(id)`").isEmpty {
                throw BackendError("delete of \(entity) `\(id)`: no such row")
            }
        case .advance(let to):
            try advance(to: to)
        }
    }

    public func jobs() -> [JobRecord] {
        let sql = """
            SELECT workspace_id, rule, action, entity, entity_id, params::text, status, rulec.micros(run_at)::text, priority, idempotency_key
            FROM rulec.jobs ORDER BY id
            """
        do {
            return try client.query(sql).compactMap(jobRecord)
        } catch {
            readError = readError ?? error
            return []
        }
    }

    public func rows(_ entity: String) -> [Row] {
        guard let e = schema.entity(named: entity) else { return [] }
        let columns = e.fields.map { f -> String in
            let c = "t.\(SQLQuoting.identifier(f.name))"
            switch f.type {
            case .timestamp: return "\(SQLQuoting.literal(f.name)), rulec.micros(\(c))"
            case .duration: return "\(SQLQuoting.literal(f.name)), rulec.interval_micros(\(c))"
            case .list(.timestamp): return "\(SQLQuoting.literal(f.name)), (SELECT array_agg(rulec.micros(x)) FROM unnest(\(c)) x)"
            case .list(.duration): return "\(SQLQuoting.literal(f.name)), (SELECT array_agg(rulec.interval_micros(x)) FROM unnest(\(c)) x)"
            default: return "\(SQLQuoting.literal(f.name)), \(c)"
            }
        }
        // json_build_object takes at most 100 arguments: build wide rows in chunks.
        let chunks = stride(from: 0, to: columns.count, by: 40).map { Array(columns[$0..<min($0 + 40, columns.count)]) }
        let object = chunks.map { "jsonb_build_object(\($0.joined(separator: ", ")))" }.joined(separator: " || ")
        let sql = "SELECT (\(object))::text FROM \(SQLQuoting.qualified(e.dbSchema, e.table)) t "
            + "ORDER BY (t.\(SQLQuoting.identifier(e.key)))::text COLLATE \"C\""
        do {
            return try client.query(sql).compactMap { r -> Row? in
                guard let text = r.first ?? nil, case .object(let members)? = try? JSONReader.parse(text) else { return nil }
                var row: Row = [:]
                for (name, value) in members {
                    guard let f = e.field(named: name) else { continue }
                    row[name] = Self.value(value, as: f.type, storedMicros: true)
                }
                return row
            }
        } catch {
            readError = readError ?? error
            return []
        }
    }

    // MARK: Clock

    /// Fires the timers due by `time`, each at its own time, then sets the clock to it.
    private func advance(to time: Int64) throws(BackendError) {
        guard time >= clock else {
            throw BackendError("the clock cannot go back from \(ValueFormatting.iso8601(clock)) to \(ValueFormatting.iso8601(time))")
        }
        let at = SQLQuoting.literal(ValueFormatting.iso8601(time))
        try run("SELECT rulec.tick(\(at)::timestamptz); " + setClock(time), what: "advancing the clock to \(ValueFormatting.iso8601(time))")
        clock = time
    }

    private func setClock(_ time: Int64) -> String {
        "SET rulec.now = \(SQLQuoting.literal(ValueFormatting.iso8601(time)));\n"
    }

    // MARK: SQL

    @discardableResult
    private func run(_ sql: String, what: String) throws(BackendError) -> [[String?]] {
        do { return try client.query(sql) } catch { throw BackendError("\(what): \(error.description)") }
    }

    private func lookup(_ entity: String) throws(BackendError) -> Entity {
        guard let e = schema.entity(named: entity) else {
            throw BackendError("unknown entity `\(entity)`; entities are \(schema.entities.map(\.name).joined(separator: ", "))")
        }
        return e
    }

    private func checkFields(_ e: Entity, _ row: Row, what: String) throws(BackendError) {
        for column in row.keys.sorted() where e.field(named: column) == nil {
            throw BackendError("\(what): `\(e.name)` has no field `\(column)`")
        }
    }

    private func keyMatch(_ e: Entity, _ id: String) -> String {
        "(u.\(SQLQuoting.identifier(e.key)))::text = \(SQLQuoting.literal(id))"
    }

    /// A row as a jsonb literal that `jsonb_populate_record` turns into the columns' own types.
    private func json(_ row: Row) -> String {
        let object = ValueFormatting.jsonObject(row.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) })
        return SQLQuoting.literal(object) + "::jsonb"
    }

    /// INSERT of the given columns only, so the others take their defaults.
    private func insertSQL(_ e: Entity, _ row: Row) -> String {
        let table = SQLQuoting.qualified(e.dbSchema, e.table)
        if row.isEmpty { return "INSERT INTO \(table) DEFAULT VALUES" }
        let columns = row.keys.sorted().map(SQLQuoting.identifier).joined(separator: ", ")
        return "INSERT INTO \(table) (\(columns)) SELECT \(columns) FROM jsonb_populate_record(NULL::\(table), \(json(row)))"
    }

    /// Moves the id sequence past an int key the row names itself, as the interpreter's counter
    /// does (`Engine.skipGiven`), so a row a rule creates later does not draw a key already taken.
    /// Run before the INSERT: its triggers may create rows.
    private func skipGivenSQL(_ e: Entity, _ row: Row) -> String {
        guard case .int(let n)? = row[e.key], n >= 1 else { return "" }
        return "SELECT setval('rulec_test.ids', \(n)) FROM rulec_test.ids WHERE \(n) >= CASE WHEN is_called THEN last_value + 1 ELSE last_value END; "
    }

    // MARK: Reading back

    private func jobRecord(_ r: [String?]) -> JobRecord? {
        guard r.count == 10, let rule = r[1], let entity = r[3], let entityId = r[4], let statusText = r[6],
              let status = JobStatus(rawValue: statusText), let runAt = r[7].flatMap({ Int64($0) }),
              let priority = r[8].flatMap(Priority.init(rawValue:)), let key = r[9] else { return nil }
        let action = r[2]
        var params: [(name: String, value: Value)] = []
        if let text = r[5], case .object(let members)? = try? JSONReader.parse(text) {
            let spec = action.flatMap { schema.action(named: $0) }
            // In the action catalog's order, as the interpreter lists them.
            let order = spec?.parameters.map(\.name) ?? []
            let sorted = members.sorted { (order.firstIndex(of: $0.0) ?? Int.max, $0.0) < (order.firstIndex(of: $1.0) ?? Int.max, $1.0) }
            for (name, value) in sorted {
                let type = spec?.parameter(named: name)?.type
                params.append((name: name, value: type.map { Self.value(value, as: $0, storedMicros: false) } ?? Self.untyped(value)))
            }
        }
        return JobRecord(workspaceId: r[0], rule: rule, action: action, entity: entity, entityId: entityId, params: params,
                         status: status, runAt: runAt, priority: priority, idempotencyKey: key)
    }

    /// A JSON value read back as a value of `type`. Rows carry timestamps and durations as
    /// microseconds (`storedMicros`); job params carry them as text (`2026-11-27T10:00:00Z`, `3 days`).
    static func value(_ j: JSONValue, as type: FieldType, storedMicros: Bool) -> Value {
        if case .null = j { return .null }
        switch (type, j) {
        case (.text, .string(let s)), (.phone, .string(let s)), (.email, .string(let s)), (.uuid, .string(let s)),
             (.enumeration, .string(let s)):
            return .text(s)
        case (.int, .number(let n)):
            if let i = Int64(n) { return .int(i) }
            return Decimal(string: n, locale: Locale(identifier: "en_US_POSIX")).map(Value.decimal) ?? .null
        case (.decimal, .number(let n)):
            return Decimal(string: n, locale: Locale(identifier: "en_US_POSIX")).map(Value.decimal) ?? .null
        case (.bool, .bool(let b)):
            return .bool(b)
        case (.timestamp, .number(let n)):
            return Int64(n).map(Value.timestamp) ?? .null
        case (.timestamp, .string(let s)):
            return Timestamps.parse(s).map(Value.timestamp) ?? .text(s)
        case (.duration, .number(let n)):
            return Int64(n).map(Value.duration) ?? .null
        case (.duration, .string(let s)):
            return Timestamps.parseDuration(s).map(Value.duration) ?? .text(s)
        case (.json, _):
            return .json(j.serialized(sortedKeys: true))
        case (.list(let element), .array(let items)):
            return .list(items.map { value($0, as: element, storedMicros: storedMicros) })
        default:
            return untyped(j)
        }
    }

    /// A JSON value with no declared type: as its JSON shape says.
    static func untyped(_ j: JSONValue) -> Value {
        switch j {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .text(s)
        case .number(let n):
            if let i = Int64(n) { return .int(i) }
            return Decimal(string: n, locale: Locale(identifier: "en_US_POSIX")).map(Value.decimal) ?? .text(n)
        case .array(let items): return .list(items.map(untyped))
        case .object: return .json(j.serialized(sortedKeys: true))
        }
    }
}

/// Makes a `PostgresScenarioBackend` for each scenario, keeping one scratch database per program
/// (emptied between scenarios) and dropping them all on `close()`.
public final class PostgresBackendPool: @unchecked Sendable {
    public let server: DatabaseURL
    private var databases: [String: PostgresTestDatabase] = [:]
    private let lock = NSLock()

    public init(server: DatabaseURL) { self.server = server }

    deinit { close() }

    /// The database for a program: made on first use.
    public func database(for program: CheckedProgram) throws(PostgresError) -> PostgresTestDatabase {
        lock.lock()
        defer { lock.unlock() }
        let key = RulecSQLKey.of(program)
        if let db = databases[key] { return db }
        let db = try PostgresTestDatabase.create(server: server, program: program)
        databases[key] = db
        return db
    }

    /// The factory `ScenarioRunner` takes.
    public var factory: ScenarioBackendFactory {
        { [self] program, settings, now throws(BackendError) in
            let db: PostgresTestDatabase
            do { db = try database(for: program) } catch { throw BackendError("PostgreSQL: \(String(describing: error))") }
            return try PostgresScenarioBackend(database: db, settings: settings, now: now)
        }
    }

    /// Drops every database made.
    public func close() {
        lock.lock()
        let all = databases.values
        databases = [:]
        lock.unlock()
        for db in all { db.drop() }
    }
}

import RulecSQL

/// Programs that compile to the same migration (and have the same schema) share a database.
enum RulecSQLKey {
    static func of(_ program: CheckedProgram) -> String {
        MigrationCompiler.compile(program) + "\u{0}" + DDLGenerator.ddl(for: program.schema)
    }
}
