import Foundation
import RulecSchema
import RulecSemantics
import RulecSyntax

/// Compiles typed expressions to PostgreSQL expressions with the interpreter's semantics.
/// Every value read from a row is cast to one canonical SQL type per rulec type (text for
/// text/phone/email/uuid/enums, bigint, numeric, timestamptz, interval, jsonb, arrays), so the
/// code works on schemas that store enums as types or ids as uuid. Every identifier and literal
/// is quoted: rule text never becomes SQL syntax.
struct SQLExpressionCompiler {
    let schema: Schema
    /// Bound names → the entity and the SQL that denotes the row (`r`, `NEW`, an alias).
    var bindings: [String: (entity: String, sql: String)]
    /// `old(field)`'s row: the trigger's entity and the SQL of its row before the change.
    /// Named apart from `bindings`, which inside an aggregate also hold the related row.
    var oldRow: (entity: String, sql: String)?
    /// SQL for `now`.
    var now: String
    /// SQL for the workspace id of the rule's row, to read param overrides.
    var workspace: String
    var ruleName: String
    var params: [String: CheckedParam]
    /// Entity → SQL relation replacing its table (the world before a change, for `reaches`).
    var tableOverrides: [String: String] = [:]
    /// Source of fresh alias names, shared by nested compilations.
    let aliases: AliasCounter

    func table(_ entity: Entity) -> String {
        tableOverrides[entity.name] ?? SQLQuoting.qualified(entity.dbSchema, entity.table)
    }

    func compile(_ e: TypedExpr) -> String {
        switch e.kind {
        case .literal(let v): return literal(v, type: e.type)
        case .param(let name): return param(name)
        case .now: return now
        case let .field(binding, relations, field):
            guard let (entityName, rowSQL) = bindings[binding], var entity = schema.entity(named: entityName) else { return "NULL" }
            if relations.isEmpty { return read(rowSQL, entity.field(named: field)!) }
            // Follow many-to-one relations by nested subqueries on the keys, each in the start
            // row's tenant (a key pointing at another tenant's row reads as no row).
            let tenant = tenantOf(rowSQL, entity)
            var keySQL = ""
            var first = true
            for rel in relations {
                let r = entity.relation(named: rel)!
                let target = schema.entity(named: r.target)!
                // Keys compare as text, whatever their column type (int, uuid, text).
                let fk = first ? "(\(read(rowSQL, entity.field(named: r.foreignKey)!)))::text" : keySQL
                first = false
                let a = aliases.next()
                let match = "\(keyOf(a, target)) = \(fk)\(sameTenant(a, target, tenant))"
                if rel == relations.last {
                    return "(SELECT \(read(a, target.field(named: field)!)) FROM \(table(target)) \(a) WHERE \(match))"
                }
                let nextFK = target.field(named: target.relation(named: relations[relations.firstIndex(of: rel)! + 1])!.foreignKey)!
                keySQL = "(SELECT (\(read(a, nextFK)))::text FROM \(table(target)) \(a) WHERE \(match))"
                entity = target
            }
            return "NULL"
        case .old(let field):
            guard let oldRow, let entity = schema.entity(named: oldRow.entity), let f = entity.field(named: field) else { return "NULL" }
            return read(oldRow.sql, f)
        case let .call(fn, args):
            let a = args.map(compile)
            switch fn {
            case .coalesce: return "coalesce(\(a.joined(separator: ", ")))"
            case .lower: return "lower(\(a[0]))"
            case .upper: return "upper(\(a[0]))"
            case .length:
                if case .list = args[0].type { return "coalesce(cardinality(\(a[0])), CASE WHEN \(a[0]) IS NULL THEN NULL ELSE 0 END)::bigint" }
                return "length(\(a[0]))::bigint"
            }
        case .aggregate(let agg):
            return aggregate(agg)
        case .not(let x): return "(NOT \(compile(x)))"
        case .negate(let x):
            if x.type == .int { return "rulec.int_result(-(\(compile(x)))::numeric)" }
            return "(-\(compile(x)))"
        case let .binary(op, l, r):
            return binary(op, l, r)
        case let .membership(l, negated, r):
            let test = "(\(compile(l)) = ANY(\(compile(r))))"
            return negated ? "(NOT \(test))" : test
        case let .isNull(x, negated):
            return "(\(compile(x)) IS \(negated ? "NOT " : "")NULL)"
        case let .isEmpty(x, negated):
            let v = compile(x)
            let empty: String
            if case .list = x.type { empty = "(cardinality(\(v)) = 0)" } else { empty = "(\(v) = '')" }
            return negated ? "(NOT \(empty))" : empty
        case .list(let items):
            return "ARRAY[\(items.map(compile).joined(separator: ", "))]::\(sqlType(e.type))"
        case .template(let parts):
            if parts.isEmpty { return "''" }
            return "(" + parts.map { p -> String in
                switch p {
                case .text(let s): return SQLQuoting.literal(s)
                case .value(let x): return "coalesce(\(render(x)), '')"
                }
            }.joined(separator: " || ") + ")"
        }
    }

    /// Text of a value as templates show it (LANGUAGE.md §5), matching `ValueFormatting.render`.
    func render(_ e: TypedExpr) -> String {
        let v = compile(e)
        switch e.type {
        case .int: return "(\(v))::text"
        case .decimal: return "rulec.render_decimal(\(v))"
        case .bool: return "CASE WHEN \(v) THEN 'true' WHEN NOT \(v) THEN 'false' END"
        case .timestamp: return "rulec.render_timestamp(\(v))"
        case .duration: return "rulec.render_duration(\(v))"
        case .json: return "(\(v))::text"
        case .list(let element):
            let a = aliases.next()
            let inner = TypedExpr(.field(binding: "", relations: [], field: ""), element, e.range, nullable: true)
            _ = inner
            return "(SELECT string_agg(coalesce(\(renderScalar("\(a).x", element)), ''), ', ' ORDER BY \(a).n) FROM unnest(\(v)) WITH ORDINALITY \(a)(x, n))"
        default: return "(\(v))"
        }
    }

    private func renderScalar(_ v: String, _ t: ExprType) -> String {
        switch t {
        case .int: return "(\(v))::text"
        case .decimal: return "rulec.render_decimal(\(v))"
        case .bool: return "CASE WHEN \(v) THEN 'true' WHEN NOT \(v) THEN 'false' END"
        case .timestamp: return "rulec.render_timestamp(\(v))"
        case .duration: return "rulec.render_duration(\(v))"
        default: return "(\(v))::text"
        }
    }

    /// A job parameter as jsonb, matching `ValueFormatting.json`.
    func jsonValue(_ e: TypedExpr) -> String {
        let v = compile(e)
        switch e.type {
        case .decimal: return "to_jsonb(trim_scale(\(v)))"
        case .timestamp: return "to_jsonb(rulec.render_timestamp(\(v)))"
        case .duration: return "to_jsonb(rulec.render_duration(\(v)))"
        case .json: return "(\(v))"
        case .null: return "'null'::jsonb"
        default: return "to_jsonb(\(v))"
        }
    }

    /// A value as jsonb that `jsonb_populate_record` turns back into the column's own type.
    func storableJSON(_ e: TypedExpr) -> String {
        let v = compile(e)
        switch e.type {
        case .null: return "'null'::jsonb"
        case .json: return "(\(v))"
        default: return "to_jsonb(\(v))"
        }
    }

    // MARK: Pieces

    /// A column read with its canonical cast.
    func read(_ row: String, _ f: Field) -> String {
        "(\(row).\(SQLQuoting.identifier(f.name)))::\(sqlType(ExprType(f.type)))"
    }

    func keyOf(_ row: String, _ e: Entity) -> String {
        "(\(row).\(SQLQuoting.identifier(e.key)))::text"
    }

    /// The tenant of a row, as text; nil when its entity has no tenant key.
    func tenantOf(_ row: String, _ e: Entity) -> String? {
        e.tenantKey.map { "(\(row).\(SQLQuoting.identifier($0)))::text" }
    }

    /// ` AND` the row `alias` of `e` belongs to `tenant` (nothing when either has no tenant).
    func sameTenant(_ alias: String, _ e: Entity, _ tenant: String?) -> String {
        guard let tenant, let own = tenantOf(alias, e) else { return "" }
        return " AND \(own) = \(tenant)"
    }

    func sqlType(_ t: ExprType) -> String { Self.sqlType(t) }

    static func sqlType(_ t: ExprType) -> String {
        switch t {
        case .text, .phone, .email, .uuid, .enumeration, .null: return "text"
        case .int: return "bigint"
        case .decimal: return "numeric"
        case .bool: return "boolean"
        case .timestamp: return "timestamptz"
        case .duration: return "interval"
        case .json: return "jsonb"
        case .list(let e): return sqlType(e) + "[]"
        }
    }

    func literal(_ v: Value, type: ExprType) -> String {
        switch v {
        case .null: return "NULL::\(sqlType(type))"
        case .text(let s): return "\(SQLQuoting.literal(s))::text"
        // Parenthesized when negative: `::` binds tighter than `-`, and 9223372036854775808 is no bigint.
        case .int(let n): return n < 0 ? "(\(n))::bigint" : "\(n)::bigint"
        case .decimal(let d): return "\(SQLQuoting.literal(d.description))::numeric"
        case .bool(let b): return b ? "true" : "false"
        case .timestamp(let t): return "rulec.from_micros(\(t))"
        case .duration(let d): return "\(SQLQuoting.literal("\(d) microseconds"))::interval"
        case .list(let items):
            let element: ExprType
            if case .list(let e) = type { element = e } else { element = .text }
            return "ARRAY[\(items.map { literal($0, type: element) }.joined(separator: ", "))]::\(sqlType(type))"
        case .json(let j): return "\(SQLQuoting.literal(j))::jsonb"
        }
    }

    /// A param: the workspace's override from `rulec.settings`, else the default.
    func param(_ name: String) -> String {
        guard let p = params[name] else { return "NULL" }
        let setting = "rulec.setting(\(workspace), \(SQLQuoting.literal(ruleName)), \(SQLQuoting.literal(name)))"
        return "coalesce(\(Self.settingValue(setting, type: p.type)), \(literal(p.defaultValue, type: p.type)))"
    }

    /// A param override (`jsonb`) read as the param's SQL type; raises when it is not one, which
    /// `rulec.check_settings` makes sure happens when the setting is written, not in a trigger.
    static func settingValue(_ setting: String, type: ExprType) -> String {
        switch type {
        case .list(let element):
            return "(SELECT array_agg((x #>> '{}')::\(sqlType(element)) ORDER BY n) FROM jsonb_array_elements(\(setting)) WITH ORDINALITY j(x, n))"
        case .json:
            return setting
        default:
            return "(\(setting) #>> '{}')::\(sqlType(type))"
        }
    }

    private func aggregate(_ a: TypedAggregate) -> String {
        // The owner's key: the bound row's, or through many-to-one relations.
        let ownerPath = TypedExpr(.field(binding: a.ownerBinding, relations: a.ownerRelations, field: schema.entity(named: a.ownerEntity)!.key),
                                  .text, SourceRangeZero.value, nullable: true)
        let ownerKey = "(\(compile(ownerPath)))::text"
        let related = schema.entity(named: a.relatedEntity)!
        let alias = aliases.next()
        var inner = self
        inner.bindings[a.binding] = (related.name, alias)
        // Related rows of another tenant than the row the expression starts from are not counted.
        let start = bindings[a.ownerBinding].flatMap { b in schema.entity(named: b.entity).map { (b.sql, $0) } }
        let tenant = start.flatMap { tenantOf($0.0, $0.1) }
        var conditions = ["(\(alias).\(SQLQuoting.identifier(a.foreignKey)))::text = \(ownerKey)\(sameTenant(alias, related, tenant))"]
        if let f = a.filter { conditions.append("coalesce(\(inner.compile(f)), false)") }
        let from = "FROM \(table(related)) \(alias) WHERE \(conditions.joined(separator: " AND "))"
        switch a.function {
        case .count: return "(SELECT count(*) \(from))::bigint"
        case .exists: return "EXISTS (SELECT 1 \(from))"
        case .sum, .min, .max:
            let field = related.field(named: a.field!)!
            let value = read(alias, field)
            if a.function == .sum, field.type == .int { return "rulec.int_result((SELECT sum(\(value)) \(from)))" }
            let cast = a.function == .sum ? "::\(sqlType(ExprType(field.type)))" : ""
            return "(SELECT \(a.function.rawValue)(\(value))\(cast) \(from))"
        }
    }

    private func binary(_ op: BinaryOperator, _ l: TypedExpr, _ r: TypedExpr) -> String {
        let a = compile(l), b = compile(r)
        // Int arithmetic that leaves bigint gives null, as in the interpreter, instead of an error
        // that would abort the user's transaction.
        if l.type == .int, r.type == .int, [.add, .subtract, .multiply].contains(op) {
            let sign = op == .add ? "+" : op == .subtract ? "-" : "*"
            return "rulec.int_result((\(a))::numeric \(sign) (\(b))::numeric)"
        }
        switch op {
        case .or: return "(\(a) OR \(b))"
        case .and: return "(\(a) AND \(b))"
        case .equal: return "(\(a) = \(b))"
        case .notEqual: return "(\(a) <> \(b))"
        case .less: return "(\(a) < \(b))"
        case .lessEqual: return "(\(a) <= \(b))"
        case .greater: return "(\(a) > \(b))"
        case .greaterEqual: return "(\(a) >= \(b))"
        case .contains:
            if case .list = l.type { return "(\(b) = ANY(\(a)))" }
            return "(strpos(\(a), \(b)) > 0)"
        case .startsWith: return "starts_with(\(a), \(b))"
        case .endsWith: return "(right(\(a), length(\(b))) = \(b))"
        // Timestamps out of range are null, as in the interpreter, never an error in the user's change.
        case .add:
            if l.type == .timestamp, r.type == .duration { return "rulec.add_time(\(a), \(b))" }
            if l.type == .duration, r.type == .timestamp { return "rulec.add_time(\(b), \(a))" }
            return "(\(a) + \(b))"
        case .subtract:
            if l.type == .timestamp, r.type == .duration { return "rulec.add_time(\(a), -(\(b)))" }
            return "(\(a) - \(b))"
        case .multiply:
            if r.type == .duration && l.type != .duration { return "rulec.scale_duration(\(b), (\(a))::numeric)" }
            if l.type == .duration && r.type != .duration { return "rulec.scale_duration(\(a), (\(b))::numeric)" }
            return "(\(a) * \(b))"
        case .divide:
            if l.type == .duration { return "rulec.divide_duration(\(a), (\(b))::numeric)" }
            return "rulec.divide(\(a), \(b))"
        }
    }
}

/// Hands out `a1`, `a2`, … so nested subqueries never capture each other's rows.
final class AliasCounter {
    private var n = 0
    func next() -> String {
        n += 1
        return "a\(n)"
    }
}

import RulecDiagnostics

/// A placeholder range for expressions the compiler builds itself.
enum SourceRangeZero {
    static let value = SourceRange(file: 0, start: 0, end: 0)
}
