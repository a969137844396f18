import RulecDiagnostics

/// Splits a string token into text and `{expression}` parts, decoding escapes. Each interpolation
/// is parsed by a sub-parser over the same bytes, so its nodes carry exact file offsets.
///
/// Grammar: template = '"' { CHAR | ESCAPE | "{{" | "}}" | "{" expression "}" } '"' ;
enum TemplateParser {
    static func parse(token: Token, bytes: [UInt8], fileIndex: Int, depth: Int, tracing: Bool) -> ([TemplatePart], [Diagnostic]) {
        var parts: [TemplatePart] = []
        var diags: [Diagnostic] = []
        var text: [UInt8] = []
        let end = token.range.end - 1 // before the closing quote
        var i = token.range.start + 1
        func r(_ s: Int, _ e: Int) -> SourceRange { SourceRange(file: fileIndex, start: s, end: e) }
        func flushText() {
            if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))); text.removeAll() }
        }
        while i < end {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\\"):
                guard i + 1 < end else {
                    diags.append(.error(.invalidEscape, "invalid escape sequence at the end of the string", at: r(i, i + 1),
                                        help: "write `\\\\` for a backslash"))
                    i += 1
                    continue
                }
                let e = bytes[i + 1]
                switch e {
                case UInt8(ascii: "\""): text.append(e); i += 2
                case UInt8(ascii: "\\"): text.append(e); i += 2
                case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n")); i += 2
                case UInt8(ascii: "t"): text.append(UInt8(ascii: "\t")); i += 2
                case UInt8(ascii: "u"):
                    var j = i + 2
                    var scalar: UInt32 = 0
                    var digits = 0
                    var ok = j < end && bytes[j] == UInt8(ascii: "{")
                    if ok {
                        j += 1
                        // Every hex digit is read, so that a long escape is reported whole, `}` included.
                        while j < end, let h = hexValue(bytes[j]) { if digits < 8 { scalar = scalar &* 16 &+ h }; digits += 1; j += 1 }
                        ok = j < end && bytes[j] == UInt8(ascii: "}") && digits >= 1 && digits <= 6
                    }
                    if ok, scalar == 0 {
                        diags.append(.error(.invalidEscape, "`\\u{0}` (NUL) cannot be part of a text: PostgreSQL text cannot hold it",
                                            at: r(i, j + 1), help: "remove it, or use another character"))
                        i = j + 1
                    } else if ok, let u = Unicode.Scalar(scalar) {
                        text.append(contentsOf: Array(String(Character(u)).utf8))
                        i = j + 1
                    } else {
                        let closed = j < end && bytes[j] == UInt8(ascii: "}")
                        let stop = min(end, ok || closed ? j + 1 : max(j, i + 2))
                        diags.append(.error(.invalidEscape, "invalid unicode escape `\(String(decoding: bytes[i..<stop], as: UTF8.self))`",
                                            at: r(i, stop), help: "write `\\u{1F600}`: 1 to 6 hex digits naming a Unicode scalar"))
                        i = stop
                    }
                default:
                    let len = utf8Length(bytes[i + 1])
                    diags.append(.error(.invalidEscape, "unknown escape sequence `\\\(String(decoding: bytes[(i + 1)..<min(end, i + 1 + len)], as: UTF8.self))`",
                                        at: r(i, min(end, i + 1 + len)), help: "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}`; write `\\\\` for a backslash"))
                    i += 1 + len
                }
            case UInt8(ascii: "{"):
                if i + 1 < end, bytes[i + 1] == UInt8(ascii: "{") { text.append(c); i += 2; continue }
                guard let close = matchingBrace(bytes: bytes, from: i, end: end, fileIndex: fileIndex) else {
                    // The lexer already reported it and turned the token invalid; stay quiet.
                    return (parts, diags + [.error(.unclosedInterpolation, "unclosed `{` in template", at: r(i, i + 1))])
                }
                flushText()
                let inner = Lexer(bytes: bytes, fileIndex: fileIndex, start: i + 1, end: close)
                let sub = Parser(lexer: inner, fileIndex: fileIndex, tracing: tracing, depth: depth + 1)
                if sub.at(.endOfFile) {
                    diags.append(.error(.emptyInterpolation, "empty `{}` in template", at: r(i, close + 1),
                                        help: "put an expression inside, or write `{{}}` for literal braces"))
                } else {
                    let e = sub.parseExpression()
                    if !sub.at(.endOfFile) {
                        sub.expected("`}` to end the interpolation")
                    }
                    for comment in sub.lexer.comments {
                        diags.append(.error(.commentInInterpolation, "`#` starts a comment inside `{…}`", at: comment.range,
                                            help: "move the comment out of the string"))
                    }
                    diags += sub.diagnostics
                    parts.append(.interpolation(e))
                }
                i = close + 1
            case UInt8(ascii: "}"):
                if i + 1 < end, bytes[i + 1] == UInt8(ascii: "}") { text.append(c); i += 2; continue }
                diags.append(.error(.unmatchedBrace, "unmatched `}` in template", at: r(i, i + 1),
                                    help: "write `}}` for a literal brace"))
                i += 1
            default:
                text.append(c)
                i += 1
            }
        }
        flushText()
        return (parts, diags)
    }

    /// The offset of the `}` closing the interpolation opened at `open`, skipping nested strings.
    static func matchingBrace(bytes: [UInt8], from open: Int, end: Int, fileIndex: Int) -> Int? {
        var i = open + 1
        var depth = 0
        let scanner = Lexer(bytes: bytes, fileIndex: fileIndex, start: open, end: end + 1)
        while i < end {
            switch bytes[i] {
            case UInt8(ascii: "}"):
                if depth == 0 { return i }
                depth -= 1
            case UInt8(ascii: "{"):
                depth += 1
            case UInt8(ascii: "\""):
                var ignored: [Diagnostic] = []
                let nested = scanner.scanStringBody(from: i, depth: 1, diags: &ignored)
                guard nested.terminated else { return nil }
                i = nested.end
                continue
            default: break
            }
            i += 1
        }
        return nil
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private static func utf8Length(_ b: UInt8) -> Int {
        b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
    }
}
