import Foundation
import RulecSemantics

/// Comparisons with SQL meaning: numbers compare across int and decimal, text by bytes
/// (PostgreSQL's `C` collation, which the generated SQL uses too), nulls are unknown (nil).
enum Comparison {
    static func equal(_ a: Value, _ b: Value) -> Bool? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case let (.text(x), .text(y)): return textEqual(x, y)
        case let (.bool(x), .bool(y)): return x == y
        case let (.list(x), .list(y)):
            guard x.count == y.count else { return false }
            for (p, q) in zip(x, y) {
                guard let e = equal(p, q) else { return nil }
                if !e { return false }
            }
            return true
        case let (.json(x), .json(y)): return x == y || JSONBText.comparable(x) == JSONBText.comparable(y)
        default: return compare(a, b).map { $0 == 0 }
        }
    }

    /// Byte equality of two texts (never Unicode canonical equivalence, which `==` would use):
    /// lengths first, then one `memcmp`.
    @inline(__always)
    static func textEqual(_ x: String, _ y: String) -> Bool {
        guard x.utf8.count == y.utf8.count else { return false }
        var x = x, y = y
        return x.withUTF8 { a in
            y.withUTF8 { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }

    /// -1, 0, 1, or nil when unknown or incomparable.
    static func compare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : x == y ? 0 : 1
        case let (.timestamp(x), .timestamp(y)), let (.duration(x), .duration(y)): return x < y ? -1 : x == y ? 0 : 1
        case let (.text(x), .text(y)):
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : x.utf8.elementsEqual(y.utf8) ? 0 : 1
        default:
            guard let x = decimal(a), let y = decimal(b) else { return nil }
            return x < y ? -1 : x == y ? 0 : 1
        }
    }

    static func decimal(_ v: Value) -> Decimal? {
        switch v {
        case .int(let n): return Decimal(n)
        case .decimal(let d): return d
        default: return nil
        }
    }
}

/// Arithmetic with SQL meaning: null in, null out; int overflow, timestamps out of range and
/// division by zero give null;
/// `/` always yields an exact decimal rounded to 10 places (half away from zero).
enum Arithmetic {
    /// Places kept by division; the SQL backend rounds the same way.
    static let divisionScale: Int16 = 10

    static func add(_ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            let (r, o) = x.addingReportingOverflow(y)
            return o ? .null : .int(r)
        case let (.timestamp(t), .duration(d)), let (.duration(d), .timestamp(t)):
            return Timestamps.shifted(t, by: d).map(Value.timestamp) ?? .null
        case let (.duration(x), .duration(y)):
            let (r, o) = x.addingReportingOverflow(y)
            return o ? .null : .duration(r)
        default:
            guard let x = Comparison.decimal(a), let y = Comparison.decimal(b) else { return .null }
            return .decimal(x + y)
        }
    }

    static func subtract(_ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            return o ? .null : .int(r)
        case let (.timestamp(t), .duration(d)):
            guard d != .min else { return .null }
            return Timestamps.shifted(t, by: -d).map(Value.timestamp) ?? .null
        case let (.timestamp(x), .timestamp(y)), let (.duration(x), .duration(y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            return o ? .null : .duration(r)
        default:
            guard let x = Comparison.decimal(a), let y = Comparison.decimal(b) else { return .null }
            return .decimal(x - y)
        }
    }

    static func multiply(_ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            return o ? .null : .int(r)
        case let (.duration(d), n), let (n, .duration(d)):
            guard let f = Comparison.decimal(n) else { return .null }
            return micros(Decimal(d) * f)
        default:
            guard let x = Comparison.decimal(a), let y = Comparison.decimal(b) else { return .null }
            return .decimal(x * y)
        }
    }

    static func divide(_ a: Value, _ b: Value) -> Value {
        if case .duration(let d) = a {
            guard let f = Comparison.decimal(b), f != 0 else { return .null }
            return micros(Decimal(d) / f)
        }
        guard let x = Comparison.decimal(a), let y = Comparison.decimal(b) else { return .null }
        if y == 0 { return .null }
        return .decimal(round(x / y, scale: divisionScale))
    }

    static func round(_ d: Decimal, scale: Int16) -> Decimal {
        var input = d
        var out = Decimal()
        NSDecimalRound(&out, &input, Int(scale), .plain)
        return out
    }

    private static func micros(_ d: Decimal) -> Value {
        let r = round(d, scale: 0)
        guard r < Decimal(Int64.max), r > Decimal(Int64.min) else { return .null }
        return .duration(NSDecimalNumber(decimal: r).int64Value)
    }
}
