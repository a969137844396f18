import RulecSemantics
import RulecSyntax

/// The part of a rule's condition that reads nothing but the changed row itself (its own columns,
/// `old()`, literals and scalar functions): what the dispatch function can test for every rule at
/// once, in one expression that PostgreSQL evaluates in C, before any rule runs (a row-local test
/// gives the same answer whenever it is evaluated during the change).
///
/// A prefilter is only ever a necessary condition: a rule fires only when every conjunct of its
/// condition is true, so the conjuncts kept here must all be true too. Dropping a conjunct (one
/// that reads a relation, an aggregate, a param or `now`) makes the prefilter weaker, never wrong.
struct RowLocalPrefilter {
    /// The rule's entity: the only binding a row-local expression may read.
    let entity: String

    /// The top-level conjuncts of `condition` that are row-local, comparisons with a literal first
    /// (they are the most selective: `contact.workspace_id = "ws_03"`), then in source order.
    func conjuncts(of condition: TypedExpr?) -> [TypedExpr] {
        guard let condition else { return [] }
        let local = Self.split(condition).filter(isRowLocal)
        return local.filter(Self.comparesWithLiteral) + local.filter { !Self.comparesWithLiteral($0) }
    }

    private static func comparesWithLiteral(_ e: TypedExpr) -> Bool {
        guard case let .binary(.equal, l, r) = e.kind else { return false }
        if case .literal = l.kind { return true }
        if case .literal = r.kind { return true }
        return false
    }

    /// `a and b and c` as `[a, b, c]`.
    static func split(_ e: TypedExpr) -> [TypedExpr] {
        if case let .binary(.and, l, r) = e.kind { return split(l) + split(r) }
        return [e]
    }

    /// Whether `e` reads only the changed row and its old version.
    func isRowLocal(_ e: TypedExpr) -> Bool {
        switch e.kind {
        case .literal, .old: return true
        case .param, .now, .aggregate, .template: return false
        case let .field(binding, relations, _): return binding == entity && relations.isEmpty
        case .call(_, let args): return args.allSatisfy(isRowLocal)
        case .not(let x), .negate(let x): return isRowLocal(x)
        case let .binary(_, l, r): return isRowLocal(l) && isRowLocal(r)
        case let .membership(l, _, r): return isRowLocal(l) && isRowLocal(r)
        case .isNull(let x, _), .isEmpty(let x, _): return isRowLocal(x)
        case .list(let items): return items.allSatisfy(isRowLocal)
        }
    }

    /// The text constant the condition requires the tenant key to equal (`contact.workspace_id =
    /// "ws_03"` as a top-level conjunct): the rule cannot fire on another tenant's rows.
    static func tenantConstant(_ condition: TypedExpr?, entity: String, tenantKey: String?) -> String? {
        guard let condition, let tenantKey else { return nil }
        for c in split(condition) {
            guard case let .binary(.equal, l, r) = c.kind else { continue }
            for (a, b) in [(l, r), (r, l)] {
                if case let .field(binding, relations, field) = a.kind, binding == entity, relations.isEmpty, field == tenantKey,
                   case .literal(.text(let value)) = b.kind {
                    return value
                }
            }
        }
        return nil
    }

    /// The row's columns `e` reads (its own fields and `old()` fields): when none of them changes
    /// in an update, a row-local test gives the same answer before and after.
    func columns(_ e: TypedExpr) -> [String] {
        let r = reads(e)
        return r.fields + r.olds
    }

    /// The row's own fields `e` reads, and the fields it reads through `old()`, each once.
    private func reads(_ e: TypedExpr) -> (fields: [String], olds: [String]) {
        var fields: [String] = [], olds: [String] = []
        func visit(_ e: TypedExpr) {
            switch e.kind {
            case let .field(binding, relations, field) where binding == entity && relations.isEmpty:
                if !fields.contains(field) { fields.append(field) }
            case .old(let field): if !olds.contains(field) { olds.append(field) }
            case .call(_, let args), .list(let args): args.forEach(visit)
            case .not(let x), .negate(let x), .isNull(let x, _), .isEmpty(let x, _): visit(x)
            case let .binary(_, l, r), let .membership(l, _, r): visit(l); visit(r)
            default: break
            }
        }
        visit(e)
        return (fields, olds)
    }

    /// For an `updated` rule: columns one of which must change for the condition to hold, found
    /// where a row-local conjunct over `old()` contradicts another conjunct once `old(f)` is read
    /// as `f` (`old(contact.status) = lead and contact.status = customer`, `old(contact.score) < 30
    /// and contact.score >= 30`, `not (old(x) contains "vip") and x contains "vip"`,
    /// `contact.email != old(contact.email)`). Were none of those columns changed, the two
    /// conjuncts would read the same values and could not both be true. nil when none is found.
    /// `key` renders an expression canonically (its SQL), to compare expressions.
    func impliedChanges(_ condition: TypedExpr?, key: (TypedExpr) -> String) -> [String]? {
        guard let condition else { return nil }
        let conjuncts = Self.split(condition).filter(isRowLocal)
        for a in conjuncts {
            let olds = reads(a).olds
            guard !olds.isEmpty else { continue }
            let now = replacingOld(a)
            if case let .binary(.notEqual, l, r) = now.kind, key(l) == key(r) { return olds }
            for b in conjuncts where Self.contradict(now, b, key) { return olds }
        }
        return nil
    }

    /// Whether `a and b` can never be true.
    private static func contradict(_ a: TypedExpr, _ b: TypedExpr, _ key: (TypedExpr) -> String) -> Bool {
        if case .not(let x) = a.kind, key(x) == key(b) { return true }
        if case .not(let y) = b.kind, key(y) == key(a) { return true }
        guard case let .binary(op1, l1, r1) = a.kind, case let .binary(op2, l2, r2) = b.kind, key(l1) == key(l2) else { return false }
        if key(r1) == key(r2), complement(op1) == op2 { return true }
        if op1 == .equal, op2 == .equal, case .literal(let x) = r1.kind, case .literal(let y) = r2.kind, x != .null, y != .null, x != y {
            return true
        }
        return false
    }

    private static func complement(_ op: BinaryOperator) -> BinaryOperator? {
        switch op {
        case .less: return .greaterEqual
        case .greaterEqual: return .less
        case .lessEqual: return .greater
        case .greater: return .lessEqual
        case .equal: return .notEqual
        case .notEqual: return .equal
        default: return nil
        }
    }

    /// `e` with every `old(f)` read as the row's `f`.
    private func replacingOld(_ e: TypedExpr) -> TypedExpr {
        var out = e
        switch e.kind {
        case .old(let f): out.kind = .field(binding: entity, relations: [], field: f)
        case let .call(fn, args): out.kind = .call(fn, args.map(replacingOld))
        case .list(let items): out.kind = .list(items.map(replacingOld))
        case .not(let x): out.kind = .not(replacingOld(x))
        case .negate(let x): out.kind = .negate(replacingOld(x))
        case let .isNull(x, n): out.kind = .isNull(replacingOld(x), negated: n)
        case let .isEmpty(x, n): out.kind = .isEmpty(replacingOld(x), negated: n)
        case let .binary(op, l, r): out.kind = .binary(op, replacingOld(l), replacingOld(r))
        case let .membership(l, n, r): out.kind = .membership(replacingOld(l), negated: n, replacingOld(r))
        default: break
        }
        return out
    }
}
