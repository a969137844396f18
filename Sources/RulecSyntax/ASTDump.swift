import RulecDiagnostics

/// A stable S-expression rendering of the tree, for golden tests and `rulec parse --dump-ast`.
/// With `ranges: false` two trees that differ only in layout dump identically, which is how the
/// formatter is proven faithful.
public struct ASTDump {
    public var ranges: Bool

    public init(ranges: Bool = true) { self.ranges = ranges }

    public func dump(_ file: RuleFile) -> String {
        file.rules.map { dump($0) }.joined(separator: "\n") + (file.rules.isEmpty ? "" : "\n")
    }

    public func dump(_ rule: RuleDecl) -> String {
        var lines: [String] = ["(rule \(rule.name.name)\(at(rule.range))"]
        if let d = rule.description { lines.append("  (description \(jsonString(d)))") }
        for p in rule.params {
            lines.append("  (param \(p.name.name) \(type(p.type)) \(expr(p.defaultValue))\(at(p.range)))")
        }
        if let o = rule.oncePer {
            lines.append("  (once-per \(o.entity.name)\(o.every.map { " (every " + expr($0) + ")" } ?? "")\(at(o.range)))")
        }
        if let l = rule.limit { lines.append("  (limit \(expr(l.count)) \(expr(l.window))\(at(l.range)))") }
        if let p = rule.priority { lines.append("  (priority \(p.level.rawValue))") }
        for t in rule.triggers { lines.append("  (when \(trigger(t))\(at(t.range)))") }
        if let c = rule.condition { lines.append("  (if \(expr(c)))") }
        for a in rule.actions { lines.append("  \(action(a))") }
        lines[lines.count - 1] += ")"
        return lines.joined(separator: "\n")
    }

    private func at(_ r: SourceRange) -> String { ranges ? " @\(r.start)..\(r.end)" : "" }

    private func type(_ t: TypeRef) -> String {
        switch t {
        case .named(let id): return id.name
        case .list(let inner, _): return "(list \(type(inner)))"
        }
    }

    public func trigger(_ t: Trigger) -> String {
        switch t.kind {
        case let .lifecycle(entity, event): return "(\(event.rawValue) \(entity.name))"
        case let .changes(field, from, to):
            return "(changes \(expr(field))" + (from.map { " (from \(expr($0)))" } ?? "") + (to.map { " (to \(expr($0)))" } ?? "") + ")"
        case let .meets(entity, condition): return "(meets \(entity.name) \(expr(condition)))"
        case let .reaches(value, threshold): return "(reaches \(expr(value)) \(expr(threshold)))"
        case let .timer(offset, direction, field): return "(\(direction.rawValue) \(expr(offset)) \(expr(field)))"
        }
    }

    public func action(_ a: Action) -> String {
        switch a.kind {
        case let .external(name, args, delay):
            return "(action \(name.name)" + args.map { " (\($0.key.name) \(expr($0.value)))" }.joined()
                + (delay.map { " (delay \(expr($0)))" } ?? "") + "\(at(a.range)))"
        case let .create(entity, fields):
            return "(create \(entity.name)" + fields.map { " (\($0.key.name) \(expr($0.value)))" }.joined() + "\(at(a.range)))"
        case let .update(target, assignments):
            return "(update \(expr(target))" + assignments.map { " (\($0.key.name) \(expr($0.value)))" }.joined() + "\(at(a.range)))"
        }
    }

    public func expr(_ e: Expr) -> String {
        switch e.kind {
        case .number(let n): return n
        case .string(let parts):
            if parts.count == 1, case .text(let s) = parts[0] { return jsonString(s) }
            if parts.isEmpty { return "\"\"" }
            return "(template" + parts.map { p -> String in
                switch p {
                case .text(let s): return " " + jsonString(s)
                case .interpolation(let x): return " " + expr(x)
                }
            }.joined() + ")"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .now: return "now"
        case let .duration(amount, unit): return "(duration \(amount) \(unit.rawValue))"
        case .list(let items): return "(list" + items.map { " " + expr($0) }.joined() + ")"
        case .name(let n): return n
        case let .member(base, m): return "(. \(expr(base)) \(m.name))"
        case let .call(name, args): return "(call \(name.name)" + args.map { " " + expr($0) }.joined() + ")"
        case .aggregate(let a):
            return "(\(a.function.rawValue)" + (a.alias.map { " (alias \($0.name))" } ?? "") + " \(expr(a.source))"
                + (a.filter.map { " (where \(expr($0)))" } ?? "") + ")"
        case let .unary(op, x): return "(\(op.rawValue) \(expr(x)))"
        case let .binary(op, l, r): return "(\(op.rawValue) \(expr(l)) \(expr(r)))"
        case let .membership(l, negated, r): return "(\(negated ? "not-in" : "in") \(expr(l)) \(expr(r)))"
        case let .isNull(x, negated): return "(\(negated ? "is-not-null" : "is-null") \(expr(x)))"
        case let .isEmpty(x, negated): return "(\(negated ? "is-not-empty" : "is-empty") \(expr(x)))"
        case .error: return "<error>"
        }
    }
}
