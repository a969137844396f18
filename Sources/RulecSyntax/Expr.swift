import RulecDiagnostics

/// An expression with its source range. `height` (the depth of the tree below it) lets the
/// parser refuse trees deep enough to overflow a later recursive pass.
public struct Expr: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        /// `42`, `3.5`, as written (the checker decides int or decimal; values stay exact).
        case number(String)
        /// `"text {expr} more"`
        case string([TemplatePart])
        case bool(Bool)
        case null
        /// The time of the change (the test clock in tests).
        case now
        /// `3 days`; `amount` as written, never rounded.
        case duration(amount: String, unit: DurationUnit)
        /// `[lead, prospect]`
        case list([Expr])
        /// A bare identifier: an entity, an enum value, a param or an alias, resolved by the checker.
        case name(String)
        /// `base.member`
        case member(Expr, Identifier)
        /// `old(f)`, `coalesce(a, b)`, `lower(s)`, …
        case call(Identifier, [Expr])
        /// `count(…)`, `exists(…)`, `sum(…)`, `min(…)`, `max(…)`
        case aggregate(Aggregate)
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        /// `x in [..]`, `x not in [..]`
        case membership(Expr, negated: Bool, Expr)
        /// `x is [not] null`
        case isNull(Expr, negated: Bool)
        /// `x is [not] empty`
        case isEmpty(Expr, negated: Bool)
        /// Something that did not parse; already reported, so later phases stay quiet about it.
        case error
    }

    public var kind: Kind
    public var range: SourceRange
    public var height: Int

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
        self.height = 1 + Expr.childHeight(kind)
    }

    private static func childHeight(_ kind: Kind) -> Int {
        switch kind {
        case .number, .bool, .null, .now, .duration, .name, .error: return 0
        case .string(let parts):
            return parts.reduce(0) { if case .interpolation(let e) = $1 { return max($0, e.height) }; return $0 }
        case .list(let items), .call(_, let items): return items.map(\.height).max() ?? 0
        case .member(let e, _), .unary(_, let e), .isNull(let e, _), .isEmpty(let e, _): return e.height
        case .aggregate(let a): return max(a.source.height, a.filter?.height ?? 0)
        case .binary(_, let l, let r), .membership(let l, _, let r): return max(l.height, r.height)
        }
    }

    /// The dotted path of a name chain (`message.contact.phone`), or nil if it is not one.
    public var path: [Identifier]? {
        switch kind {
        case .name(let n): return [Identifier(n, range)]
        case .member(let base, let m): return base.path.map { $0 + [m] }
        default: return nil
        }
    }

    public var isError: Bool { if case .error = kind { return true }; return false }
}

/// A piece of a string: literal text (escapes decoded) or an interpolated expression.
public enum TemplatePart: Sendable, Equatable {
    case text(String)
    case interpolation(Expr)
}

/// The units of durations; the singular and plural spellings are both accepted.
public enum DurationUnit: String, Sendable, CaseIterable {
    case seconds, minutes, hours, days, weeks

    public var seconds: Int {
        switch self {
        case .seconds: return 1
        case .minutes: return 60
        case .hours: return 3600
        case .days: return 86400
        case .weeks: return 604800
        }
    }

    /// `hour` and `hours` both give `.hours`.
    public init?(spelling: String) {
        if let u = DurationUnit(rawValue: spelling) { self = u; return }
        if let u = DurationUnit(rawValue: spelling + "s") { self = u; return }
        return nil
    }
}

/// `count`, `exists`, `sum`, `min`, `max` over a one-to-many relation.
public struct Aggregate: Sendable, Equatable {
    public enum Function: String, Sendable, CaseIterable { case count, exists, sum, min, max }
    public var function: Function
    /// `m` in `count(m in contact.messages …)`.
    public var alias: Identifier?
    /// The relation path, ending in a field for `sum`/`min`/`max`.
    public var source: Expr
    public var filter: Expr?
    public init(function: Function, alias: Identifier?, source: Expr, filter: Expr?) {
        self.function = function
        self.alias = alias
        self.source = source
        self.filter = filter
    }
}

public enum UnaryOperator: String, Sendable {
    case not, negate = "-"
}

/// Binary operators with their precedence (LANGUAGE.md §5: lowest first).
public enum BinaryOperator: String, Sendable, CaseIterable {
    case or, and
    case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case contains, startsWith = "starts with", endsWith = "ends with"
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    public var precedence: Precedence {
        switch self {
        case .or: return .or
        case .and: return .and
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .contains, .startsWith, .endsWith:
            return .comparison
        case .add, .subtract: return .additive
        case .multiply, .divide: return .multiplicative
        }
    }

    public var isComparison: Bool { precedence == .comparison }
}

/// Binding strength, lowest first.
public enum Precedence: Int, Sendable, Comparable {
    case or = 1, and, not, comparison, additive, multiplicative, unary, postfix

    public static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
}
