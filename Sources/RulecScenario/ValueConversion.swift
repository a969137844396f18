import Foundation
import RulecDiagnostics
import RulecInterpreter
import RulecSchema
import RulecSemantics

/// A value as written in a test file or a stream line, before its field's type gives it meaning.
/// YAML plain scalars stay text until then (`id: 1` is the text `1` for a text field, the number 1
/// for an int field), so typing follows the schema, never YAML's guesses.
public indirect enum RawValue: Sendable {
    case null
    /// A quoted YAML scalar or a JSON string.
    case string(String)
    /// An unquoted YAML scalar.
    case plain(String)
    /// A JSON number, as spelt.
    case number(String)
    /// A JSON boolean.
    case bool(Bool)
    case list([RawValue])
    case object([(String, RawValue)])

    init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(RawValue.init(json:)))
        case .object(let members): self = .object(members.map { ($0.0, RawValue(json: $0.1)) })
        }
    }

    /// The text of a scalar, whatever its spelling; nil for lists, objects and null.
    var scalarText: String? {
        switch self {
        case .string(let s), .plain(let s), .number(let s): return s
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// A short description for messages: "the list `[a, b]`", "`abc`".
    var describedForMessage: String {
        switch self {
        case .null: return "`null`"
        case .list: return "a list"
        case .object: return "a mapping"
        default: return "`\(scalarText ?? "")`"
        }
    }
}

/// Why a raw value does not fit its type: a message and optional help, placed by the caller.
public struct ConversionError: Error, Sendable {
    public var message: String
    public var help: String?
    /// An enum value error (R5011) rather than a type error (R5010).
    public var isEnumValue = false
    public var isTimestamp = false
}

/// Converts raw values to typed `Value`s by schema types, and renders values in the canonical forms
/// that expectations are compared in and that `rulec run` writes.
public struct ValueConverter: Sendable {
    public let schema: Schema

    public init(schema: Schema) { self.schema = schema }

    /// The schema type of a checked expression type (nil for the type of the literal `null`).
    public static func fieldType(_ t: ExprType) -> FieldType? {
        switch t {
        case .text: return .text
        case .int: return .int
        case .decimal: return .decimal
        case .bool: return .bool
        case .timestamp: return .timestamp
        case .duration: return .duration
        case .uuid: return .uuid
        case .phone: return .phone
        case .email: return .email
        case .json: return .json
        case .enumeration(let n): return .enumeration(n)
        case .list(let e): return fieldType(e).map { .list($0) }
        case .null: return nil
        }
    }

    public func convert(_ raw: RawValue, to type: FieldType) throws(ConversionError) -> Value {
        if case .null = raw { return .null }
        switch type {
        case .uuid:
            guard let s = textual(raw) else { throw mismatch(raw, type) }
            guard let u = UUIDText.canonical(s) else {
                throw ConversionError(message: "`\(s)` is not a uuid",
                                      help: "write 32 hex digits, e.g. `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`")
            }
            return .text(u)
        case .text, .phone, .email:
            guard let s = textual(raw) else { throw mismatch(raw, type) }
            if s.utf8.contains(0) {
                throw ConversionError(message: "a text cannot hold the NUL character (`\\0`): PostgreSQL text cannot store it",
                                      help: "remove it from the value")
            }
            return .text(s)
        case .enumeration(let name):
            guard let s = textual(raw) else { throw mismatch(raw, type) }
            if let e = schema.enumType(named: name), !e.values.contains(s) {
                let suggestion = closestName(s, in: e.values)
                throw ConversionError(
                    message: "`\(s)` is not a value of enum `\(name)`",
                    help: suggestion.map { "did you mean `\($0)`? its values are \(names(e.values))" } ?? "its values are \(names(e.values))",
                    isEnumValue: true)
            }
            return .text(s)
        case .int:
            guard let s = numeric(raw), let v = Int64(s) else { throw mismatch(raw, type) }
            return .int(v)
        case .decimal:
            guard let s = numeric(raw), Self.isDecimalSpelling(s), let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) else {
                throw mismatch(raw, type)
            }
            guard DecimalDigits.fits(s) else {
                throw ConversionError(message: "`\(s)` has more digits than a decimal holds",
                                      help: "decimals are exact to \(DecimalDigits.limit) significant digits")
            }
            return .decimal(d)
        case .bool:
            switch raw {
            case .bool(let b): return .bool(b)
            case .plain(let s), .string(let s):
                switch s.lowercased() {
                case "true": return .bool(true)
                case "false": return .bool(false)
                default: throw mismatch(raw, type)
                }
            default: throw mismatch(raw, type)
            }
        case .timestamp:
            guard let s = textual(raw) else { throw mismatch(raw, type) }
            guard let t = Timestamps.parse(s) else {
                // A fraction of more than six digits is ISO 8601 but finer than both backends keep.
                if s.range(of: #"T\d\d:\d\d:\d\d\.\d{7,}"#, options: .regularExpression) != nil, Timestamps.parse(s.replacingOccurrences(
                    of: #"(\.\d{6})\d+"#, with: "$1", options: .regularExpression)) != nil {
                    throw ConversionError(message: "`\(s)` is finer than a microsecond",
                                          help: "timestamps keep microseconds, as PostgreSQL does: write at most 6 fractional digits",
                                          isTimestamp: true)
                }
                throw ConversionError(message: "`\(s)` is not a timestamp",
                                      help: "write ISO 8601, e.g. `2026-11-24T09:00:00Z` (UTC) or `2026-11-24T11:00:00+02:00`",
                                      isTimestamp: true)
            }
            return .timestamp(t)
        case .duration:
            guard let s = textual(raw), let d = Timestamps.parseDuration(s) else { throw mismatch(raw, type) }
            return .duration(d)
        case .json:
            // Numbers as `jsonb` keeps them (`2.50`, `1e3` → `1000`), so that a template shows
            // the document as the database would print it.
            return .json(Self.json(from: raw, number: { NumericText.jsonb($0) ?? $0 }).serialized(sortedKeys: true))
        case .list(let element):
            guard case .list(let items) = raw else { throw mismatch(raw, type) }
            var out: [Value] = []
            for item in items { out.append(try convert(item, to: element)) }
            return .list(out)
        }
    }

    private func textual(_ raw: RawValue) -> String? {
        switch raw {
        case .string(let s), .plain(let s), .number(let s): return s
        default: return nil
        }
    }

    private func numeric(_ raw: RawValue) -> String? {
        switch raw {
        case .plain(let s), .number(let s), .string(let s): return s.trimmingCharacters(in: .whitespaces)
        default: return nil
        }
    }

    private func mismatch(_ raw: RawValue, _ type: FieldType) -> ConversionError {
        let example: String
        switch type {
        case .int: example = "a whole number such as `42`"
        case .decimal: example = "a number such as `12.50`"
        case .bool: example = "`true` or `false`"
        case .duration: example = "a duration such as `3 days` or `90 seconds`"
        case .list(let e): example = "a list of \(e), such as `[a, b]`"
        case .timestamp: example = "an ISO 8601 timestamp such as `2026-11-24T09:00:00Z`"
        default: example = "a single value"
        }
        return ConversionError(message: "expected \(typeName(type)), found \(raw.describedForMessage)", help: "write \(example)")
    }

    private func typeName(_ t: FieldType) -> String {
        switch t {
        case .enumeration(let n): return "a value of enum `\(n)`"
        case .list(let e): return "a list of \(typeName(e))"
        case .int: return "an int"
        default: return "a \(t)"
        }
    }

    /// `-12`, `3.50`, `1e3`: what `decimal` accepts (no `nan`, no `0x`, no thousands separators).
    static func isDecimalSpelling(_ s: String) -> Bool {
        var b = Substring(s)
        if b.hasPrefix("-") || b.hasPrefix("+") { b = b.dropFirst() }
        let parts = b.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !mantissa[0].isEmpty, mantissa[0].allSatisfy(\.isASCIIDigitChar) else { return false }
        if mantissa.count == 2, mantissa[1].isEmpty || !mantissa[1].allSatisfy(\.isASCIIDigitChar) { return false }
        if parts.count == 2 {
            var e = parts[1]
            if e.hasPrefix("-") || e.hasPrefix("+") { e = e.dropFirst() }
            guard !e.isEmpty, e.allSatisfy(\.isASCIIDigitChar) else { return false }
        }
        return true
    }

    /// A raw value as a JSON document: YAML plain scalars are read as YAML 1.2 core would
    /// (null, booleans, numbers, else strings).
    /// `number` writes each number; by default by value (`1.50` → `1.5`), as expectations compare.
    public static func json(from raw: RawValue, number: (String) -> String = canonicalNumber) -> JSONValue {
        switch raw {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(number(n))
        case .string(let s): return .string(s)
        case .plain(let s):
            switch s {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            case "null", "Null", "NULL", "~", "": return .null
            default: return isDecimalSpelling(s) ? .number(number(s)) : .string(s)
            }
        case .list(let items): return .array(items.map { json(from: $0, number: number) })
        case .object(let members): return .object(members.map { ($0.0, json(from: $0.1, number: number)) })
        }
    }

    /// `1.50` → `1.5`, `1e3` → `1000`: numbers compare by value in canonical JSON.
    public static func canonicalNumber(_ n: String) -> String {
        guard let d = Decimal(string: n, locale: Locale(identifier: "en_US_POSIX")) else { return n }
        return d.description
    }

    /// A JSON text made canonical (keys sorted, numbers normalised); unchanged when it does not parse.
    public static func canonicalJSON(_ text: String) -> String {
        guard let v = try? JSONReader.parse(text) else { return text }
        return normalized(v).serialized(sortedKeys: true)
    }

    private static func normalized(_ v: JSONValue) -> JSONValue {
        switch v {
        case .number(let n): return .number(canonicalNumber(n))
        case .array(let items): return .array(items.map(normalized))
        case .object(let members): return .object(members.map { ($0.0, normalized($0.1)) })
        default: return v
        }
    }

    // MARK: - Canonical forms

    /// The form both sides of a comparison are rendered to, and the compact form of diffs:
    /// texts quoted, numbers in plain decimal notation (an int and a decimal of equal value compare
    /// equal), timestamps ISO 8601 UTC, JSON canonical, lists `[a, b]`.
    public static func canonical(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .text(let s): return jsonEscaped(s)
        case .int(let i): return String(i)
        case .decimal(let d): return d.description
        case .bool(let b): return b ? "true" : "false"
        case .timestamp(let t): return Timestamps.format(t)
        case .duration(let d): return Timestamps.formatDuration(d)
        case .list(let items): return "[" + items.map(canonical).joined(separator: ", ") + "]"
        case .json(let text): return canonicalJSON(text)
        }
    }

    /// A value as JSON, for `rulec run`'s output and `--format json`: texts as strings, ints and
    /// decimals as exact numbers, timestamps as ISO 8601 strings, durations as strings (`3 days`),
    /// lists as arrays, JSON values embedded as they are.
    public static func jsonText(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .text(let s): return jsonEscaped(s)
        case .int(let i): return String(i)
        case .decimal(let d): return d.description
        case .bool(let b): return b ? "true" : "false"
        case .timestamp(let t): return jsonEscaped(Timestamps.format(t))
        case .duration(let d): return jsonEscaped(Timestamps.formatDuration(d))
        case .list(let items): return "[" + items.map(jsonText).joined(separator: ",") + "]"
        case .json(let text): return text.isEmpty ? "null" : text
        }
    }
}

func names(_ values: [String]) -> String {
    let shown = values.prefix(12).map { "`\($0)`" }
    return shown.joined(separator: ", ") + (values.count > 12 ? ", …" : "")
}

/// "did you mean": the closest name by edit distance, within what still looks like a typo.
func closestName(_ name: String, in candidates: [String]) -> String? {
    closestMatch(to: name, in: candidates)
}

extension Character {
    fileprivate var isASCIIDigitChar: Bool { isASCII && isNumber }
}
