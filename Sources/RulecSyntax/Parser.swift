import RulecDiagnostics

/// A hand-written recursive-descent parser for `.crmrule` files (precedence climbing for
/// expressions). It never stops at the first error: it records a diagnostic, marks the rule as
/// damaged, and resynchronises at the next clause, action or rule.
///
/// Each `parse…` function quotes its production of `grammar/rulec.ebnf` after `Grammar:`;
/// `GrammarTests` hold the two in step.
public final class Parser {
    /// Expressions deeper than this are refused (R1014) so no later recursive pass can overflow the stack.
    public static let maxDepth = 256

    var lexer: Lexer
    let fileIndex: Int
    /// Tokens read ahead, from `lookaheadStart` on; consumed ones are dropped in batches so
    /// `advance` is O(1) and memory stays bounded on huge files.
    var lookahead: [Token] = []
    var lookaheadStart = 0
    var previous: Token
    var diagnostics: [Diagnostic] = []
    /// Nesting depth of the expression being parsed.
    var depth = 0
    /// Set when the current rule needed recovery.
    var ruleHasErrors = false
    /// Productions entered, recorded only when tracing (grammar coverage tests).
    public private(set) var tracedProductions: Set<String> = []
    let tracing: Bool

    init(lexer: Lexer, fileIndex: Int, tracing: Bool = false, depth: Int = 0) {
        self.lexer = lexer
        self.fileIndex = fileIndex
        self.tracing = tracing
        self.depth = depth
        self.previous = Token(kind: .endOfFile, range: SourceRange(file: fileIndex, start: lexer.position, end: lexer.position), startsLine: true)
    }

    // MARK: Entry points

    /// Parses one file. Invalid UTF-8 is reported once and yields an empty file: nothing after
    /// an encoding error can be trusted.
    public static func parse(_ source: SourceFile, fileIndex: Int, tracing: Bool = false) -> (RuleFile, [Diagnostic], Set<String>) {
        if let bad = firstInvalidUTF8(source.bytes) {
            let d = Diagnostic.error(.invalidUTF8, "file is not valid UTF-8", at: SourceRange(file: fileIndex, start: bad, end: bad + 1),
                                     help: "save the file as UTF-8")
            return (RuleFile(file: fileIndex, rules: [], comments: []), [d], [])
        }
        let parser = Parser(lexer: Lexer(bytes: source.bytes, fileIndex: fileIndex, start: source.byteOrderMarkLength), fileIndex: fileIndex, tracing: tracing)
        let file = parser.parseFile()
        return (file, parser.diagnostics, parser.tracedProductions)
    }

    /// Parses every file of `sources` into one tree.
    public static func parse(_ sources: SourceManager) -> (SyntaxTree, [Diagnostic]) {
        var files: [RuleFile] = []
        var diags: [Diagnostic] = []
        for (i, f) in sources.files.enumerated() {
            let (file, d, _) = parse(f, fileIndex: i)
            files.append(file)
            diags += d
        }
        return (SyntaxTree(files: files), Diagnostic.sorted(diags))
    }

    public static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var minScalar: UInt32
            var scalar: UInt32
            if b & 0xE0 == 0xC0 { length = 2; scalar = UInt32(b & 0x1F); minScalar = 0x80 }
            else if b & 0xF0 == 0xE0 { length = 3; scalar = UInt32(b & 0x0F); minScalar = 0x800 }
            else if b & 0xF8 == 0xF0 { length = 4; scalar = UInt32(b & 0x07); minScalar = 0x10000 }
            else { return i }
            if i + length > n { return i }
            for k in 1..<length {
                let c = bytes[i + k]
                if c & 0xC0 != 0x80 { return i }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
            i += length
        }
        return nil
    }

    // MARK: Token stream

    func peek(_ n: Int = 0) -> Token {
        while lookahead.count - lookaheadStart <= n {
            lookahead.append(lexer.next())
            drainLexer()
        }
        return lookahead[lookaheadStart + n]
    }

    var current: Token { peek() }

    @discardableResult
    func advance() -> Token {
        let t = peek()
        if t.kind != .endOfFile {
            lookaheadStart += 1
            if lookaheadStart >= 64 {
                lookahead.removeFirst(lookaheadStart)
                lookaheadStart = 0
            }
        }
        previous = t
        return t
    }

    func at(_ k: Keyword) -> Bool { current.kind == .keyword(k) }
    func at(_ kind: TokenKind) -> Bool { current.kind == kind }

    func accept(_ k: Keyword) -> Token? { at(k) ? advance() : nil }
    func accept(_ kind: TokenKind) -> Token? { at(kind) ? advance() : nil }

    func text(_ t: Token) -> String {
        String(decoding: lexer.bytes[t.range.start..<t.range.end], as: UTF8.self)
    }

    func range(_ start: Int, _ end: Int) -> SourceRange { SourceRange(file: fileIndex, start: start, end: end) }

    func trace(_ production: String) {
        if tracing { tracedProductions.insert(production) }
    }

    // MARK: Diagnostics

    /// At most this many diagnostics per file: hostile input costs one screen, not a flood.
    public static let maxDiagnostics = 100
    var droppedDiagnostics = 0

    func report(_ d: Diagnostic) {
        if d.severity == .error { ruleHasErrors = true }
        if diagnostics.count >= Parser.maxDiagnostics {
            droppedDiagnostics += 1
            return
        }
        diagnostics.append(d)
    }

    /// "expected X, found Y" at the current token (or, at a line start, just after the previous one).
    func expected(_ what: String, help: String? = nil) {
        let t = current
        if t.kind == .invalid { ruleHasErrors = true; return } // already reported by the lexer
        report(.error(.expectedToken, "expected \(what), found \(describe(t))", at: t.range, help: help))
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .endOfFile: return "end of file"
        case .identifier: return "`\(text(t))`"
        case .keyword(let k): return "keyword `\(k.rawValue)`"
        case .number: return "number `\(text(t))`"
        case .string: return "a string"
        case .invalid: return "`\(text(t))`"
        default: return "`\(text(t))`"
        }
    }

    /// True when the current token begins a rule-level clause, where recovery can resume.
    var atClauseStart: Bool {
        switch current.kind {
        case .keyword(.rule), .keyword(.param), .keyword(.when), .keyword(.if), .keyword(.then),
             .keyword(.priority), .endOfFile:
            return true
        case .keyword(.once): return peek(1).is(.per)
        case .keyword(.limit): return current.startsLine
        default: return false
        }
    }

    /// Skips to the next clause or rule start. Every call consumes at least one token
    /// unless already at one, so parser loops always progress.
    func synchronizeToClause() {
        while !atClauseStart { advance() }
    }

    /// Merges lexer diagnostics into ours (the lexer reports malformed strings and characters).
    func drainLexer() {
        for d in lexer.takeDiagnostics() { report(d) }
    }
}
