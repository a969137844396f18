import Foundation

/// A run-time value, as both backends understand it. Decimals are exact (never binary floating
/// point); timestamps and durations count microseconds, PostgreSQL's precision.
public enum Value: Sendable, Hashable {
    case null
    case text(String)
    case int(Int64)
    case decimal(Decimal)
    case bool(Bool)
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)
    /// Microseconds.
    case duration(Int64)
    case list([Value])
    /// A JSON document, kept as its canonical text.
    case json(String)

    public var isNull: Bool { if case .null = self { return true }; return false }
}

/// The static type of an expression. `null` is the type of the literal `null`, assignable to any.
public indirect enum ExprType: Sendable, Hashable, CustomStringConvertible {
    case text, int, decimal, bool, timestamp, duration, uuid, phone, email, json
    case enumeration(String)
    case list(ExprType)
    case null

    public var description: String {
        switch self {
        case .text: return "text"
        case .int: return "int"
        case .decimal: return "decimal"
        case .bool: return "bool"
        case .timestamp: return "timestamp"
        case .duration: return "duration"
        case .uuid: return "uuid"
        case .phone: return "phone"
        case .email: return "email"
        case .json: return "json"
        case .enumeration(let n): return "enum `\(n)`"
        case .list(let t): return "list of \(t)"
        case .null: return "null"
        }
    }

    public var isNumeric: Bool { self == .int || self == .decimal }
    /// Text and the texts with a meaning (phone, email, uuid), which compare as text.
    public var isTextual: Bool {
        switch self {
        case .text, .phone, .email, .uuid: return true
        default: return false
        }
    }
}

extension Value {
    /// A key, foreign key or tenant as the text both backends compare it by (`::text` in SQL):
    /// texts as they are, ints in decimal; nil for null and for values that cannot be keys.
    /// Rows are found by it, so an `int` key of one row matches an `int` foreign key of another.
    @inline(__always)
    public var keyText: String? {
        switch self {
        case .text(let s): return s
        case .int(let n): return String(n)
        default: return nil
        }
    }
}
