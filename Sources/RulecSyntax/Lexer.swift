import RulecDiagnostics

/// Turns the bytes of a rule file into tokens on demand (a 50 MB file never becomes a token array),
/// collecting comments and reporting malformed input as diagnostics without stopping.
///
/// Strings are scanned whole, interpolations included, so that a `"` inside `{…}` does not end the
/// outer string; `TemplateParser` later splits them into parts.
public struct Lexer {
    let bytes: [UInt8]
    let fileIndex: Int
    var position: Int
    let end: Int
    private var sawNewline = true
    /// Comments seen so far, in order.
    public private(set) var comments: [Comment] = []
    public private(set) var diagnostics: [Diagnostic] = []
    private var lastTokenLine = -1
    private var lineOfPosition = 0

    /// Lexes `bytes[start..<end]` of file number `fileIndex` (the whole file by default).
    public init(bytes: [UInt8], fileIndex: Int, start: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.fileIndex = fileIndex
        self.position = start
        self.end = end ?? bytes.count
    }

    private func range(_ s: Int, _ e: Int) -> SourceRange { SourceRange(file: fileIndex, start: s, end: e) }

    private func peekByte(_ offset: Int = 0) -> UInt8? {
        let i = position + offset
        return i < end ? bytes[i] : nil
    }

    /// The next token; `.endOfFile` forever once the input is exhausted.
    public mutating func next() -> Token {
        skipTrivia()
        let startsLine = sawNewline
        sawNewline = false
        let start = position
        guard let b = peekByte() else {
            return Token(kind: .endOfFile, range: range(end, end), startsLine: true)
        }
        func single(_ k: TokenKind) -> Token {
            position += 1
            return Token(kind: k, range: range(start, position), startsLine: startsLine)
        }
        func double(_ k: TokenKind) -> Token {
            position += 2
            return Token(kind: k, range: range(start, position), startsLine: startsLine)
        }
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            while let c = peekByte(), isIdentifierContinue(c) { position += 1 }
            let kind: TokenKind
            if let kw = keyword(start, position) { kind = .keyword(kw) } else { kind = .identifier }
            return Token(kind: kind, range: range(start, position), startsLine: startsLine)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return lexNumber(start: start, startsLine: startsLine)
        case UInt8(ascii: "\""):
            var found: [Diagnostic] = []
            let stringEnd = scanStringBody(from: start, depth: 0, diags: &found).end
            diagnostics.append(contentsOf: found)
            position = stringEnd
            // A malformed string is reported here once; the parser treats it as an error node.
            return Token(kind: found.isEmpty ? .string : .invalid, range: range(start, stringEnd), startsLine: startsLine)
        case UInt8(ascii: "("): return single(.lparen)
        case UInt8(ascii: ")"): return single(.rparen)
        case UInt8(ascii: "["): return single(.lbracket)
        case UInt8(ascii: "]"): return single(.rbracket)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ":"): return single(.colon)
        case UInt8(ascii: "."): return single(.dot)
        case UInt8(ascii: "+"): return single(.plus)
        case UInt8(ascii: "-"): return single(.minus)
        case UInt8(ascii: "*"): return single(.star)
        case UInt8(ascii: "/"): return single(.slash)
        case UInt8(ascii: "="):
            return peekByte(1) == UInt8(ascii: "=") ? double(.equal) : single(.equal)
        case UInt8(ascii: "!"):
            if peekByte(1) == UInt8(ascii: "=") { return double(.notEqual) }
            return invalid(start: start, startsLine: startsLine, length: 1, help: "write `not` for negation or `!=` for inequality")
        case UInt8(ascii: "<"):
            if peekByte(1) == UInt8(ascii: "=") { return double(.lessEqual) }
            if peekByte(1) == UInt8(ascii: ">") { position += 2; report(.error(.unexpectedCharacter, "`<>` is not an operator", at: range(start, position), help: "write `!=`", fixIts: [FixIt(range: range(start, position), replacement: "!=")])); return Token(kind: .notEqual, range: range(start, position), startsLine: startsLine) }
            return single(.less)
        case UInt8(ascii: ">"):
            return peekByte(1) == UInt8(ascii: "=") ? double(.greaterEqual) : single(.greater)
        default:
            let length = utf8Length(at: start)
            let help: String?
            switch b {
            case UInt8(ascii: "'"): help = "strings are written with double quotes: \"…\""
            case UInt8(ascii: "&"): help = "write `and`"
            case UInt8(ascii: "|"): help = "write `or`"
            case UInt8(ascii: "{"), UInt8(ascii: "}"): help = "braces appear only inside strings, as `{expression}`"
            default: help = nil
            }
            return invalid(start: start, startsLine: startsLine, length: length, help: help)
        }
    }

    private mutating func invalid(start: Int, startsLine: Bool, length: Int, help: String?) -> Token {
        position = min(end, start + length)
        let shown = String(decoding: bytes[start..<position], as: UTF8.self)
        let printable = shown.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F } ? "`\(shown)`" : "byte 0x" + String(bytes[start], radix: 16)
        report(.error(.unexpectedCharacter, "unexpected character \(printable)", at: range(start, position), help: help))
        return Token(kind: .invalid, range: range(start, position), startsLine: startsLine)
    }

    private func utf8Length(at i: Int) -> Int {
        let b = bytes[i]
        let n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        return min(n, end - i)
    }

    private mutating func report(_ d: Diagnostic) { diagnostics.append(d) }

    private func keyword(_ s: Int, _ e: Int) -> Keyword? {
        let length = e - s
        guard length >= 2, length <= 8 else { return nil }
        // Keywords are lowercase; a quick first-byte check keeps identifiers fast.
        guard bytes[s] >= UInt8(ascii: "a") else { return nil }
        // No String, no hashing: the (at most 8) bytes packed into one integer, binary-searched.
        var key: UInt64 = 0
        for i in s..<e { key = key << 8 | UInt64(bytes[i]) }
        return PackedKeywords.lookup(key)
    }

    private mutating func skipTrivia() {
        while let b = peekByte() {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                position += 1
            case UInt8(ascii: "\n"):
                position += 1
                sawNewline = true
            case UInt8(ascii: "#"):
                let start = position
                while let c = peekByte(), c != UInt8(ascii: "\n") { position += 1 }
                var textEnd = position
                if textEnd > start + 1, bytes[textEnd - 1] == UInt8(ascii: "\r") { textEnd -= 1 }
                let text = String(decoding: bytes[(start + 1)..<max(start + 1, textEnd)], as: UTF8.self)
                comments.append(Comment(range: range(start, textEnd), text: text, isTrailing: !sawNewline))
            default:
                return
            }
        }
    }

    private mutating func lexNumber(start: Int, startsLine: Bool) -> Token {
        while let c = peekByte(), isDigit(c) { position += 1 }
        if peekByte() == UInt8(ascii: "."), let d = peekByte(1), isDigit(d) {
            position += 1
            while let c = peekByte(), isDigit(c) { position += 1 }
        }
        // `3days` or `1.2.3`: one diagnostic for the whole malformed lexeme.
        if let c = peekByte(), isIdentifierContinue(c) || c == UInt8(ascii: ".") && peekByte(1).map(isDigit) == true {
            var e = position
            while e < end, isIdentifierContinue(bytes[e]) || bytes[e] == UInt8(ascii: ".") { e += 1 }
            let letters = e > position && !isDigit(bytes[position]) && bytes[position] != UInt8(ascii: ".")
            report(.error(.invalidNumber, "invalid number `\(String(decoding: bytes[start..<e], as: UTF8.self))`",
                          at: range(start, e), help: letters ? "put a space between a number and its unit: `3 days`" : nil))
            position = e
            return Token(kind: .invalid, range: range(start, e), startsLine: startsLine)
        }
        return Token(kind: .number, range: range(start, position), startsLine: startsLine)
    }

    /// Drains the diagnostics found so far.
    public mutating func takeDiagnostics() -> [Diagnostic] {
        defer { diagnostics.removeAll() }
        return diagnostics
    }

    /// Finds the end of the string starting at `start` (a `"`), skipping over interpolations,
    /// which may hold strings of their own. Strings end on their line; a missing quote is
    /// reported and the string is taken to end at the line's end, so the next line lexes normally.
    func scanStringBody(from start: Int, depth: Int, diags: inout [Diagnostic]) -> (end: Int, terminated: Bool) {
        var i = start + 1
        while i < end {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                return (i + 1, true)
            case UInt8(ascii: "\n"):
                diags.append(.error(.unterminatedString, "unterminated string", at: range(start, i),
                                    help: "close the string with `\"` before the end of the line; write a line break as `\\n`"))
                return (i, false)
            case UInt8(ascii: "\\"):
                // An escape never swallows the line end: `"abc\` is unterminated.
                i += (i + 1 < end && bytes[i + 1] != UInt8(ascii: "\n")) ? 2 : 1
            case UInt8(ascii: "{"):
                if i + 1 < end, bytes[i + 1] == UInt8(ascii: "{") { i += 2; continue }
                let open = i
                i += 1
                var braceDepth = 0
                var closed = false
                scan: while i < end {
                    switch bytes[i] {
                    case UInt8(ascii: "}"):
                        if braceDepth == 0 { closed = true; i += 1; break scan }
                        braceDepth -= 1; i += 1
                    case UInt8(ascii: "{"):
                        braceDepth += 1; i += 1
                    case UInt8(ascii: "\n"):
                        break scan
                    case UInt8(ascii: "\""):
                        // A nested string, or the outer string's end when the `{` was left open.
                        var nested: [Diagnostic] = []
                        let nestedResult: (end: Int, terminated: Bool) = depth < 32 ? scanStringBody(from: i, depth: depth + 1, diags: &nested) : (end, false)
                        if !nestedResult.terminated {
                            diags.append(.error(.unclosedInterpolation, "unclosed `{` in template", at: range(open, open + 1),
                                                help: "close the interpolation with `}`, or write `{{` for a literal brace"))
                            return (i + 1, false)
                        }
                        diags.append(contentsOf: nested)
                        i = nestedResult.end
                    default:
                        i += 1
                    }
                }
                if !closed {
                    diags.append(.error(.unclosedInterpolation, "unclosed `{` in template", at: range(open, open + 1),
                                        help: "close the interpolation with `}`, or write `{{` for a literal brace"))
                    return (i, false)
                }
            case 0:
                diags.append(.error(.invalidEscape, "a NUL byte cannot be part of a text: PostgreSQL text cannot hold it",
                                    at: range(i, i + 1), help: "remove it"))
                i += 1
            default:
                i += 1
            }
        }
        diags.append(.error(.unterminatedString, "unterminated string", at: range(start, end),
                            help: "close the string with `\"`"))
        return (end, false)
    }
}

/// Keywords keyed by their spelling packed big-endian into a `UInt64` (every keyword has 2 to 8
/// ASCII letters, and identifier bytes are never 0, so the packing is one-to-one), sorted for
/// binary search. The lexer's hottest lookup: once per identifier.
enum PackedKeywords {
    static let table: [(key: UInt64, keyword: Keyword)] = Keyword.allCases.map { kw in
        (kw.rawValue.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, kw)
    }.sorted { $0.key < $1.key }

    static func lookup(_ key: UInt64) -> Keyword? {
        table.withUnsafeBufferPointer { t in
            var lo = 0, hi = t.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if t[mid].key < key { lo = mid + 1 } else { hi = mid }
            }
            return lo < t.count && t[lo].key == key ? t[lo].keyword : nil
        }
    }
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
@inline(__always) func isIdentifierContinue(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
        || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
}
