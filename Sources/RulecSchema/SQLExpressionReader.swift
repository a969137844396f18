/// Reading the two kinds of SQL text the catalog hands back as strings: CHECK constraint
/// definitions (enums) and column defaults. Only the shapes PostgreSQL itself prints are
/// recognised; anything else is "not an enum" or a raw SQL default, never an error. Schema pulls
/// read the catalog with it, and dry runs read `default: {sql: …}` with it (`FieldDefault.reading`).
public enum SQLExpressionReader {
    enum Token: Equatable {
        /// A name; `quoted` for `"Name"`.
        case identifier(String, quoted: Bool)
        case string(String)
        case number(String)
        /// `(`, `)`, `[`, `]`, `,`, `.`, `::`, or an operator such as `=`, `<@`, `-`.
        case symbol(String)

        func isKeyword(_ word: String) -> Bool {
            if case .identifier(let s, false) = self { return s.lowercased() == word.lowercased() }
            return false
        }
    }

    /// Tokens of `text`, or nil for what this reader does not handle (escape strings, dollar quotes).
    static func tokens(_ text: String) -> [Token]? {
        let chars = Array(text.unicodeScalars)
        var i = 0
        var out: [Token] = []
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isIdentPart(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || ("0"..."9").contains(c) || c == "$" }
        while i < chars.count {
            let c = chars[i]
            if c.properties.isWhitespace { i += 1; continue }
            if c == "'" || c == "\"" {
                // `'text'` and `"Name"`: the quote doubled inside stands for itself.
                var s = String.UnicodeScalarView()
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == c {
                        if i + 1 < chars.count, chars[i + 1] == c { s.append(c); i += 2; continue }
                        i += 1
                        closed = true
                        break
                    }
                    s.append(chars[i])
                    i += 1
                }
                guard closed else { return nil }
                out.append(c == "'" ? .string(String(s)) : .identifier(String(s), quoted: true))
            } else if ("0"..."9").contains(c) {
                var s = ""
                while i < chars.count, ("0"..."9").contains(chars[i]) || chars[i] == "." || chars[i] == "e" || chars[i] == "E" {
                    s.unicodeScalars.append(chars[i])
                    i += 1
                }
                out.append(.number(s))
            } else if isIdentStart(c) {
                var s = ""
                while i < chars.count, isIdentPart(chars[i]) {
                    s.unicodeScalars.append(chars[i])
                    i += 1
                }
                // E'…', B'…', X'…', U&'…': escape and bit strings are not read.
                if i < chars.count, chars[i] == "'" || chars[i] == "&" { return nil }
                out.append(.identifier(s, quoted: false))
            } else if "()[],.".unicodeScalars.contains(c) {
                out.append(.symbol(String(c)))
                i += 1
            } else if c == ":" {
                guard i + 1 < chars.count, chars[i + 1] == ":" else { return nil }
                out.append(.symbol("::"))
                i += 2
            } else if "+-*/<>=~!@#%^&|`?".unicodeScalars.contains(c) {
                var s = ""
                while i < chars.count, "+-*/<>=~!@#%^&|`?".unicodeScalars.contains(chars[i]) {
                    s.unicodeScalars.append(chars[i])
                    i += 1
                }
                out.append(.symbol(s))
            } else {
                return nil  // `$1`, dollar quotes, anything unusual
            }
        }
        return out
    }

    /// Words that may follow a type name inside a cast (`character varying`, `timestamp with time zone`).
    private static let typeWords: Set<String> = ["varying", "precision", "with", "without", "time", "zone"]

    /// Drops every `::type` cast, with multi-word, qualified, sized and array type names.
    static func removingCasts(_ tokens: [Token]) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < tokens.count {
            guard tokens[i] == .symbol("::") else { out.append(tokens[i]); i += 1; continue }
            i += 1
            guard i < tokens.count, case .identifier = tokens[i] else { continue }
            i += 1
            while i < tokens.count, case .identifier(let w, false) = tokens[i], typeWords.contains(w.lowercased()) { i += 1 }
            if i + 1 < tokens.count, tokens[i] == .symbol("."), case .identifier = tokens[i + 1] {
                i += 2
                while i < tokens.count, case .identifier(let w, false) = tokens[i], typeWords.contains(w.lowercased()) { i += 1 }
            }
            if i < tokens.count, tokens[i] == .symbol("(") {
                var j = i + 1
                while j < tokens.count, tokens[j] != .symbol(")") { j += 1 }
                i = min(j + 1, tokens.count)
            }
            while i + 1 < tokens.count, tokens[i] == .symbol("["), tokens[i + 1] == .symbol("]") { i += 2 }
        }
        return out
    }

    // MARK: - Enums from CHECK constraints

    /// What a CHECK constraint says about one column, when it lists the values the column may take.
    public struct EnumCheck: Equatable {
        public var column: String
        public var values: [String]
        /// `col <@ ARRAY[…]`: the elements of a list column.
        public var isListContainment: Bool
    }

    /// `CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))`, `CHECK (status IN ('a', 'b'))`,
    /// `CHECK ((status)::text = 'a'::text)`, `CHECK ((tags <@ ARRAY['a'::text]))`, each optionally
    /// `… OR status IS NULL`; nil for any other constraint.
    public static func enumCheck(_ definition: String) -> EnumCheck? {
        guard var t = tokens(definition) else { return nil }
        guard let first = t.first, first.isKeyword("CHECK") else { return nil }
        t.removeFirst()
        if let last = t.last, last.isKeyword("VALID") { return nil }  // NOT VALID: not enforced on old rows
        t = removingCasts(t).filter { $0 != .symbol("(") && $0 != .symbol(")") && $0 != .symbol("[") && $0 != .symbol("]") }
        t.removeAll { $0.isKeyword("ARRAY") }
        guard case .identifier(let column, _)? = t.first else { return nil }
        // `OR col IS NULL` at the end (some tools write it; NULL passes a CHECK anyway).
        if t.count >= 4, t[t.count - 4].isKeyword("OR"), t[t.count - 3] == .identifier(column, quoted: false)
            || t[t.count - 3] == .identifier(column, quoted: true), t[t.count - 2].isKeyword("IS"), t[t.count - 1].isKeyword("NULL") {
            t.removeLast(4)
        }
        var rest = Array(t.dropFirst())
        var list = false
        if rest.first == .symbol("="), rest.count > 1, rest[1].isKeyword("ANY") {
            rest.removeFirst(2)
        } else if rest.first?.isKeyword("IN") == true {
            rest.removeFirst()
        } else if rest.first == .symbol("<@") {
            rest.removeFirst()
            list = true
        } else if rest.first == .symbol("="), rest.count == 2 {
            rest.removeFirst()
        } else {
            return nil
        }
        var values: [String] = []
        for (n, token) in rest.enumerated() {
            if n % 2 == 1 {
                guard token == .symbol(",") else { return nil }
                continue
            }
            guard case .string(let v) = token else { return nil }
            if !values.contains(v) { values.append(v) }
        }
        guard !values.isEmpty, rest.count % 2 == 1 else { return nil }
        return EnumCheck(column: column, values: values, isListContainment: list)
    }

    // MARK: - Defaults

    /// What a column default is, in the terms of a rulec schema, before it is checked against the
    /// field's type.
    public enum DefaultShape: Equatable {
        case now
        /// `gen_random_uuid()`, `uuid_generate_v4()`, possibly cast to text.
        case randomUUID
        /// `nextval('…')`: a serial column.
        case sequence
        case literal(String)
        case list([String])
        /// `'{a,b}'`: a list for a list column, the text itself for a text column.
        case arrayText(String, [String])
        case other
    }

    private static let nowCalls: Set<String> = ["now", "transaction_timestamp"]
    private static let uuidCalls: Set<String> = ["gen_random_uuid", "uuid_generate_v4"]

    public static func defaultShape(_ expression: String) -> DefaultShape {
        guard let raw = tokens(expression) else { return .other }
        var t = removingCasts(raw)
        // Outer parentheses: `(gen_random_uuid())::text` → `gen_random_uuid()`.
        while t.count >= 2, t.first == .symbol("("), t.last == .symbol(")"), balanced(Array(t.dropFirst().dropLast())) {
            t = Array(t.dropFirst().dropLast())
        }
        // A schema-qualified function: `extensions.uuid_generate_v4()`.
        if t.count >= 3, case .identifier = t[0], t[1] == .symbol(".") { t.removeFirst(2) }
        func call(_ names: Set<String>) -> Bool {
            guard t.count == 3, case .identifier(let n, false) = t[0], names.contains(n.lowercased()) else { return false }
            return t[1] == .symbol("(") && t[2] == .symbol(")")
        }
        if call(nowCalls) || (t.count == 1 && (t[0].isKeyword("CURRENT_TIMESTAMP") || t[0].isKeyword("LOCALTIMESTAMP"))) {
            return .now
        }
        // Supabase's `timezone('utc'::text, now())` and `(now() AT TIME ZONE 'utc'::text)`.
        if t.count == 8, t[0].isKeyword("timezone"), t[1] == .symbol("("), case .string(let zone) = t[2],
           zone.lowercased() == "utc", t[3] == .symbol(","), t[4].isKeyword("now"), t[5] == .symbol("("),
           t[6] == .symbol(")"), t[7] == .symbol(")") {
            return .now
        }
        if t.count == 7, t[0].isKeyword("now"), t[1] == .symbol("("), t[2] == .symbol(")"), t[3].isKeyword("AT"),
           t[4].isKeyword("TIME"), t[5].isKeyword("ZONE"), case .string(let zone) = t[6], zone.lowercased() == "utc" {
            return .now
        }
        if call(uuidCalls) { return .randomUUID }
        if t.count == 4, t[0].isKeyword("nextval"), t[1] == .symbol("("), case .string = t[2], t[3] == .symbol(")") {
            return .sequence
        }
        if t.count == 1, case .string(let s) = t[0] {
            if s.hasPrefix("{"), s.hasSuffix("}"), let elements = arrayLiteral(s) { return .arrayText(s, elements) }
            return .literal(s)
        }
        if t.count == 1, case .number(let n) = t[0] { return .literal(n) }
        if t.count == 2, t[0] == .symbol("-"), case .number(let n) = t[1] { return .literal("-" + n) }
        if t.count == 1, t[0].isKeyword("true") || t[0].isKeyword("false") {
            if case .identifier(let b, _) = t[0] { return .literal(b.lowercased()) }
        }
        if t.count >= 3, t[0].isKeyword("ARRAY"), t[1] == .symbol("["), t.last == .symbol("]") {
            var values: [String] = []
            for (n, token) in t.dropFirst(2).dropLast().enumerated() {
                if n % 2 == 1 {
                    guard token == .symbol(",") else { return .other }
                    continue
                }
                guard case .string(let v) = token else { return .other }
                values.append(v)
            }
            return .list(values)
        }
        return .other
    }

    private static func balanced(_ t: [Token]) -> Bool {
        var depth = 0
        for token in t {
            if token == .symbol("(") { depth += 1 }
            if token == .symbol(")") { depth -= 1; if depth < 0 { return false } }
        }
        return depth == 0
    }

    /// `{}`, `{a,b}`, `{"a b","c"}` (a PostgreSQL array literal of text) → elements; nil when nested or odd.
    static func arrayLiteral(_ s: String) -> [String]? {
        let inner = Array(s.unicodeScalars.dropFirst().dropLast())
        if inner.isEmpty { return [] }
        var out: [String] = []
        var i = 0
        while i <= inner.count {
            var element = ""
            if i < inner.count, inner[i] == "\"" {
                i += 1
                var closed = false
                while i < inner.count {
                    if inner[i] == "\\", i + 1 < inner.count { element.unicodeScalars.append(inner[i + 1]); i += 2; continue }
                    if inner[i] == "\"" { closed = true; i += 1; break }
                    element.unicodeScalars.append(inner[i])
                    i += 1
                }
                guard closed else { return nil }
            } else {
                while i < inner.count, inner[i] != "," {
                    if "{}\"\\".unicodeScalars.contains(inner[i]) { return nil }
                    element.unicodeScalars.append(inner[i])
                    i += 1
                }
                if element == "NULL" { return nil }
            }
            out.append(element)
            if i == inner.count { break }
            guard inner[i] == "," else { return nil }
            i += 1
            if i == inner.count { return nil }
        }
        return out
    }
}
