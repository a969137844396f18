import Foundation
import RulecDiagnostics
import RulecSchema

/// What `rulec schema pull` reads and how it names what it finds.
public struct SchemaPullOptions: Sendable, Equatable {
    /// The database schemas whose tables are pulled, in this order (`--db-schema`, default `public`).
    public var dbSchemas: [String]
    /// The tenant column (`--tenant-key`, default `workspace_id`); nil for a single-tenant database.
    /// A table with that column has it as its tenant key; a table its foreign keys point to (or the
    /// table named after it, `workspaces`) is its own tenant, keyed by its primary key.
    public var tenantKey: String?
    /// Also pull the tables in other database schemas that pulled tables reference, so that their
    /// foreign keys become relations (`public.contacts.owner_id` → `auth.users`).
    public var followReferences: Bool
    /// Read `text` columns named `phone`, `*_phone`, `email`, `*_email` (and domains named `phone`
    /// and `email`) as `phone` and `email`, which actions such as `send_sms` require.
    public var inferContactTypes: Bool
    /// The action catalog of the pulled schema: a database does not know it; the default CRM's.
    public var actions: [ActionSpec]

    public init(dbSchemas: [String] = ["public"], tenantKey: String? = "workspace_id", followReferences: Bool = true,
                inferContactTypes: Bool = true, actions: [ActionSpec] = Schema.defaultCRM.actions) {
        self.dbSchemas = dbSchemas
        self.tenantKey = tenantKey
        self.followReferences = followReferences
        self.inferContactTypes = inferContactTypes
        self.actions = actions
    }
}

extension SchemaIntrospection {
    /// The rulec schema of the tables `options` selects from `catalog`, with warnings for what it
    /// cannot say (unknown types, composite keys, …). nil, with an error, when nothing can be pulled.
    ///
    /// Entities are ordered by the database schemas as listed, then by table name; fields by column
    /// position; enums by name; relations as `SchemaLoader` orders them (each entity's foreign keys in
    /// field order, then its inverses), so the result equals what its own YAML loads back to.
    public static func schema(from catalog: CatalogSnapshot, options: SchemaPullOptions = SchemaPullOptions())
        -> (Schema?, [Diagnostic])
    {
        var mapper = CatalogMapper(catalog: catalog, options: options)
        let schema = mapper.map()
        return (schema, mapper.diagnostics)
    }
}

/// The mapping stage of introspection. Internal: `SchemaIntrospection.schema(from:options:)` is the API.
struct CatalogMapper {
    let catalog: CatalogSnapshot
    let options: SchemaPullOptions
    var diagnostics: [Diagnostic] = []

    init(catalog: CatalogSnapshot, options: SchemaPullOptions) {
        self.catalog = catalog
        self.options = options
    }

    /// A table that becomes an entity.
    private struct Pulled {
        var table: CatalogSnapshot.Table
        var keyColumn: CatalogSnapshot.Column
        var entityName = ""
        var fields: [Field] = []
        /// Column number → field, for the columns kept.
        var fieldByNumber: [Int64: Field] = [:]
        var tenantKey: String?
        var relations: [Relation] = []
    }

    private var tablesByOID: [Int64: CatalogSnapshot.Table] = [:]

    mutating func map() -> Schema? {
        tablesByOID = Dictionary(catalog.tables.map { ($0.oid, $0) }, uniquingKeysWith: { a, _ in a })

        // 1. The database schemas asked for.
        var wanted: [String] = []
        for s in options.dbSchemas where !wanted.contains(s) {
            if catalog.schemas.contains(s) {
                wanted.append(s)
                continue
            }
            let help = closestMatch(to: s, in: catalog.schemas).map { "did you mean `\($0)`?" }
                ?? (catalog.schemas.isEmpty ? "the database has no schema of its own"
                    : "the database's schemas are \(listOfNames(catalog.schemas.map { "`\($0)`" }, conjunction: "and"))")
            diagnostics.append(.error(.pullUnknownDatabaseSchema, "the database has no schema `\(s)`", at: nil, help: help))
        }
        guard !wanted.isEmpty else { return nil }

        // 2. Their tables, then (transitively) the tables their foreign keys reference.
        var selected = catalog.tables.filter { wanted.contains($0.schema) }
            .sorted { (wanted.firstIndex(of: $0.schema)!, $0.name) < (wanted.firstIndex(of: $1.schema)!, $1.name) }
        var chosen = Set(selected.map(\.oid))
        if options.followReferences {
            var frontier = selected
            while !frontier.isEmpty {
                let oids = Set(frontier.map(\.oid))
                let targets = Set(catalog.constraints.filter { $0.kind == .foreignKey && oids.contains($0.tableOID) }
                    .compactMap(\.referencedTableOID))
                frontier = targets.subtracting(chosen).compactMap { tablesByOID[$0] }
                    .sorted { ($0.schema, $0.name) < ($1.schema, $1.name) }
                for t in frontier { chosen.insert(t.oid) }
                selected += frontier
            }
        }

        // 3. Tables with a single-column primary key become entities.
        var pulled: [Pulled] = []
        for table in selected {
            let keys = catalog.constraints.filter { $0.tableOID == table.oid && $0.kind == .primaryKey }
            let where_ = "`\(table.schema).\(table.name)`"
            guard let pk = keys.first else {
                diagnostics.append(.warning(.pullUnsupportedKey, "table \(where_) has no primary key and is left out", at: nil,
                                            help: "add a single-column primary key, e.g. `id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`"))
                continue
            }
            guard pk.columns.count == 1, let column = table.columns.first(where: { $0.number == pk.columns[0] }) else {
                let names = pk.columns.compactMap { n in table.columns.first { $0.number == n }?.name }
                diagnostics.append(.warning(.pullUnsupportedKey,
                    "table \(where_) has a composite primary key (\(names.map { "`\($0)`" }.joined(separator: ", "))) and is left out",
                    at: nil, help: "rulec identifies rows by one column; add a single-column key such as `id`"))
                continue
            }
            guard RuleName.isIdentifier(column.name) else {
                diagnostics.append(.warning(.pullUnsupportedName,
                    "the key `\(column.name)` of table \(where_) is not a name rules can write, so the table is left out",
                    at: nil, help: "rename the column to letters, digits and `_`"))
                continue
            }
            pulled.append(Pulled(table: table, keyColumn: column))
        }
        guard !pulled.isEmpty else {
            let list = wanted.map { "`\($0)`" }.joined(separator: ", ")
            diagnostics.append(.error(.pullNoTables,
                "no table with a single-column primary key in the database schema\(wanted.count == 1 ? "" : "s") \(list)",
                at: nil, help: selected.isEmpty
                    ? "check the database in the URL and `--db-schema`; in psql, `\\dt *.*` lists every table"
                    : "tables need a single-column primary key to be pulled"))
            return nil
        }

        nameEntities(&pulled, firstSchema: wanted[0])
        let enums = readFields(&pulled)
        assignTenants(&pulled)
        relate(&pulled)

        let entities = pulled.map {
            Entity(name: $0.entityName, dbSchema: $0.table.schema, table: $0.table.name, key: $0.keyColumn.name,
                   tenantKey: $0.tenantKey, fields: $0.fields, relations: $0.relations)
        }
        return Schema(entities: entities, enums: enums.sorted { $0.name < $1.name }, actions: options.actions)
    }

    // MARK: - Entity names

    /// The singular of the table name; where two tables of different schemas give the same name,
    /// those outside the first schema get theirs prefixed with their schema (`crm_contact`).
    private func nameEntities(_ pulled: inout [Pulled], firstSchema: String) {
        let bases = pulled.map { Inflection.singular(RuleName.sanitized($0.table.name)) }
        var counts: [String: Int] = [:]
        for b in bases { counts[b, default: 0] += 1 }
        var scope = NameScope()
        // Tables of the first schema claim their plain names first.
        let order = pulled.indices.sorted { (pulled[$0].table.schema == firstSchema ? 0 : 1) < (pulled[$1].table.schema == firstSchema ? 0 : 1) }
        for i in order {
            let base = bases[i]
            let qualified = RuleName.sanitized(pulled[i].table.schema) + "_" + base
            let clash = counts[base, default: 0] > 1 && pulled[i].table.schema != firstSchema
            pulled[i].entityName = scope.claim(clash ? [qualified, base] : [base, qualified])
        }
    }

    // MARK: - Fields, types and enums

    private enum Resolved: Equatable {
        case type(FieldType)
        case enumType(Int64)
        case listOfEnumType(Int64)
        case unknown
    }

    /// Built-in type names, which enums may not take (SchemaLoader refuses them).
    private static let builtinTypeNames: Set<String> = [
        "text", "int", "decimal", "bool", "timestamp", "duration", "uuid", "phone", "email", "json",
        "string", "integer", "bigint", "numeric", "boolean", "timestamptz", "interval", "jsonb",
    ]

    private static let baseTypes: [String: FieldType] = [
        "text": .text, "varchar": .text, "bpchar": .text, "char": .text, "name": .text, "citext": .text,
        "int2": .int, "int4": .int, "int8": .int,
        "numeric": .decimal, "float4": .decimal, "float8": .decimal,
        "bool": .bool, "timestamptz": .timestamp, "timestamp": .timestamp, "interval": .duration,
        "uuid": .uuid, "json": .json, "jsonb": .json,
    ]

    private func resolve(_ oid: Int64, depth: Int = 0) -> Resolved {
        guard depth < 16, let t = catalog.types[oid] else { return .unknown }
        switch t.kind {
        case "d":
            if options.inferContactTypes, t.name == "phone" { return .type(.phone) }
            if options.inferContactTypes, t.name == "email" { return .type(.email) }
            return resolve(t.baseOID, depth: depth + 1)
        case "e":
            return .enumType(oid)
        default:
            if t.category == "A", t.elementOID != 0 {
                switch resolve(t.elementOID, depth: depth + 1) {
                case .type(let e):
                    if case .list = e { return .unknown }
                    return .type(.list(e))
                case .enumType(let e): return .listOfEnumType(e)
                default: return .unknown
                }
            }
            guard t.schema == "pg_catalog" || t.name == "citext", let type = Self.baseTypes[t.name] else { return .unknown }
            return .type(type)
        }
    }

    /// `phone`, `mobile`, `phone_number`, `*_phone` → phone; `email`, `email_address`, `*_email` → email.
    private static func contactType(_ column: String) -> FieldType? {
        let c = column.lowercased()
        if c == "phone" || c == "mobile" || c.hasSuffix("_phone") || c.hasSuffix("phone_number") || c.hasSuffix("_mobile") {
            return .phone
        }
        if c == "email" || c.hasSuffix("_email") || c.hasSuffix("email_address") { return .email }
        return nil
    }

    /// Reads every column of every pulled table into fields; returns the enums the fields use.
    private mutating func readFields(_ pulled: inout [Pulled]) -> [EnumType] {
        // Enums from PostgreSQL enum types, named after the type, claimed first (in schema/name order).
        var enumScope = NameScope(Self.builtinTypeNames)
        var enums: [EnumType] = []
        var typeEnumNames: [Int64: String] = [:]
        var usedEnumTypes = Set<Int64>()
        for p in pulled {
            for c in p.table.columns {
                switch resolve(c.typeOID) {
                case .enumType(let oid), .listOfEnumType(let oid): usedEnumTypes.insert(oid)
                default: break
                }
            }
        }
        let enumTypes = usedEnumTypes.compactMap { catalog.types[$0] }.sorted { ($0.schema, $0.name) < ($1.schema, $1.name) }
        let enumTypeNameCounts = Dictionary(enumTypes.map { ($0.name, 1) }, uniquingKeysWith: +)
        for t in enumTypes {
            guard let labels = catalog.enumLabels[t.oid], !labels.isEmpty else { continue }
            let base = RuleName.sanitized(t.name)
            let qualified = RuleName.sanitized(t.schema) + "_" + base
            let name = enumScope.claim(enumTypeNameCounts[t.name, default: 0] > 1 ? [qualified, base] : [base, qualified])
            typeEnumNames[t.oid] = name
            enums.append(EnumType(name: name, values: labels))
        }

        for i in pulled.indices {
            let table = pulled[i].table
            let checks = enumChecks(table)
            var fields: [Field] = []
            for column in table.columns {
                let place = "`\(table.schema).\(table.name).\(column.name)`"
                guard RuleName.isIdentifier(column.name) else {
                    let consequence = column.notNull && column.defaultExpression == nil && !column.isIdentity
                        ? "; it is NOT NULL without a default, so rules cannot `create` rows of this table" : ""
                    diagnostics.append(.warning(.pullUnsupportedName,
                        "column \(place) is not a name rules can write and is left out\(consequence)", at: nil,
                        help: "rename the column to letters, digits and `_`, or reach it through a view"))
                    continue
                }
                var type: FieldType
                switch resolve(column.typeOID) {
                case .type(let t):
                    type = t
                case .enumType(let oid):
                    if let name = typeEnumNames[oid] { type = .enumeration(name) } else { type = .text }
                case .listOfEnumType(let oid):
                    if let name = typeEnumNames[oid] { type = .list(.enumeration(name)) } else { type = .list(.text) }
                case .unknown:
                    type = .text
                    diagnostics.append(.warning(.pullUnsupportedType,
                        "column \(place) has type `\(column.typeDisplay)`, which rules do not know; it is pulled as `text`",
                        at: nil, help: "rules can read it and compare it with text; edit the pulled schema if another type fits"))
                }
                // CHECK (col IN (…)) on a text column (or `<@ ARRAY[…]` on a text list): an enum.
                if let check = checks[column.name] {
                    let name = enumScope.claim([RuleName.sanitized("\(pulled[i].entityName)_\(column.name)")])
                    if type == .text, !check.isListContainment {
                        enums.append(EnumType(name: name, values: check.values))
                        type = .enumeration(name)
                    } else if type == .list(.text), check.isListContainment {
                        enums.append(EnumType(name: name, values: check.values))
                        type = .list(.enumeration(name))
                    }
                }
                if options.inferContactTypes, type == .text, let contact = Self.contactType(column.name) { type = contact }
                let enumValues: [String]? = {
                    switch type {
                    case .enumeration(let n), .list(.enumeration(let n)): return enums.first { $0.name == n }?.values
                    default: return nil
                    }
                }()
                let d = fieldDefault(column, type: type, enumValues: enumValues, place: place)
                let field = Field(name: column.name, type: type, nullable: !column.notNull, defaultValue: d)
                fields.append(field)
                pulled[i].fieldByNumber[column.number] = field
            }
            pulled[i].fields = fields
        }
        return enums
    }

    /// The enum-like CHECK constraints of a table, by column name (one-column constraints only;
    /// where a column has two, the first by name wins).
    private func enumChecks(_ table: CatalogSnapshot.Table) -> [String: SQLExpressionReader.EnumCheck] {
        var out: [String: SQLExpressionReader.EnumCheck] = [:]
        for con in catalog.constraints where con.tableOID == table.oid && con.kind == .check && con.columns.count == 1 {
            guard let column = table.columns.first(where: { $0.number == con.columns[0] }),
                  let check = SQLExpressionReader.enumCheck(con.definition), check.column == column.name,
                  out[column.name] == nil else { continue }
            out[column.name] = check
        }
        return out
    }

    // MARK: - Defaults

    private mutating func fieldDefault(_ column: CatalogSnapshot.Column, type: FieldType, enumValues: [String]?,
                                       place: String) -> FieldDefault? {
        if column.isIdentity { return type == .int ? .generated : column.defaultExpression.map { .sql($0) } }
        guard let expression = column.defaultExpression else { return nil }
        if column.isGenerated {
            diagnostics.append(.warning(.pullGeneratedColumn,
                "column \(place) is generated by PostgreSQL (`\(expression)`); data actions must not set it", at: nil))
            return .sql(expression)
        }
        return FieldDefault.reading(sql: expression, type: type, enumValues: enumValues) ?? .sql(expression)
    }

    // MARK: - Tenancy

    private func assignTenants(_ pulled: inout [Pulled]) {
        guard let column = options.tenantKey else { return }
        var roots = Set<Int64>()
        for p in pulled {
            guard let number = p.table.columns.first(where: { $0.name == column })?.number else { continue }
            for con in catalog.constraints where con.tableOID == p.table.oid && con.kind == .foreignKey && con.columns == [number] {
                if let target = con.referencedTableOID { roots.insert(target) }
            }
        }
        if column.hasSuffix("_id"), column.count > 3 {
            let rootTable = Inflection.plural(String(column.dropLast(3)))
            for p in pulled where p.table.name == rootTable { roots.insert(p.table.oid) }
        }
        for i in pulled.indices {
            if pulled[i].fields.contains(where: { $0.name == column }) {
                pulled[i].tenantKey = column
            } else if roots.contains(pulled[i].table.oid) {
                pulled[i].tenantKey = pulled[i].keyColumn.name
            }
        }
    }

    // MARK: - Relations

    private struct ForeignKey {
        var source: Int
        var target: Int
        var column: String
        var position: Int64
        var name = ""
    }

    private mutating func relate(_ pulled: inout [Pulled]) {
        let indexByOID = Dictionary(pulled.enumerated().map { ($1.table.oid, $0) }, uniquingKeysWith: { a, _ in a })
        var keys: [ForeignKey] = []
        for (i, p) in pulled.enumerated() {
            var seen = Set<Int64>()
            let constraints = catalog.constraints.filter { $0.tableOID == p.table.oid && $0.kind == .foreignKey }
                .sorted { ($0.columns.first ?? 0, $0.name) < ($1.columns.first ?? 0, $1.name) }
            for con in constraints {
                let place = "`\(p.table.schema).\(p.table.name)`"
                let columnNames = con.columns.map { n in p.table.columns.first { $0.number == n }?.name ?? "#\(n)" }
                guard con.columns.count == 1, let number = con.columns.first else {
                    diagnostics.append(.warning(.pullUnsupportedForeignKey,
                        "the composite foreign key `\(con.name)` of \(place) (\(columnNames.map { "`\($0)`" }.joined(separator: ", "))) gives no relation",
                        at: nil, help: "relations follow single-column foreign keys"))
                    continue
                }
                guard p.fieldByNumber[number] != nil, seen.insert(number).inserted else { continue }
                let targetTable = con.referencedTableOID.flatMap { tablesByOID[$0] }
                guard let targetOID = con.referencedTableOID, let t = indexByOID[targetOID] else {
                    let message: String, help: String
                    if let targetTable {
                        message = "the foreign key `\(p.table.name).\(columnNames[0])` references `\(targetTable.schema).\(targetTable.name)`, which is not pulled, so it gives no relation"
                        help = options.followReferences ? "that table has no single-column primary key" : "add its schema with `--db-schema`"
                    } else {
                        message = "the foreign key `\(p.table.name).\(columnNames[0])` references a table outside the pulled catalog, so it gives no relation"
                        help = "foreign keys to system tables are not followed"
                    }
                    diagnostics.append(.warning(.pullUnsupportedForeignKey, message, at: nil, help: help))
                    continue
                }
                let targetName = "`\(pulled[t].table.schema).\(pulled[t].table.name)`"
                guard con.referencedColumns == [pulled[t].keyColumn.number] else {
                    diagnostics.append(.warning(.pullUnsupportedForeignKey,
                        "the foreign key `\(p.table.name).\(columnNames[0])` references a column of \(targetName) other than its primary key, so it gives no relation",
                        at: nil, help: "relations join on the referenced table's primary key"))
                    continue
                }
                keys.append(ForeignKey(source: i, target: t, column: columnNames[0], position: number))
            }
        }
        keys.sort { ($0.source, $0.position) < ($1.source, $1.position) }

        // Many-to-one names: the column without `_id`, else the target entity's name.
        var scopes = pulled.map { NameScope($0.fields.map(\.name)) }
        for k in keys.indices {
            let key = keys[k]
            let column = key.column
            let target = pulled[key.target].entityName
            var candidates: [String] = []
            if column.hasSuffix("_id"), column.count > 3 { candidates.append(String(column.dropLast(3))) }
            candidates += [target, column + "_ref"]
            keys[k].name = scopes[key.source].claim(candidates)
            pulled[key.source].relations.append(Relation(name: keys[k].name, cardinality: .manyToOne, target: target, foreignKey: column))
        }
        // One-to-many inverses: the plural of the source; `<relation>_<plural>` when one table has
        // several foreign keys to the same target (`sender_messages`, `recipient_messages`).
        var pairCounts: [String: Int] = [:]
        for key in keys { pairCounts["\(key.source)>\(key.target)", default: 0] += 1 }
        for key in keys {
            let source = pulled[key.source]
            let pluralName = RuleName.isIdentifier(source.table.name) && Inflection.singular(source.table.name) != source.table.name
                ? source.table.name : Inflection.plural(source.entityName)
            let qualified = "\(key.name)_\(pluralName)"
            var candidates = pairCounts["\(key.source)>\(key.target)", default: 0] > 1 ? [qualified] : [pluralName]
            candidates += [Inflection.plural(source.entityName), qualified]
            let name = scopes[key.target].claim(candidates)
            pulled[key.target].relations.append(Relation(name: name, cardinality: .oneToMany, target: source.entityName,
                                                         foreignKey: key.column))
        }
    }
}
