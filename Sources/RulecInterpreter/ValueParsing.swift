import Foundation
import RulecSemantics

/// Text to typed values: schema defaults, scenario YAML scalars and JSON stream fields.
public enum ValueParsing {
    /// Parses `text` as a value of `type`; nil when it is not one.
    public static func parse(_ text: String, as type: ExprType) -> Value? {
        switch type {
        case .text, .phone, .email, .enumeration: return .text(text)
        case .uuid: return UUIDText.canonical(text).map(Value.text)
        case .int: return Int64(text).map(Value.int)
        case .decimal:
            guard text.range(of: #"^-?[0-9]+(\.[0-9]+)?$"#, options: .regularExpression) != nil else { return nil }
            return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")).map(Value.decimal)
        case .bool:
            switch text { case "true": return .bool(true); case "false": return .bool(false); default: return nil }
        case .timestamp: return Timestamps.parse(text).map(Value.timestamp)
        case .duration: return duration(text).map(Value.duration)
        case .json: return .json(text)
        case .null: return .null
        case .list: return nil
        }
    }

    /// `30 minutes`, `1 hour`, `2.5 days`: microseconds.
    public static func duration(_ s: String) -> Int64? {
        let parts = s.split(separator: " ")
        guard parts.count == 2, let amount = Decimal(string: String(parts[0]), locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        let units: [String: Int64] = ["second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800]
        var unit = String(parts[1])
        if unit.hasSuffix("s") { unit.removeLast() }
        guard let seconds = units[unit] else { return nil }
        let micros = amount * Decimal(seconds) * 1_000_000
        return NSDecimalNumber(decimal: micros).int64Value
    }
}
