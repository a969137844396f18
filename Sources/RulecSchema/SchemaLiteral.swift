import Foundation

/// Checks constants written in a schema (defaults) against their types, so that a default which
/// PostgreSQL would refuse is reported at its line in the YAML, not when the DDL is applied.
enum SchemaLiteral {
    /// Duration units of LANGUAGE.md §2, singular and plural.
    static let durationUnits: Set<String> = ["second", "seconds", "minute", "minutes", "hour", "hours",
                                            "day", "days", "week", "weeks"]

    /// nil when `value` is a constant of `type`; otherwise what a constant of that type looks like.
    /// Enum values are checked by the caller, which knows the enum.
    static func problem(_ value: String, type: FieldType) -> String? {
        switch type {
        case .text, .phone, .email, .enumeration:
            return value.unicodeScalars.contains("\0") ? "text cannot contain NUL characters" : nil
        case .int:
            return Int64(value) == nil ? "an `int` is written like `0` or `-42`" : nil
        case .decimal:
            return isDecimal(value) ? nil : "a `decimal` is written like `0`, `2.5` or `-0.75`"
        case .bool:
            return value == "true" || value == "false" ? nil : "a `bool` is `true` or `false`"
        case .uuid:
            return UUID(uuidString: value) == nil ? "a `uuid` is written like `123e4567-e89b-12d3-a456-426614174000`" : nil
        case .timestamp:
            return isTimestamp(value) ? nil : "a `timestamp` is written in ISO 8601 UTC, like `2026-01-01T00:00:00Z`, or `now`"
        case .duration:
            return isDuration(value) ? nil : "a `duration` is a number and a unit, like `30 minutes` or `1 day`"
        case .json:
            guard let data = value.data(using: .utf8),
                  (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
            else { return "a `json` default is JSON text in a string, like `'{}'` or `'[]'`" }
            return nil
        case .list:
            return "a list default is a YAML list, like `[]`"
        }
    }

    static func isDecimal(_ s: String) -> Bool {
        var chars = Substring(s)
        if chars.first == "-" { chars = chars.dropFirst() }
        let parts = chars.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    static func isTimestamp(_ s: String) -> Bool {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return plain.date(from: s) != nil || fractional.date(from: s) != nil
    }

    static func isDuration(_ s: String) -> Bool {
        let parts = s.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, isDecimal(String(parts[0])) else { return false }
        return durationUnits.contains(String(parts[1]))
    }
}
