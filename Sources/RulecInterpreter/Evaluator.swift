import Foundation
import RulecSchema
import RulecSemantics
import RulecSyntax

/// Evaluates typed expressions with SQL semantics: three-valued logic, nulls propagating,
/// exact decimals, division by zero giving null. One per rule evaluation; cheap to make.
struct Evaluator {
    let world: World
    let now: Int64
    let params: [String: Value]
    /// Bound names (the rule's entity, aggregate rows) → (entity, row).
    var bindings: [String: (entity: String, row: Row)]
    /// The row before the change, for `old()`.
    let old: Row?

    func eval(_ e: TypedExpr) -> Value {
        switch e.kind {
        case .literal(let v): return v
        case .param(let name): return params[name] ?? .null
        case .now: return .timestamp(now)
        case let .field(binding, relations, field):
            guard var (entityName, row) = bindings[binding] else { return .null }
            for rel in relations {
                guard let entity = world.entity(entityName), let r = entity.relation(named: rel),
                      case .text(let fk)? = row[r.foreignKey], let target = world.row(r.target, fk) else { return .null }
                entityName = r.target
                row = target
            }
            return row[field] ?? .null
        case .old(let field):
            return old?[field] ?? .null
        case let .call(fn, args):
            return call(fn, args)
        case .aggregate(let a):
            return aggregate(a)
        case .not(let x):
            switch eval(x) {
            case .bool(let b): return .bool(!b)
            default: return .null
            }
        case .negate(let x):
            switch eval(x) {
            case .int(let n): return n == .min ? .null : .int(-n)
            case .decimal(let d): return .decimal(-d)
            case .duration(let d): return .duration(-d)
            default: return .null
            }
        case let .binary(op, l, r):
            return binary(op, l, r)
        case let .membership(l, negated, r):
            let result = membership(eval(l), eval(r))
            if negated, case .bool(let b) = result { return .bool(!b) }
            return result
        case let .isNull(x, negated):
            return .bool(eval(x).isNull != negated)
        case let .isEmpty(x, negated):
            let v = eval(x)
            let empty: Bool
            switch v {
            case .text(let s): empty = s.isEmpty
            case .list(let items): empty = items.isEmpty
            default: return .null
            }
            return .bool(empty != negated)
        case .list(let items):
            return .list(items.map(eval))
        case .template(let parts):
            var out = ""
            for p in parts {
                switch p {
                case .text(let s): out += s
                case .value(let x): out += ValueFormatting.render(eval(x))
                }
            }
            return .text(out)
        }
    }

    /// Whether a condition holds: unknown does not.
    func holds(_ e: TypedExpr) -> Bool {
        if case .bool(true) = eval(e) { return true }
        return false
    }

    private func call(_ fn: Function, _ args: [TypedExpr]) -> Value {
        switch fn {
        case .coalesce:
            for a in args {
                let v = eval(a)
                if !v.isNull { return v }
            }
            return .null
        case .lower, .upper:
            guard case .text(let s) = eval(args[0]) else { return .null }
            return .text(fn == .lower ? s.lowercased() : s.uppercased())
        case .length:
            switch eval(args[0]) {
            // Code points, as PostgreSQL's length() counts them.
            case .text(let s): return .int(Int64(s.unicodeScalars.count))
            case .list(let items): return .int(Int64(items.count))
            default: return .null
            }
        }
    }

    private func aggregate(_ a: TypedAggregate) -> Value {
        guard var (entityName, row) = bindings[a.ownerBinding] else { return .null }
        for rel in a.ownerRelations {
            guard let entity = world.entity(entityName), let r = entity.relation(named: rel),
                  case .text(let fk)? = row[r.foreignKey], let target = world.row(r.target, fk) else {
                return a.function == .count ? .int(0) : a.function == .exists ? .bool(false) : .null
            }
            entityName = r.target
            row = target
        }
        guard let owner = world.entity(entityName), case .text(let key)? = row[owner.key] else { return .null }
        var inner = self
        var count: Int64 = 0
        var acc: Value = .null
        for related in world.rows(a.relatedEntity, where: a.foreignKey, equals: key) {
            if let f = a.filter {
                inner.bindings[a.binding] = (a.relatedEntity, related)
                guard inner.holds(f) else { continue }
            }
            count += 1
            if a.function == .exists { return .bool(true) }
            guard let field = a.field else { continue }
            let v = related[field] ?? .null
            if v.isNull { continue }
            if acc.isNull { acc = v; continue }
            switch a.function {
            case .sum: acc = Arithmetic.add(acc, v)
            case .min: if let c = Comparison.compare(v, acc), c < 0 { acc = v }
            case .max: if let c = Comparison.compare(v, acc), c > 0 { acc = v }
            case .count, .exists: break
            }
        }
        switch a.function {
        case .count: return .int(count)
        case .exists: return .bool(false)
        case .sum, .min, .max: return acc
        }
    }

    private func binary(_ op: BinaryOperator, _ l: TypedExpr, _ r: TypedExpr) -> Value {
        switch op {
        case .and:
            let a = eval(l)
            if case .bool(false) = a { return .bool(false) }
            let b = eval(r)
            if case .bool(false) = b { return .bool(false) }
            if case .bool(true) = a, case .bool(true) = b { return .bool(true) }
            return .null
        case .or:
            let a = eval(l)
            if case .bool(true) = a { return .bool(true) }
            let b = eval(r)
            if case .bool(true) = b { return .bool(true) }
            if case .bool(false) = a, case .bool(false) = b { return .bool(false) }
            return .null
        default: break
        }
        let a = eval(l), b = eval(r)
        if a.isNull || b.isNull { return .null }
        switch op {
        case .equal: return Comparison.equal(a, b).map(Value.bool) ?? .null
        case .notEqual: return Comparison.equal(a, b).map { .bool(!$0) } ?? .null
        case .less: return Comparison.compare(a, b).map { .bool($0 < 0) } ?? .null
        case .lessEqual: return Comparison.compare(a, b).map { .bool($0 <= 0) } ?? .null
        case .greater: return Comparison.compare(a, b).map { .bool($0 > 0) } ?? .null
        case .greaterEqual: return Comparison.compare(a, b).map { .bool($0 >= 0) } ?? .null
        case .contains:
            switch (a, b) {
            case let (.text(s), .text(t)): return .bool(Evaluator.containsBytes(s, t))
            case let (.list(items), x): return membership(x, .list(items))
            default: return .null
            }
        case .startsWith:
            guard case .text(let s) = a, case .text(let t) = b else { return .null }
            return .bool(s.utf8.starts(with: t.utf8))
        case .endsWith:
            guard case .text(let s) = a, case .text(let t) = b else { return .null }
            return .bool(s.utf8.reversed().starts(with: t.utf8.reversed()))
        case .add: return Arithmetic.add(a, b)
        case .subtract: return Arithmetic.subtract(a, b)
        case .multiply: return Arithmetic.multiply(a, b)
        case .divide: return Arithmetic.divide(a, b)
        case .and, .or: return .null
        }
    }

    /// Whether `t`'s UTF-8 bytes occur in `s`'s (PostgreSQL's `strpos(s, t) > 0` on UTF-8 text;
    /// the empty text occurs everywhere). A plain byte loop: the generic `firstRange(of:)` of the
    /// standard library was a fifth of the interpreter's time on keyword rules.
    static func containsBytes(_ s: String, _ t: String) -> Bool {
        var s = s, t = t
        return s.withUTF8 { hay in
            t.withUTF8 { needle in
                let n = needle.count, h = hay.count
                if n == 0 { return true }
                if n > h { return false }
                let first = needle[0]
                var i = 0
                while i <= h - n {
                    if hay[i] == first {
                        var k = 1
                        while k < n, hay[i + k] == needle[k] { k += 1 }
                        if k == n { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }

    /// SQL `x IN (list)`: true on a match; unknown if x is null or the list holds a null; else false.
    private func membership(_ x: Value, _ list: Value) -> Value {
        guard case .list(let items) = list else { return .null }
        if x.isNull { return .null }
        var sawNull = false
        for item in items {
            if item.isNull { sawNull = true; continue }
            if Comparison.equal(x, item) == true { return .bool(true) }
        }
        return sawNull ? .null : .bool(false)
    }
}
