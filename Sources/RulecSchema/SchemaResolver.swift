import RulecDiagnostics
import Yams

/// The second half of reading a schema: what needs every declaration at once. Keys and tenant keys
/// name fields, foreign keys name entities (and must match their key's type), relations and their
/// inverses get their names and must not collide with fields, and defaults are checked against types.
extension SchemaReader {
    /// A relation with the place that gave it its name, for clash reports.
    private struct PendingRelation {
        var owner: String
        var relation: Relation
        var range: SourceRange
        /// How to rename it, for the help line.
        var renameHint: String
    }

    /// PostgreSQL's longest identifier (NAMEDATALEN - 1).
    static let maxNameBytes = 63

    mutating func resolve(_ raw: [RawEntity], enums: [EnumType]) -> [Entity] {
        var byName: [String: RawEntity] = [:]
        var byTable: [String: String] = [:]
        for e in raw {
            byName[e.name] = byName[e.name] ?? e
            byTable[e.table] = byTable[e.table] ?? e.name
        }
        let enumsByName = Dictionary(enums.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

        var entities: [Entity] = []
        var tableOwners: [String: String] = [:]
        for e in raw {
            // One table, one entity: the triggers of a table dispatch on one entity's rules.
            let qualified = "\(e.dbSchema).\(e.table)"
            if let owner = tableOwners[qualified], owner != e.name {
                error(.schemaSharedTable, "entities `\(owner)` and `\(e.name)` are both the table `\(qualified)`", at: e.nameRange,
                      help: "give `\(e.name)` its own `table:`; one entity describes one table")
            } else {
                tableOwners[qualified] = e.name
            }
            // PostgreSQL cuts longer names to 63 bytes, so two could become one and SQL would miss them.
            for (what, name) in [("the table name", e.table), ("the database schema", e.dbSchema)] where name.utf8.count > Self.maxNameBytes {
                error(.schemaNameTooLong, "\(what) `\(name)` of `\(e.name)` is longer than 63 bytes", at: e.nameRange,
                      help: "PostgreSQL cuts names to 63 bytes; use a shorter name")
            }
            for f in e.fields where f.name.utf8.count > Self.maxNameBytes {
                error(.schemaNameTooLong, "the field name `\(f.name)` of `\(e.name)` is longer than 63 bytes", at: f.nameRange,
                      help: "PostgreSQL cuts column names to 63 bytes; use a shorter name")
            }
            var fields: [Field] = []
            for f in e.fields {
                guard let type = f.type else { continue }
                var value: FieldDefault?
                if let d = f.defaultNode {
                    value = readDefault(d, type: type, field: "\(e.name).\(f.name)", enums: enumsByName)
                }
                fields.append(Field(name: f.name, type: type, nullable: f.nullable, defaultValue: value))
            }
            let declared = Set(e.fields.map(\.name))
            // The key.
            if let keyField = e.fields.first(where: { $0.name == e.key }) {
                if keyField.nullable {
                    error(.schemaNullableKey, "the key `\(e.key)` of `\(e.name)` is nullable", at: keyField.typeRange,
                          help: "a key is never null: remove `?` or `nullable: true`")
                }
            } else if !e.fields.isEmpty || e.keyRange != nil {
                let guess = closestMatch(to: e.key, in: declared)
                error(.schemaUnknownField, "entity `\(e.name)` has no field `\(e.key)` for its key",
                      at: e.keyRange ?? e.nameRange,
                      help: guess.map { "did you mean `\($0)`?" }
                        ?? (e.keyRange == nil ? "add an `id` field, or name the key field with `key:`" : "declare the field under `fields:`"))
            }
            // The tenant key.
            var tenant: String?
            switch e.tenant {
            case .derived: tenant = declared.contains("workspace_id") ? "workspace_id" : nil
            case .none: tenant = nil
            case .named(let t, let range):
                if declared.contains(t) {
                    tenant = t
                } else {
                    let guess = closestMatch(to: t, in: declared)
                    error(.schemaUnknownField, "entity `\(e.name)` has no field `\(t)` for its tenant key", at: range,
                          help: guess.map { "did you mean `\($0)`?" } ?? "declare the field, or write `tenant_key: null` for none")
                }
            }
            entities.append(Entity(name: e.name, dbSchema: e.dbSchema, table: e.table, key: e.key, tenantKey: tenant,
                                   fields: fields, relations: []))
        }

        // Relations: each foreign key gives a many-to-one on its entity and (unless `inverse: null`)
        // a one-to-many on the target. Order: an entity's own foreign keys in field order, then the
        // inverses in the order their entities and fields are declared.
        var manyToOne: [PendingRelation] = []
        var oneToMany: [PendingRelation] = []
        for e in raw {
            for f in e.fields {
                guard let (targetName, targetRange) = f.references else { continue }
                guard let target = byName[targetName] else {
                    var help = "the entities are \(raw.map { "`\($0.name)`" }.joined(separator: ", "))"
                    if let entity = byTable[targetName] {
                        help = "`references` names the entity, not the table: did you mean `\(entity)`?"
                    } else if let guess = closestMatch(to: targetName, in: raw.map(\.name)) {
                        help = "did you mean `\(guess)`?"
                    }
                    error(.schemaUnknownEntity, "`\(e.name).\(f.name)` references unknown entity `\(targetName)`",
                          at: targetRange, help: help)
                    continue
                }
                if let type = f.type, let keyType = target.fields.first(where: { $0.name == target.key })?.type,
                   Self.storage(type) != Self.storage(keyType) {
                    error(.schemaForeignKeyType,
                          "`\(e.name).\(f.name)` is `\(type)` but the key `\(target.name).\(target.key)` it references is `\(keyType)`",
                          at: f.typeRange, help: "declare `\(f.name)` as `\(keyType)\(f.nullable ? "?" : "")`")
                }
                // The many-to-one name: explicit, or the column without `_id`.
                let relationName: String
                let relationRange: SourceRange
                if let (n, r) = f.relationName {
                    relationName = n
                    relationRange = r
                } else if f.name.hasSuffix("_id"), f.name.count > 3 {
                    relationName = String(f.name.dropLast(3))
                    relationRange = f.nameRange
                } else {
                    error(.schemaRelationClash, "the relation of `\(e.name).\(f.name)` needs a name", at: f.nameRange,
                          help: "add `relation: NAME` (a foreign key ending in `_id` is named after the rest: `contact_id` → `contact`)")
                    continue
                }
                manyToOne.append(PendingRelation(
                    owner: e.name,
                    relation: Relation(name: relationName, cardinality: .manyToOne, target: target.name, foreignKey: f.name),
                    range: relationRange, renameHint: "name it with `relation:` on `\(e.name).\(f.name)`"))
                // The one-to-many inverse on the target.
                switch f.inverse {
                case .none:
                    break
                case .named(let n, let r):
                    oneToMany.append(PendingRelation(
                        owner: target.name,
                        relation: Relation(name: n, cardinality: .oneToMany, target: e.name, foreignKey: f.name),
                        range: r, renameHint: "choose another `inverse:` on `\(e.name).\(f.name)`"))
                case .derived:
                    let n = isIdentifier(e.table) ? e.table : e.name + "s"
                    oneToMany.append(PendingRelation(
                        owner: target.name,
                        relation: Relation(name: n, cardinality: .oneToMany, target: e.name, foreignKey: f.name),
                        range: targetRange, renameHint: "name it with `inverse:` on `\(e.name).\(f.name)`"))
                }
            }
        }

        // Names on one entity are unique across fields and relations.
        var taken: [String: [String: SourceRange?]] = [:]
        for e in raw {
            var names: [String: SourceRange?] = [:]
            for f in e.fields { names[f.name] = f.nameRange }
            taken[e.name] = names
        }
        for p in manyToOne + oneToMany {
            guard let i = entities.firstIndex(where: { $0.name == p.owner }) else { continue }
            let kind = p.relation.cardinality == .manyToOne ? "relation" : "inverse relation"
            if let existing = taken[p.owner]?[p.relation.name] {
                let what = entities[i].field(named: p.relation.name) != nil ? "field" : "relation"
                var labels: [DiagnosticLabel] = []
                if let existing, existing.file == p.range.file, existing != p.range {
                    labels.append(DiagnosticLabel(existing, "the \(what) `\(p.relation.name)`"))
                }
                error(.schemaRelationClash,
                      "the \(kind) `\(p.owner).\(p.relation.name)` has the same name as a \(what) of `\(p.owner)`",
                      at: p.range, labels: labels, help: p.renameHint)
                continue
            }
            taken[p.owner, default: [:]][p.relation.name] = p.range
            entities[i].relations.append(p.relation)
        }
        return entities
    }

    /// Types that share a column type: a `phone` column may reference a `text` key.
    static func storage(_ t: FieldType) -> String {
        switch t {
        case .text, .phone, .email: return "text"
        case .list(let e): return "[\(storage(e))]"
        default: return t.description
        }
    }

    // MARK: - Defaults

    /// `generated`, `now`, a literal of `type`, a list for list types, or `{sql: "..."}`.
    mutating func readDefault(_ node: Node, type: FieldType, field: String, enums: [String: EnumType]) -> FieldDefault? {
        let range = map.range(of: node)
        if case .mapping(let m) = node {
            checkKeys(m, allowed: ["sql"], in: "the default of `\(field)`")
            if let s = m["sql"], let expr = text(s, expected: "an SQL expression") {
                // A constant, `now()` or a fresh id written as SQL means what the plain form does, so
                // dry runs apply it as the database would; any other expression stays raw SQL.
                var scalar = type
                if case .list(let element) = type { scalar = element }
                let values: [String]? = if case .enumeration(let name) = scalar { enums[name]?.values } else { nil }
                return FieldDefault.reading(sql: expr, type: type, enumValues: values) ?? .sql(expr)
            }
            if m["sql"] == nil {
                error(.schemaInvalidDefault, "a default written as a mapping needs `sql:`", at: range,
                      help: "write `default: {sql: \"EXPRESSION\"}`, or a constant")
            }
            return nil
        }
        if isNull(node) {
            error(.schemaInvalidDefault, "`default` of `\(field)` is empty", at: range,
                  help: "a nullable field is null when an insert leaves it out; remove `default:` or give a value")
            return nil
        }
        if case .list(let element) = type {
            guard case .sequence(let seq) = node else {
                error(.schemaInvalidDefault, "the default of list field `\(field)` must be a list", at: range,
                      help: "write `default: []` or `default: [a, b]`")
                return nil
            }
            var values: [String] = []
            for v in seq {
                guard case .scalar(let s) = v else {
                    unexpected(v, expected: "an element of type `\(element)`")
                    return nil
                }
                guard checkLiteral(s.string, type: element, field: field, at: map.range(of: v), enums: enums) else { return nil }
                values.append(s.string)
            }
            return .list(values)
        }
        guard case .scalar(let s) = node else {
            error(.schemaInvalidDefault, "the default of `\(field)` must be a single `\(type)` value", at: range)
            return nil
        }
        let value = s.string
        let quoted = s.style == .singleQuoted || s.style == .doubleQuoted
        if !quoted, value == "generated" {
            switch type {
            case .text, .uuid, .int: return .generated
            case .enumeration: break  // may be a value named `generated`
            default:
                error(.schemaInvalidDefault, "`generated` is a default for `text`, `uuid` and `int` ids, not `\(type)`",
                      at: range, help: "give a constant of type `\(type)`, or `{sql: \"EXPRESSION\"}`")
                return nil
            }
        }
        if !quoted, value == "now" {
            if type == .timestamp { return .now }
            if case .enumeration = type {} else if type != .text {
                error(.schemaInvalidDefault, "`now` is a default for `timestamp` fields, not `\(type)`", at: range)
                return nil
            }
        }
        guard checkLiteral(value, type: type, field: field, at: range, enums: enums) else { return nil }
        return .literal(value)
    }

    /// Reports and returns false when `value` is not a constant of `type`.
    private mutating func checkLiteral(_ value: String, type: FieldType, field: String, at range: SourceRange,
                                       enums: [String: EnumType]) -> Bool {
        if case .enumeration(let name) = type, let e = enums[name] {
            if e.values.contains(value) { return true }
            let help = closestMatch(to: value, in: e.values).map { "did you mean `\($0)`?" }
                ?? "the values of `\(name)` are \(e.values.map { "`\($0)`" }.joined(separator: ", "))"
            error(.schemaInvalidDefault, "`\(value)` is not a value of enum `\(name)`", at: range, help: help)
            return false
        }
        guard let problem = SchemaLiteral.problem(value, type: type) else { return true }
        error(.schemaInvalidDefault, "the default `\(value)` of `\(field)` is not a `\(type)`", at: range, help: problem)
        return false
    }
}
