import Logging
import PostgresNIO

/// Introspection of a live PostgreSQL, in two stages with a named type between them:
///
///     database ──readCatalog──▶ CatalogSnapshot ──schema(from:options:)──▶ Schema + diagnostics
///
/// `readCatalog` only copies rows out of `pg_catalog` (one read-only, repeatable-read transaction);
/// every decision (which tables, which names, which types) is made by the pure mapping stage, so it
/// is tested without a database and a strange catalog can only give diagnostics, never a crash.
public enum SchemaIntrospection {}

/// What `rulec schema pull` reads from `pg_catalog`: every ordinary or partitioned table outside
/// the system schemas, its columns, constraints, and the types and enum labels they use.
/// Object ids are kept as `Int64` (they are `oid`s, cast to `int8` in the queries).
public struct CatalogSnapshot: Sendable, Equatable {
    public struct Table: Sendable, Equatable {
        public var oid: Int64
        public var schema: String
        public var name: String
        /// In `attnum` order.
        public var columns: [Column]
        public init(oid: Int64, schema: String, name: String, columns: [Column] = []) {
            self.oid = oid
            self.schema = schema
            self.name = name
            self.columns = columns
        }
    }

    public struct Column: Sendable, Equatable {
        public var number: Int64
        public var name: String
        public var typeOID: Int64
        /// `format_type(atttypid, atttypmod)`, for messages: `character varying(80)`.
        public var typeDisplay: String
        public var notNull: Bool
        /// `pg_get_expr` of the default, when there is one.
        public var defaultExpression: String?
        /// `GENERATED … AS IDENTITY`.
        public var isIdentity: Bool
        /// `GENERATED ALWAYS AS (…) STORED`; its expression is `defaultExpression`.
        public var isGenerated: Bool
        public init(number: Int64, name: String, typeOID: Int64, typeDisplay: String, notNull: Bool,
                    defaultExpression: String? = nil, isIdentity: Bool = false, isGenerated: Bool = false) {
            self.number = number
            self.name = name
            self.typeOID = typeOID
            self.typeDisplay = typeDisplay
            self.notNull = notNull
            self.defaultExpression = defaultExpression
            self.isIdentity = isIdentity
            self.isGenerated = isGenerated
        }
    }

    /// A row of `pg_type`.
    public struct PGType: Sendable, Equatable {
        public var oid: Int64
        public var schema: String
        public var name: String
        /// `typtype`: `b` base, `e` enum, `d` domain, `c` composite, `r`/`m` range, `p` pseudo.
        public var kind: String
        /// `typcategory`: `A` for arrays.
        public var category: String
        /// `typelem` (0 when none).
        public var elementOID: Int64
        /// `typbasetype` of a domain (0 otherwise).
        public var baseOID: Int64
        public init(oid: Int64, schema: String, name: String, kind: String, category: String,
                    elementOID: Int64 = 0, baseOID: Int64 = 0) {
            self.oid = oid
            self.schema = schema
            self.name = name
            self.kind = kind
            self.category = category
            self.elementOID = elementOID
            self.baseOID = baseOID
        }
    }

    /// A row of `pg_constraint`: primary key, foreign key, check or unique.
    public struct Constraint: Sendable, Equatable {
        public enum Kind: String, Sendable { case primaryKey = "p", foreignKey = "f", check = "c", unique = "u" }
        public var tableOID: Int64
        public var kind: Kind
        public var name: String
        /// `conkey`: column numbers on the table.
        public var columns: [Int64]
        /// `confrelid` of a foreign key.
        public var referencedTableOID: Int64?
        /// `confkey` of a foreign key.
        public var referencedColumns: [Int64]
        /// `pg_get_constraintdef`: `CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))`.
        public var definition: String
        public init(tableOID: Int64, kind: Kind, name: String, columns: [Int64], referencedTableOID: Int64? = nil,
                    referencedColumns: [Int64] = [], definition: String = "") {
            self.tableOID = tableOID
            self.kind = kind
            self.name = name
            self.columns = columns
            self.referencedTableOID = referencedTableOID
            self.referencedColumns = referencedColumns
            self.definition = definition
        }
    }

    /// Every non-system schema (for "did you mean" when `--db-schema` names none of them).
    public var schemas: [String]
    /// Sorted by schema and name.
    public var tables: [Table]
    public var types: [Int64: PGType]
    /// Enum labels in `enumsortorder`, by type oid.
    public var enumLabels: [Int64: [String]]
    public var constraints: [Constraint]

    public init(schemas: [String], tables: [Table], types: [Int64: PGType] = [:], enumLabels: [Int64: [String]] = [:],
                constraints: [Constraint] = []) {
        self.schemas = schemas
        self.tables = tables
        self.types = types
        self.enumLabels = enumLabels
        self.constraints = constraints
    }
}

extension SchemaIntrospection {
    /// Schemas never pulled: PostgreSQL's own (`pg_catalog`, `information_schema`, `pg_toast`, temp).
    static let userNamespace = """
        n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        """

    /// Copies the catalog rows `schema(from:options:)` needs, in one read-only snapshot.
    public static func readCatalog(_ connection: PostgresConnection, logger: Logger) async throws -> CatalogSnapshot {
        _ = try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        do {
            let snapshot = try await readRows(connection, logger: logger)
            _ = try await connection.query("COMMIT", logger: logger)
            return snapshot
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    private static func readRows(_ connection: PostgresConnection, logger: Logger) async throws -> CatalogSnapshot {
        var schemas: [String] = []
        for try await name in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT n.nspname::text FROM pg_catalog.pg_namespace n WHERE \(userNamespace) ORDER BY 1
            """), logger: logger).decode(String.self) {
            schemas.append(name)
        }

        var tables: [CatalogSnapshot.Table] = []
        var tableIndex: [Int64: Int] = [:]
        for try await (oid, schema, name) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT c.oid::int8, n.nspname::text, c.relname::text
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND \(userNamespace)
            ORDER BY 2, 3
            """), logger: logger).decode((Int64, String, String).self) {
            tableIndex[oid] = tables.count
            tables.append(.init(oid: oid, schema: schema, name: name))
        }

        for try await (table, number, name, typeOID, display, notNull, defaultExpression, identity, generated)
            in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT a.attrelid::int8, a.attnum::int8, a.attname::text, a.atttypid::int8,
                   pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND \(userNamespace)
            ORDER BY 1, 2
            """), logger: logger).decode((Int64, Int64, String, Int64, String, Bool, String?, String, String).self) {
            guard let i = tableIndex[table] else { continue }
            tables[i].columns.append(.init(number: number, name: name, typeOID: typeOID, typeDisplay: display,
                                           notNull: notNull, defaultExpression: defaultExpression,
                                           isIdentity: !identity.isEmpty, isGenerated: !generated.isEmpty))
        }

        var types: [Int64: CatalogSnapshot.PGType] = [:]
        for try await (oid, schema, name, kind, category, element, base) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT t.oid::int8, n.nspname::text, t.typname::text, t.typtype::text, t.typcategory::text,
                   t.typelem::int8, t.typbasetype::int8
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typtype <> 'c' OR t.oid IN (SELECT a.atttypid FROM pg_catalog.pg_attribute a)
            """), logger: logger).decode((Int64, String, String, String, String, Int64, Int64).self) {
            types[oid] = .init(oid: oid, schema: schema, name: name, kind: kind, category: category,
                               elementOID: element, baseOID: base)
        }

        var labels: [Int64: [String]] = [:]
        for try await (type, label) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT e.enumtypid::int8, e.enumlabel::text FROM pg_catalog.pg_enum e ORDER BY 1, e.enumsortorder
            """), logger: logger).decode((Int64, String).self) {
            labels[type, default: []].append(label)
        }

        var constraints: [CatalogSnapshot.Constraint] = []
        for try await (table, kind, name, columns, referenced, referencedColumns, definition)
            in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT con.conrelid::int8, con.contype::text, con.conname::text, con.conkey::int8[],
                   NULLIF(con.confrelid, 0)::int8, con.confkey::int8[], pg_catalog.pg_get_constraintdef(con.oid)
            FROM pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE con.contype IN ('p', 'f', 'c', 'u') AND \(userNamespace)
            ORDER BY 1, 3
            """), logger: logger).decode((Int64, String, String, [Int64]?, Int64?, [Int64]?, String).self) {
            guard let k = CatalogSnapshot.Constraint.Kind(rawValue: kind) else { continue }
            constraints.append(.init(tableOID: table, kind: k, name: name, columns: columns ?? [],
                                     referencedTableOID: referenced, referencedColumns: referencedColumns ?? [],
                                     definition: definition))
        }
        return CatalogSnapshot(schemas: schemas, tables: tables, types: types, enumLabels: labels, constraints: constraints)
    }
}
