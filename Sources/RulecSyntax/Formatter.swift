import RulecDiagnostics

/// What formatting one file gives: the canonical text, or the reasons it was not rewritten.
/// `rulec fmt` writes `.formatted` back (or compares it for `--check`) and reports `.invalid`.
public enum FormatResult: Sendable, Equatable {
    /// The file in canonical layout, ending in exactly one newline (empty for a file with no
    /// rules and no comments). It may equal the input byte for byte.
    case formatted(String)
    /// The file has syntax errors (or, should the formatter ever fail its own check, R1090):
    /// it must be left untouched.
    case invalid([Diagnostic])
}

extension DiagnosticCode {
    /// Reported instead of a rewrite when the formatted text would not parse back to the same
    /// tree with the same comments: a formatter bug that must never cost a user their file.
    public static let formatterSelfCheck = DiagnosticCode("R1090", "formatter could not preserve the file", explanation: """
        The formatter checks its own output: it must parse back to the same rules and keep every \
        comment. This file failed that check, so it was left unchanged. This is a bug in rulec; \
        please report it with the file attached.
        """)
}

/// `rulec fmt` as a library: one canonical layout for rule files, keeping every comment.
///
/// The layout (see `docs/` and the golden cases in `Tests/RulecSyntaxTests/FormatterCases`):
/// - rules separated by one blank line; `rule NAME "description"` on one line;
/// - clauses indented 2 spaces, in the order `param`, `once per`, `limit`, `priority`, `when`,
///   `if`, `then`; all triggers of `when` on one line, joined by `or`;
/// - `if COND` on one line when it fits in `lineWidth` columns, else broken before each
///   unparenthesised `and`/`or` of its left spine, continuation lines indented 5 spaces so they
///   sit under the condition;
/// - `then` alone on its line; each action indented 4 spaces, on one line if it fits, else one
///   argument per line after the first, indented 6 spaces (`delay` stays on the last line);
/// - expressions with single spaces around operators, only the parentheses precedence needs;
///   durations as `1 hour` / `3 days` (bare windows like `per hour` become `per 1 hour`).
///
/// Comments: a full-line comment stays before the line of code that follows it, at that line's
/// indentation; one that sat inside code now printed on one line moves before that line. A
/// trailing comment stays at the end of the output line holding the code it followed (when
/// several land on one line, all but the last move before it). Blank lines are kept (collapsed
/// to one) only around comments before a rule and at the end of the file.
///
/// INVARIANT: the output parses to the same tree (`ASTDump(ranges: false)`) with the same
/// comments, and formatting it again gives the same bytes. The first is checked on every call.
public enum Formatter {
    /// The column limit for one-line `if` conditions and actions.
    public static let lineWidth = 100

    /// Formats one file (parsed as file index 0). A file with syntax errors is never rewritten.
    public static func format(_ source: SourceFile) -> FormatResult {
        let (file, diagnostics, _) = Parser.parse(source, fileIndex: 0)
        if diagnostics.contains(where: { $0.severity == .error }) || file.rules.contains(where: \.hasSyntaxErrors) {
            return .invalid(Diagnostic.sorted(diagnostics))
        }
        let text = FormatLayout(source: source, file: file).render()
        if let problem = selfCheck(original: file, formatted: text) {
            return .invalid([.error(.formatterSelfCheck, "the formatter could not preserve this file (\(problem)); it was left unchanged",
                                    at: nil, help: "this is a bug in rulec: please report it with the file attached")])
        }
        return .formatted(text)
    }

    /// Why `formatted` is not faithful to `original`, or nil when it is.
    static func selfCheck(original: RuleFile, formatted: String) -> String? {
        let (again, diagnostics, _) = Parser.parse(SourceFile(path: "<formatted>", text: formatted), fileIndex: 0)
        if diagnostics.contains(where: { $0.severity == .error }) { return "its output does not parse" }
        let dump = ASTDump(ranges: false)
        if dump.dump(again) != dump.dump(original) { return "its output parses to different rules" }
        func texts(_ f: RuleFile) -> [String] { f.comments.map { trimmedTrailingWhitespace($0.text) }.sorted() }
        if texts(again) != texts(original) { return "its output does not keep every comment" }
        return nil
    }
}

/// `s` without trailing spaces and tabs (the formatter never writes trailing whitespace).
func trimmedTrailingWhitespace(_ s: String) -> String {
    var scalars = Substring(s).unicodeScalars
    while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
    return String(scalars)
}
