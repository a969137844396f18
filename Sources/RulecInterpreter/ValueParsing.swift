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
        case .timestamp: return timestamp(text).map(Value.timestamp)
        case .duration: return duration(text).map(Value.duration)
        case .json: return .json(text)
        case .null: return .null
        case .list: return nil
        }
    }

    /// ISO 8601: `2026-11-24T09:00:00Z`, with optional fractions and `+hh:mm` offsets (also a space
    /// for `T`, as PostgreSQL prints timestamps). Microseconds since the epoch.
    public static func timestamp(_ s: String) -> Int64? {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?(Z|[+-]\d{2}(?::?\d{2})?)$"#
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { return nil }
        func group(_ i: Int) -> String? {
            guard let r = Range(m.range(at: i), in: s) else { return nil }
            return String(s[r])
        }
        guard let y = Int64(group(1)!), let mo = Int64(group(2)!), let d = Int64(group(3)!),
              let h = Int64(group(4)!), let mi = Int64(group(5)!) else { return nil }
        let sec = Int64(group(6) ?? "0") ?? 0
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 60 else { return nil }
        var micros: Int64 = 0
        if let f = group(7) { micros = Int64(f + String(repeating: "0", count: 6 - f.count)) ?? 0 }
        var offset: Int64 = 0
        let zone = group(8)!
        if zone != "Z" {
            let sign: Int64 = zone.hasPrefix("-") ? -1 : 1
            let digits = zone.dropFirst().replacingOccurrences(of: ":", with: "")
            let oh = Int64(digits.prefix(2)) ?? 0, om = Int64(digits.dropFirst(2)) ?? 0
            offset = sign * (oh * 3600 + om * 60)
        }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return ((days * 86400 + h * 3600 + mi * 60 + sec) - offset) * 1_000_000 + micros
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
