import Foundation
import RulecSemantics

/// How values become text (templates, LANGUAGE.md §5) and JSON (job params). The SQL backend
/// renders identically; a difference is a bug in one of them.
public enum ValueFormatting {
    /// Template rendering: text as is, null as "", numbers in plain decimal notation,
    /// booleans `true`/`false`, timestamps ISO 8601 UTC, durations in their largest exact unit,
    /// json in `jsonb`'s text form.
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
        // As PostgreSQL prints `jsonb`: a template shows the document the database holds.
        case .json(let j): return JSONBText.canonical(j)
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
    public static func iso8601(_ micros: Int64) -> String { Timestamps.format(micros) }

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
        case .json(let j): return JSONBText.canonical(j)
        }
    }

    /// A JSON object in PostgreSQL's `jsonb` text form (keys ordered by length, then bytes;
    /// `", "` and `": "` separators), so both backends print and hash params identically.
    public static func jsonObject(_ fields: [(name: String, value: Value)]) -> String {
        let sorted = fields.count < 2 ? fields : fields.sorted { a, b in
            let x = a.name.utf8, y = b.name.utf8
            return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
        }
        var out = "{"
        for (i, f) in sorted.enumerated() {
            if i > 0 { out += ", " }
            out += jsonQuoted(f.name)
            out += ": "
            out += json(f.value)
        }
        return out + "}"
    }

    static func jsonQuoted(_ s: String) -> String {
        // Only ASCII bytes are escaped: a text without `"`, `\\` or control bytes is quoted as it is.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + s + "\"" }
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

/// JSON text in PostgreSQL's `jsonb` output form: object keys ordered by length then bytes (the
/// last of duplicate keys wins), `", "` and `": "` separators, strings re-escaped, numbers as
/// written. Job params and idempotency keys use it so both backends print and hash them alike.
enum JSONBText {
    static func canonical(_ text: String) -> String {
        read(text, comparing: false)
    }

    /// The form in which two documents are equal exactly when `jsonb` says so: the canonical
    /// form with numbers by value (`1.0` and `1.00` as `1`), as `=` and `IS DISTINCT FROM`
    /// compare them in PostgreSQL.
    static func comparable(_ text: String) -> String {
        read(text, comparing: true)
    }

    private static func read(_ text: String, comparing: Bool) -> String {
        var p = Reader(bytes: Array(text.utf8), comparing: comparing)
        p.skipSpace()
        guard let out = p.value() else { return text }
        p.skipSpace()
        return p.i == p.bytes.count ? out : text
    }

    private struct Reader {
        let bytes: [UInt8]
        /// Numbers by value (trailing fraction zeros dropped) rather than as written.
        let comparing: Bool
        var i = 0
        var depth = 0

        init(bytes: [UInt8], comparing: Bool) {
            self.bytes = bytes
            self.comparing = comparing
        }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func value() -> String? {
            skipSpace()
            guard i < bytes.count, depth < 512 else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1; depth += 1; defer { depth -= 1 }
                var fields: [(String, String)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return "{}" }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let v = value() else { return nil }
                    fields.removeAll { $0.0 == key }
                    fields.append((key, v))
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; break }
                    return nil
                }
                let sorted = fields.sorted { a, b in
                    let x = Array(a.0.utf8), y = Array(b.0.utf8)
                    return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
                }
                return "{" + sorted.map { "\(ValueFormatting.jsonQuoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
            case UInt8(ascii: "["):
                i += 1; depth += 1; defer { depth -= 1 }
                var items: [String] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return "[]" }
                while true {
                    guard let v = value() else { return nil }
                    items.append(v)
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; break }
                    return nil
                }
                return "[" + items.joined(separator: ", ") + "]"
            case UInt8(ascii: "\""):
                return string().map(ValueFormatting.jsonQuoted)
            default:
                let start = i
                while i < bytes.count, !",}] \t\r\n".utf8.contains(bytes[i]) { i += 1 }
                let word = String(decoding: bytes[start..<i], as: UTF8.self)
                if ["true", "false", "null"].contains(word) { return word }
                guard word.range(of: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"#, options: .regularExpression) != nil else { return nil }
                guard let number = NumericText.jsonb(word) else { return nil }
                guard comparing, number.contains(".") else { return number }
                var value = Substring(number)
                while value.last == "0" { value = value.dropLast() }
                if value.last == "." { value = value.dropLast() }
                return value == "-0" ? "0" : String(value)
            }
        }

        /// A JSON string's decoded text.
        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; flush(); return String(scalars) }
                if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                    flush()
                    let e = bytes[i + 1]
                    i += 2
                    switch e {
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "u"):
                        guard let hi = hex4() else { return nil }
                        if (0xD800...0xDBFF).contains(hi), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            i += 2
                            guard let lo = hex4(), (0xDC00...0xDFFF).contains(lo) else { return nil }
                            guard let u = Unicode.Scalar(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)) else { return nil }
                            scalars.append(u)
                        } else {
                            guard let u = Unicode.Scalar(hi) else { return nil }
                            scalars.append(u)
                        }
                    default: scalars.append(Unicode.Scalar(e))
                    }
                    continue
                }
                raw.append(c)
                i += 1
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else { return nil }
            i += 4
            return v
        }
    }
}
