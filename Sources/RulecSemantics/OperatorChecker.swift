import Foundation
import RulecDiagnostics
import RulecSchema
import RulecSyntax

extension RuleChecker {
    /// A bare name that is not a param: an enum value waiting for the other side's type.
    func isUnresolvedBareName(_ e: Expr) -> Bool {
        if case .name(let n) = e.kind { return params[n] == nil }
        if case .list(let items) = e.kind { return items.contains(where: isUnresolvedBareName) }
        return false
    }

    func binary(_ op: BinaryOperator, _ l: Expr, _ r: Expr, range: SourceRange, scope: Scope) -> TypedExpr? {
        switch op {
        case .and, .or:
            guard let tl = expression(l, scope: scope, expected: .bool), let tr = expression(r, scope: scope, expected: .bool) else { return nil }
            for (e, t) in [(l, tl), (r, tr)] where t.type != .bool && t.type != .null {
                report(.error(.typeMismatch, "`\(op.rawValue)` joins conditions, but this is \(t.type)", at: e.range))
                return nil
            }
            return TypedExpr(.binary(op, tl, tr), .bool, range, nullable: tl.nullable || tr.nullable)
        default: break
        }
        // Type the side that can stand alone first, so a bare enum value on either side resolves.
        let tl: TypedExpr, tr: TypedExpr
        if isUnresolvedBareName(l) && !isUnresolvedBareName(r) {
            guard let right = expression(r, scope: scope, expected: nil) else { return nil }
            guard let left = expression(l, scope: scope, expected: right.type) else { return nil }
            tl = left; tr = right
        } else {
            guard let left = expression(l, scope: scope, expected: nil) else { return nil }
            let hint: ExprType? = op == .contains ? (left.type.elementType ?? left.type) : left.type
            guard let right = expression(r, scope: scope, expected: hint) else { return nil }
            tl = left; tr = right
        }
        let nullable = tl.nullable || tr.nullable
        func mismatch(_ what: String) -> TypedExpr? {
            report(.error(.typeMismatch, "cannot \(what) \(tl.type) and \(tr.type)", at: range,
                          labels: [DiagnosticLabel(l.range, "\(tl.type)"), DiagnosticLabel(r.range, "\(tr.type)")]))
            return nil
        }
        switch op {
        case .equal, .notEqual:
            if tl.type == .null || tr.type == .null {
                report(.warning(.nullComparison, "comparing with `null` with `\(op.rawValue)` is never true", at: range,
                                help: "write `is \(op == .equal ? "" : "not ")null`"))
            }
            guard comparable(tl.type, tr.type) else { return mismatch("compare") }
            return TypedExpr(.binary(op, tl, tr), .bool, range, nullable: nullable)
        case .less, .lessEqual, .greater, .greaterEqual:
            guard comparable(tl.type, tr.type) else { return mismatch("compare") }
            let t = tl.type == .null ? tr.type : tl.type
            guard t.isNumeric || t == .timestamp || t == .duration || t == .null else {
                report(.error(.unorderedComparison, "`\(op.rawValue)` needs numbers, timestamps or durations, but these are \(t)", at: range,
                              help: isEnum(t) ? "test enum values with `=` or `in [..]`" : "compare text with `=`, `contains`, `starts with` or `ends with`"))
                return nil
            }
            return TypedExpr(.binary(op, tl, tr), .bool, range, nullable: nullable)
        case .contains:
            if case .list(let element) = tl.type {
                guard comparable(element, tr.type) else {
                    report(.error(.typeMismatch, "cannot look for \(tr.type) in a list of \(element)", at: range))
                    return nil
                }
            } else if !(tl.type.isTextual && (tr.type.isTextual || tr.type == .null)) {
                return mismatch("use `contains` on")
            }
            return TypedExpr(.binary(op, tl, tr), .bool, range, nullable: nullable)
        case .startsWith, .endsWith:
            guard (tl.type.isTextual || tl.type == .null) && (tr.type.isTextual || tr.type == .null) else { return mismatch("use `\(op.rawValue)` on") }
            return TypedExpr(.binary(op, tl, tr), .bool, range, nullable: nullable)
        case .add, .subtract:
            let result: ExprType
            switch (tl.type, tr.type) {
            case (.int, .int): result = .int
            case (.int, .decimal), (.decimal, .int), (.decimal, .decimal): result = .decimal
            case (.timestamp, .duration): result = .timestamp
            case (.duration, .timestamp) where op == .add: result = .timestamp
            case (.duration, .duration): result = .duration
            case (.timestamp, .timestamp) where op == .subtract: result = .duration
            default:
                if tl.type.isTextual && tr.type.isTextual && op == .add {
                    report(.error(.typeMismatch, "`+` does not join text", at: range, help: "use a template: \"{a}{b}\""))
                    return nil
                }
                return mismatch(op == .add ? "add" : "subtract")
            }
            return TypedExpr(.binary(op, tl, tr), result, range, nullable: nullable)
        case .multiply, .divide:
            let result: ExprType
            switch (tl.type, tr.type) {
            case (.int, .int): result = op == .divide ? .decimal : .int
            case (.int, .decimal), (.decimal, .int), (.decimal, .decimal): result = .decimal
            case (.duration, .int), (.duration, .decimal): result = .duration
            case (.int, .duration), (.decimal, .duration) where op == .multiply: result = .duration
            default: return mismatch(op == .multiply ? "multiply" : "divide")
            }
            // Division by zero is null.
            return TypedExpr(.binary(op, tl, tr), result, range, nullable: nullable || op == .divide)
        case .and, .or:
            fatalError("unreachable: handled above")
        }
    }

    /// Whether values of two types can be compared with `=`.
    func comparable(_ a: ExprType, _ b: ExprType) -> Bool {
        if a == b || a == .null || b == .null { return true }
        if a.isNumeric && b.isNumeric { return true }
        if a.isTextual && b.isTextual { return true }
        if case .list(let x) = a, case .list(let y) = b { return comparable(x, y) }
        return false
    }

    /// Whether a value may be stored in a column, parameter or param of type `target`.
    func isAssignable(_ value: TypedExpr, to target: ExprType) -> Bool {
        let t = value.type
        if t == target || t == .null { return true }
        switch target {
        case .decimal: return t == .int
        case .text: return t.isTextual || isEnum(t)
        case .phone, .email, .uuid:
            // A literal may be written as a string; a text field may not be sent as a phone.
            if t == .text, case .literal = value.kind { return true }
            return false
        case .json: return true
        case .enumeration(let name):
            if case .literal(.text(let s)) = value.kind, t == .text { return schema.enumType(named: name)?.values.contains(s) ?? false }
            return false
        case .list(let element):
            guard case .list(let e) = t else { return false }
            if case .list(let items) = value.kind { return items.allSatisfy { isAssignable($0, to: element) } }
            return e == element || e == .null
        default: return false
        }
    }

    /// A literal converted to its target type (an int default of a decimal param becomes decimal).
    func coerce(_ v: Value, to t: ExprType) -> Value {
        switch (v, t) {
        case (.int(let n), .decimal): return .decimal(Decimal(n))
        case (.list(let items), .list(let e)): return .list(items.map { coerce($0, to: e) })
        default: return v
        }
    }
}

extension ExprType {
    /// The element type of a list, nil otherwise.
    public var elementType: ExprType? { if case .list(let e) = self { return e }; return nil }
}
