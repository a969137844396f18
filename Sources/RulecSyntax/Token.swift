import RulecDiagnostics

/// The reserved words of LANGUAGE.md §2. None of them can name a rule, param or alias;
/// after `.` and as an argument key they are ordinary names (`send_sms to: …`).
public enum Keyword: String, CaseIterable, Sendable {
    case rule, param, once, per, every, limit, priority, when, `if`, then, or, and, not, `in`, `is`
    case null, empty, `true`, `false`, changes, from, to, created, updated, deleted, meets, reaches
    case before, after, exists, count, sum, min, max, `as`, `where`, with, create, update, set, delay
    case now, old, contains, starts, ends

    /// Lookup by spelling, built once.
    static let bySpelling: [String: Keyword] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
}

/// What a token is; its text lives in the source, addressed by the token's range.
public enum TokenKind: Equatable, Sendable {
    case identifier
    case keyword(Keyword)
    /// `42`, `3.5`; the sign is a separate `-` token.
    case number
    /// A whole string literal including quotes; the parser splits it into text and `{…}` parts.
    case string
    case lparen, rparen, lbracket, rbracket, comma, colon, dot
    case plus, minus, star, slash
    case equal, notEqual, less, lessEqual, greater, greaterEqual
    /// Bytes the lexer could not make sense of; already reported.
    case invalid
    case endOfFile
}

/// A lexeme: its kind and the bytes it covers. Small on purpose: a 50 MB file streams through.
public struct Token: Equatable, Sendable {
    public var kind: TokenKind
    public var range: SourceRange
    /// True when a newline separates this token from the previous one; used only to
    /// give better diagnostics (newlines are otherwise insignificant).
    public var startsLine: Bool

    public init(kind: TokenKind, range: SourceRange, startsLine: Bool) {
        self.kind = kind
        self.range = range
        self.startsLine = startsLine
    }

    public func `is`(_ k: Keyword) -> Bool { kind == .keyword(k) }
}

/// A `#` comment, kept so that the formatter can put it back.
public struct Comment: Equatable, Sendable {
    public var range: SourceRange
    /// The text after `#`, without the line end.
    public var text: String
    /// True when code precedes it on its line (`x = 1  # why`).
    public var isTrailing: Bool
}
