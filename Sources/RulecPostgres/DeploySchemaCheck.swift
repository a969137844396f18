import RulecSchema

/// The rules' needs compared with the live database: every table and column the rules read or
/// write must exist, as a table (triggers cannot be put on views). Run inside the deploy's
/// transaction, under its lock, so nobody changes the answer before the migration runs.
public struct DeploySchemaCheck: Sendable, Equatable {
    /// A table the rules need that the database lacks (or that is not a table).
    public struct MissingTable: Sendable, Equatable {
        public var entity: String
        public var dbSchema: String
        public var table: String
        /// Nil when absent; otherwise what it is instead (`view`, `materialized view`, …).
        public var actualKind: String?
        public var rules: [String]
    }

    public var missingTables: [MissingTable]
    /// Columns missing from tables that exist.
    public var missingColumns: [DeployRequirements.Column]
    public var tablesChecked: Int
    public var columnsChecked: Int

    public var passed: Bool { missingTables.isEmpty && missingColumns.isEmpty }

    /// Compares `requirements` with the catalog rows `(schema, table, relkind, column)` of the
    /// database (column nil for a table without columns).
    init(requirements: DeployRequirements, live rows: [(schema: String, table: String, kind: String, column: String?)]) {
        var kinds: [String: String] = [:]
        var columns = Set<String>()
        for r in rows {
            kinds["\(r.schema).\(r.table)"] = r.kind
            if let c = r.column { columns.insert("\(r.schema).\(r.table).\(c)") }
        }
        var missingTables: [MissingTable] = []
        var missingColumns: [DeployRequirements.Column] = []
        for t in requirements.tables {
            let id = "\(t.dbSchema).\(t.table)"
            let needing = requirements.columns.filter { $0.dbSchema == t.dbSchema && $0.table == t.table }
            let kind = kinds[id]
            guard let kind, kind == "r" || kind == "p" else {
                var rules: [String] = []
                for c in needing { for r in c.rules where !rules.contains(r) { rules.append(r) } }
                missingTables.append(.init(entity: t.entity, dbSchema: t.dbSchema, table: t.table,
                                           actualKind: kind.map(Self.kindName), rules: rules))
                continue
            }
            missingColumns += needing.filter { !columns.contains("\(id).\($0.column)") }
        }
        self.missingTables = missingTables
        self.missingColumns = missingColumns
        self.tablesChecked = requirements.tables.count
        self.columnsChecked = requirements.columns.count
    }

    static func kindName(_ relkind: String) -> String {
        switch relkind {
        case "v": return "view"
        case "m": return "materialized view"
        case "f": return "foreign table"
        case "S": return "sequence"
        case "i", "I": return "index"
        default: return "relation of kind \(relkind)"
        }
    }

    /// The catalog query for `requirements`: one row per column of each needed relation.
    static func query(_ requirements: DeployRequirements) -> String {
        let pairs = requirements.tables.map { "(\(SQLQuoting.literal($0.dbSchema)), \(SQLQuoting.literal($0.table)))" }
        guard !pairs.isEmpty else { return "SELECT NULL, NULL, NULL, NULL WHERE false" }
        return """
        SELECT n.nspname, c.relname, c.relkind::text, a.attname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE (n.nspname, c.relname) IN (\(pairs.joined(separator: ", ")))
        """
    }

    private static func ruleList(_ rules: [String]) -> String {
        let shown = rules.prefix(3).map { "`\($0)`" }.joined(separator: ", ")
        return rules.count > 3 ? "\(shown) and \(rules.count - 3) more" : shown
    }

    /// `live schema: ok (…)`, or one `error:` per missing table or column with the rules that need it.
    public func render() -> String {
        if passed { return "live schema: ok (\(tablesChecked) tables, \(columnsChecked) columns the rules use)\n" }
        var out = ""
        for t in missingTables {
            let what = t.actualKind.map { "is a \($0), not a table" } ?? "does not exist"
            out += "error: table `\(t.dbSchema).\(t.table)` (entity `\(t.entity)`) \(what) in the database\n"
            out += "  = note: needed by rule\(t.rules.count == 1 ? "" : "s") \(Self.ruleList(t.rules))\n"
        }
        for c in missingColumns {
            out += "error: column `\(c.dbSchema).\(c.table).\(c.column)` (field `\(c.entity).\(c.field)`) does not exist in the database\n"
            out += "  = note: needed by rule\(c.rules.count == 1 ? "" : "s") \(Self.ruleList(c.rules))\n"
        }
        out += "  = help: add what is missing to the database first, or check the rules against the schema the database really has (`--schema FILE`)\n"
        return out
    }
}
