import Foundation
import RulecDiagnostics

/// A stable text rendering of the checked program (`rulec check --dump-typed`), for golden tests:
/// every expression with its type, every name resolved.
public struct TypedDump {
    public init() {}

    public func dump(_ program: CheckedProgram) -> String {
        program.rules.map(dump).joined(separator: "\n")
    }

    public func dump(_ r: CheckedRule) -> String {
        var lines = ["(rule \(r.name) (entity \(r.entity)) (priority \(r.priority.rawValue)) (hash \(r.sourceHash))"]
        for p in r.params { lines.append("  (param \(p.name) \(p.type) \(value(p.defaultValue)))") }
        if let o = r.oncePer { lines.append("  (once-per \(o.entity)\(o.relation.map { " (via \($0))" } ?? "")\(o.every.map { " (every \($0)us)" } ?? ""))") }
        if let l = r.limit { lines.append("  (limit \(l.count) (per \(l.window)us))") }
        for t in r.triggers { lines.append("  (when \(trigger(t)))") }
        if let c = r.condition { lines.append("  (if \(expr(c)))") }
        for a in r.actions { lines.append("  \(action(a))") }
        lines[lines.count - 1] += ")"
        return lines.joined(separator: "\n") + "\n"
    }

    func trigger(_ t: CheckedTrigger) -> String {
        switch t {
        case .created, .updated, .deleted: return t.kindName
        case let .changes(f, from, to):
            return "(changes \(f)" + (from.map { " (from \(expr($0)))" } ?? "") + (to.map { " (to \(expr($0)))" } ?? "") + ")"
        case .meets(let c): return "(meets \(expr(c)))"
        case let .reaches(v, th, related):
            return "(reaches \(expr(v)) \(expr(th))" + related.map { " (related \($0.entity).\($0.foreignKey))" }.joined() + ")"
        case let .timer(f, offset): return "(timer \(f) \(offset)us)"
        }
    }

    func action(_ a: CheckedAction) -> String {
        func args(_ xs: [(name: String, value: TypedExpr)]) -> String { xs.map { " (\($0.name) \(expr($0.value)))" }.joined() }
        switch a {
        case let .external(name, arguments, delay, _): return "(action \(name)\(args(arguments))\(delay.map { " (delay \($0)us)" } ?? ""))"
        case let .create(e, fields, _): return "(create \(e)\(args(fields)))"
        case let .update(e, rels, assignments, _): return "(update \(e)\(rels.isEmpty ? "" : " (via \(rels.joined(separator: ".")))")\(args(assignments)))"
        }
    }

    public func expr(_ e: TypedExpr) -> String {
        let body: String
        switch e.kind {
        case .literal(let v): body = value(v)
        case .param(let p): body = "(param \(p))"
        case .now: body = "now"
        case let .field(b, rels, f): body = ([b] + rels + [f]).joined(separator: ".")
        case .old(let f): body = "(old \(f))"
        case let .call(fn, args): body = "(\(fn.rawValue)" + args.map { " " + expr($0) }.joined() + ")"
        case .aggregate(let a):
            body = "(\(a.function.rawValue) \(([a.ownerBinding] + a.ownerRelations).joined(separator: "."))->\(a.relatedEntity).\(a.foreignKey) as \(a.binding)"
                + (a.field.map { " (field \($0))" } ?? "") + (a.filter.map { " (where \(expr($0)))" } ?? "") + ")"
        case .not(let x): body = "(not \(expr(x)))"
        case .negate(let x): body = "(- \(expr(x)))"
        case let .binary(op, l, r): body = "(\(op.rawValue) \(expr(l)) \(expr(r)))"
        case let .membership(l, neg, r): body = "(\(neg ? "not-in" : "in") \(expr(l)) \(expr(r)))"
        case let .isNull(x, neg): body = "(\(neg ? "is-not-null" : "is-null") \(expr(x)))"
        case let .isEmpty(x, neg): body = "(\(neg ? "is-not-empty" : "is-empty") \(expr(x)))"
        case .list(let items): body = "(list" + items.map { " " + expr($0) }.joined() + ")"
        case .template(let parts):
            body = "(template" + parts.map {
                switch $0 {
                case .text(let s): return " " + jsonString(s)
                case .value(let x): return " " + expr(x)
                }
            }.joined() + ")"
        }
        return body + ":" + typeName(e.type) + (e.nullable ? "?" : "")
    }

    func typeName(_ t: ExprType) -> String {
        switch t {
        case .enumeration(let n): return n
        case .list(let e): return "[\(typeName(e))]"
        default: return t.description
        }
    }

    func value(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .text(let s): return jsonString(s)
        case .int(let n): return String(n)
        case .decimal(let d): return d.description
        case .bool(let b): return b ? "true" : "false"
        case .timestamp(let t): return "(timestamp \(t))"
        case .duration(let d): return "(duration \(d)us)"
        case .list(let xs): return "[" + xs.map(value).joined(separator: ", ") + "]"
        case .json(let j): return "(json \(jsonString(j)))"
        }
    }
}
