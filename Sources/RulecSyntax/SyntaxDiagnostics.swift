import RulecDiagnostics

/// The syntax errors (R1xxx). Each code names one mistake; `rulec explain` prints the long form.
extension DiagnosticCode {
    public static let invalidUTF8 = DiagnosticCode("R1001", "file is not valid UTF-8", explanation: """
        Rule files are UTF-8 text. The file contains a byte sequence that is not UTF-8, often because it \
        was saved in Latin-1 or Windows-1252, or because it is not a text file. Re-save it as UTF-8.
        """)
    public static let unexpectedCharacter = DiagnosticCode("R1002", "unexpected character", explanation: """
        A character that cannot start any token: only letters, digits, `_`, quotes, brackets, \
        `, : . + - * / = != < <= > >=` and `#` comments appear in rule files.
        """)
    public static let unterminatedString = DiagnosticCode("R1003", "unterminated string", explanation: """
        A string starts with `"` and must end with `"` on the same line. Write a line break as `\\n`.
        """)
    public static let invalidEscape = DiagnosticCode("R1004", "invalid escape sequence", explanation: """
        Inside strings, `\\` starts one of `\\" \\\\ \\n \\t \\u{HEX}`. To write a backslash, double it.
        """)
    public static let unclosedInterpolation = DiagnosticCode("R1005", "unclosed `{` in template", explanation: """
        In a string, `{` starts an interpolated expression that ends at the matching `}`: \
        `"Hi {contact.first_name}"`. For a literal brace write `{{`.
        """)
    public static let unmatchedBrace = DiagnosticCode("R1006", "unmatched `}` in template", explanation: """
        A `}` in a string closes an interpolation. For a literal brace write `}}`.
        """)
    public static let invalidNumber = DiagnosticCode("R1007", "invalid number", explanation: """
        Numbers are written `42` or `3.5`: digits, optionally a dot and more digits.
        """)
    public static let expectedToken = DiagnosticCode("R1010", "unexpected token", explanation: """
        The parser expected something else at this place; the message says what it expected.
        """)
    public static let missingThen = DiagnosticCode("R1011", "missing `then`", explanation: """
        Every rule lists its actions after `then`:
            rule r
              when contact created
              then notify message: "new contact"
        """)
    public static let unknownDurationUnit = DiagnosticCode("R1012", "unknown duration unit", explanation: """
        Durations are a number and one of `seconds minutes hours days weeks` (or the singular forms). \
        Months and years have no fixed length; write days instead.
        """)
    public static let unclosedDelimiter = DiagnosticCode("R1013", "unclosed delimiter", explanation: """
        A `(` or `[` has no matching `)` or `]`.
        """)
    public static let nestingTooDeep = DiagnosticCode("R1014", "expression too deeply nested", explanation: """
        An expression nests or chains more deeply than rulec accepts (256 levels). Split it, or use \
        `in [..]` instead of long chains of `or`.
        """)
    public static let duplicateClause = DiagnosticCode("R1015", "clause given twice", explanation: """
        `once per`, `limit`, `priority`, `when`, `if` and `then` each appear at most once in a rule.
        """)
    public static let keywordAsName = DiagnosticCode("R1016", "keyword used as a name", explanation: """
        Reserved words (LANGUAGE.md §2) cannot name rules, params or aliases. Choose another name.
        """)
    public static let invalidTrigger = DiagnosticCode("R1017", "invalid trigger", explanation: """
        A trigger is one of: `ENTITY created|updated|deleted`, `ENTITY.FIELD changes [from V] [to V]`, \
        `ENTITY meets CONDITION`, `EXPR reaches EXPR`, `DURATION before|after ENTITY.FIELD`.
        """)
    public static let invalidPriority = DiagnosticCode("R1018", "invalid priority", explanation: """
        `priority` is followed by `high`, `normal` or `low`.
        """)
    public static let emptyInterpolation = DiagnosticCode("R1019", "empty interpolation", explanation: """
        `{}` in a string interpolates nothing. For literal braces write `{{}}`.
        """)
    public static let chainedComparison = DiagnosticCode("R1020", "comparisons cannot be chained", explanation: """
        `a < b < c` is not allowed; write `a < b and b < c`.
        """)
    public static let missingActions = DiagnosticCode("R1021", "rule has no actions", explanation: """
        `then` is followed by at least one action: an external action such as `send_sms to: …, body: …`, \
        or a data action `create ENTITY with …` / `update ENTITY set …`.
        """)
    public static let descriptionTemplate = DiagnosticCode("R1022", "description cannot interpolate", explanation: """
        A rule's description is plain text; `{…}` would never be evaluated. Write `{{` for a literal brace.
        """)
    public static let missingWhen = DiagnosticCode("R1023", "missing `when`", explanation: """
        Every rule has a trigger: `when contact created`, `when contact.status changes`, …
        """)

    public static let commentInInterpolation = DiagnosticCode("R1024", "comment inside a template", explanation: """
        `#` inside `{…}` in a string would start a comment that silently hides the rest of the \
        expression. Move the comment out of the string.
        """)
    public static let clauseOutOfOrder = DiagnosticCode("R1025", "clause out of order", explanation: """
        A rule's clauses come in the order of LANGUAGE.md §3: `param`, `once per`, `limit`, `priority`, \
        `when`, `if`, `then`. Other orders are accepted with this warning; `rulec fmt` puts them in order.
        """)

    public static let tooManyErrors = DiagnosticCode("R1026", "too many errors", explanation: """
        A file reports at most 100 syntax diagnostics; the rest are counted. Fix the first ones: later \
        errors are usually consequences.
        """)

    /// Every syntax code, for `rulec explain` and the docs.
    public static let syntaxCodes: [DiagnosticCode] = [
        .invalidUTF8, .unexpectedCharacter, .unterminatedString, .invalidEscape, .unclosedInterpolation,
        .unmatchedBrace, .invalidNumber, .expectedToken, .missingThen, .unknownDurationUnit, .unclosedDelimiter,
        .nestingTooDeep, .duplicateClause, .keywordAsName, .invalidTrigger, .invalidPriority,
        .emptyInterpolation, .chainedComparison, .missingActions, .descriptionTemplate, .missingWhen,
        .commentInInterpolation, .clauseOutOfOrder, .tooManyErrors,
    ]
}
