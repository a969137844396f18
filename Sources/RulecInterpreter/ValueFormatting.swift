import Foundation
import RulecSemantics

/// How values become text (templates, LANGUAGE.md §5) and JSON (job params). The SQL backend
/// renders identically; a difference is a bug in one of them.
public enum ValueFormatting {
    /// Template rendering: text as is, null as "", numbers in plain decimal notation,
    /// booleans `true`/`false`, timestamps ISO 8601 UTC, durations in their largest exact unit.
    public static func render(_ v: Value) -> String {
        switch v {
        case .null: return ""
        case .text(let s): return s
        case .int(let n): return String(n)
        case .decimal(let d): return plain(d)
        case .bool(let b): return b ? "true" : "false"
        case .timestamp(let t): return iso8601(t)
        case .duration(let d): return duration(d)
        case .list(let items): return items.map(render).joined(separator: ", ")
        case .json(let j): return j
        }
    }

    /// A decimal without exponent and without trailing zeros: `0.9`, `12`, `-3.25`.
    public static func plain(_ d: Decimal) -> String {
        var s = d.description
        if s.contains("e") || s.contains("E") { s = NSDecimalNumber(decimal: d).stringValue }
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// `2026-11-27T10:00:00Z`, with `.ffffff` (trailing zeros trimmed) when there are fractions of a second.
    public static func iso8601(_ micros: Int64) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        var days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secs = seconds - days * 86400
        // Civil from days (Howard Hinnant's algorithm).
        days += 719468
        let era = (days >= 0 ? days : days - 146096) / 146097
        let doe = days - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        func pad(_ n: Int64, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs % 3600 / 60, 2)):\(pad(secs % 60, 2))"
        if fraction != 0 {
            var f = pad(fraction, 6)
            while f.hasSuffix("0") { f.removeLast() }
            out += "." + f
        }
        return out + "Z"
    }

    /// `3 days`, `90 minutes`, `1 hour`, `1.5 seconds`.
    public static func duration(_ micros: Int64) -> String {
        let units: [(Int64, String)] = [(604_800_000_000, "week"), (86_400_000_000, "day"), (3_600_000_000, "hour"), (60_000_000, "minute"), (1_000_000, "second")]
        for (size, name) in units where micros != 0 && micros % size == 0 {
            let n = micros / size
            return "\(n) \(name)\(abs(n) == 1 ? "" : "s")"
        }
        let seconds = plain(Decimal(micros) / Decimal(1_000_000))
        return "\(seconds) seconds"
    }

    /// JSON text of a value, as job params carry it: numbers as JSON numbers, timestamps as ISO
    /// strings, durations as ISO-free `"3 days"` strings, json embedded as is.
    public static func json(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .text(let s): return jsonQuoted(s)
        case .int(let n): return String(n)
        case .decimal(let d): return plain(d)
        case .bool(let b): return b ? "true" : "false"
        case .timestamp(let t): return jsonQuoted(iso8601(t))
        case .duration(let d): return jsonQuoted(duration(d))
        case .list(let items): return "[" + items.map(json).joined(separator: ", ") + "]"
        case .json(let j): return j
        }
    }

    /// A JSON object in PostgreSQL's `jsonb` text form (keys ordered by length, then bytes;
    /// `", "` and `": "` separators), so both backends print and hash params identically.
    public static func jsonObject(_ fields: [(name: String, value: Value)]) -> String {
        let sorted = fields.sorted { a, b in
            let x = Array(a.name.utf8), y = Array(b.name.utf8)
            return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
        }
        return "{" + sorted.map { "\(jsonQuoted($0.name)): \(json($0.value))" }.joined(separator: ", ") + "}"
    }

    static func jsonQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
