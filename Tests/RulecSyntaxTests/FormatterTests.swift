// Tests of `Formatter` (the library behind `rulec fmt`).
//
// Golden cases: one folder per case under `FormatterCases/NAME/` holding `input.crmrule` and
// `expected.crmrule`. They are read relative to this file (`#filePath`), not as SwiftPM
// resources. Every case is also checked for idempotence (formatting the expected output gives it
// back byte for byte), faithfulness (input and output dump to the same tree with
// `ASTDump(ranges: false)`) and comment preservation (every comment exactly once).
//
// To regenerate every `expected.crmrule` after an intended layout change, run
//
//     RULEC_UPDATE_GOLDEN=1 swift test --filter FormatterTests
//
// and review the diff. A new case is a new folder with an `input.crmrule`; the switch writes
// its `expected.crmrule`.

import Foundation
import RulecDiagnostics
import RulecSyntax
import Testing

/// The golden folders, found next to this file.
enum FormatterGolden {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FormatterCases")

    static var names: [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("input.crmrule").path) }.sorted()
    }

    static var updating: Bool { ProcessInfo.processInfo.environment["RULEC_UPDATE_GOLDEN"] == "1" }

    static func read(_ name: String, _ file: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(name).appendingPathComponent(file), encoding: .utf8)
    }

    static func write(_ name: String, _ file: String, _ text: String) throws {
        try text.write(to: root.appendingPathComponent(name).appendingPathComponent(file), atomically: true, encoding: .utf8)
    }
}

/// Formats `text`, recording an issue (and returning nil) when the formatter refuses it.
private func formatted(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    switch Formatter.format(SourceFile(path: "test.crmrule", text: text)) {
    case .formatted(let s): return s
    case .invalid(let diagnostics):
        Issue.record("formatter refused the input: \(diagnostics.map { "\($0.code) \($0.message)" })", sourceLocation: sourceLocation)
        return nil
    }
}

/// The layout-independent tree of `text`, and whether it parsed without errors.
private func tree(_ text: String) -> (dump: String, ok: Bool) {
    let (file, diagnostics, _) = Parser.parse(SourceFile(path: "t", text: text), fileIndex: 0)
    return (ASTDump(ranges: false).dump(file), !diagnostics.contains { $0.severity == .error })
}

/// The comments of `text` (their text without trailing blanks), in source order.
private func comments(_ text: String) -> [String] {
    Parser.parse(SourceFile(path: "t", text: text), fileIndex: 0).0.comments.map {
        var s = $0.text
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}

/// Checks the properties every formatted text must have, against the text it came from.
private func expectCanonical(input: String, output: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let before = tree(input), after = tree(output)
    #expect(after.ok, "formatted output does not parse", sourceLocation: sourceLocation)
    #expect(before.dump == after.dump, "formatting changed the tree", sourceLocation: sourceLocation)
    #expect(comments(input).sorted() == comments(output).sorted(), "comments lost or duplicated", sourceLocation: sourceLocation)
    #expect(formatted(output, sourceLocation: sourceLocation) == output, "formatting is not idempotent", sourceLocation: sourceLocation)
    if !output.isEmpty {
        #expect(output.hasSuffix("\n") && !output.hasSuffix("\n\n"), "output must end with exactly one newline", sourceLocation: sourceLocation)
    }
    for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
        #expect(line.last != " " && line.last != "\t", "trailing whitespace in `\(line)`", sourceLocation: sourceLocation)
    }
}

/// The `if` line(s) of a one-rule file whose condition is `condition`, formatted.
private func formattedCondition(_ condition: String) -> String? {
    guard let out = formatted("rule r when a created if \(condition) then notify") else { return nil }
    let lines = out.split(separator: "\n").map(String.init)
    return lines.filter { $0.hasPrefix("  if ") || $0.hasPrefix("     ") }.joined(separator: "\n").dropFirst(5).description
}

@Suite("Formatter")
struct FormatterTests {
    // MARK: Golden cases

    @Test func goldenCasesAreFound() {
        let names = FormatterGolden.names
        #expect(names.count >= 10, "found \(names) under \(FormatterGolden.root.path)")
        #expect(names.contains("language_example"))
    }

    @Test(arguments: FormatterGolden.names)
    func golden(_ name: String) throws {
        let input = try FormatterGolden.read(name, "input.crmrule")
        guard let output = formatted(input) else { return }
        if FormatterGolden.updating {
            try FormatterGolden.write(name, "expected.crmrule", output)
        } else {
            let expected = try FormatterGolden.read(name, "expected.crmrule")
            #expect(output == expected, "\(name): output differs from expected.crmrule (RULEC_UPDATE_GOLDEN=1 regenerates it)")
        }
        expectCanonical(input: input, output: output)
        // The expected file is itself canonical.
        if let expected = try? FormatterGolden.read(name, "expected.crmrule") {
            #expect(formatted(expected) == expected, "\(name): expected.crmrule is not a fixed point")
        }
    }

    // MARK: Parentheses

    @Test(arguments: [
        // Needed by precedence.
        ("(a.x or a.y) and a.z", "(a.x or a.y) and a.z"),
        ("not (a.x and a.y)", "not (a.x and a.y)"),
        ("-(a.x + a.y) > 0", "-(a.x + a.y) > 0"),
        ("(a.x + a.y) * a.z > 0", "(a.x + a.y) * a.z > 0"),
        ("-a.x * a.y > 0", "-a.x * a.y > 0"),
        ("-(a.x * a.y) > 0", "-(a.x * a.y) > 0"),
        ("(a.x + a.y).z = 1", "(a.x + a.y).z = 1"),
        ("a.b and not (a.c or a.d)", "a.b and not (a.c or a.d)"),
        // Needed by left associativity.
        ("a.x - (a.y - a.z) = 0", "a.x - (a.y - a.z) = 0"),
        ("a.x / (a.y * a.z) = 0", "a.x / (a.y * a.z) = 0"),
        ("a.x or (a.y or a.z)", "a.x or (a.y or a.z)"),
        ("a.x and (a.y and a.z)", "a.x and (a.y and a.z)"),
        // Needed because comparisons do not chain.
        ("(a.x = a.y) = false", "(a.x = a.y) = false"),
        ("(a.x is null) = (a.y in [1])", "(a.x is null) = (a.y in [1])"),
        ("(not a.x) = a.y", "(not a.x) = a.y"),
        // Not needed: removed.
        ("((a.x))", "a.x"),
        ("(a.x - a.y) - a.z = 0", "a.x - a.y - a.z = 0"),
        ("(a.x or a.y) or a.z", "a.x or a.y or a.z"),
        ("(a.x and a.y) or a.z", "a.x and a.y or a.z"),
        ("a.x or (a.y and a.z)", "a.x or a.y and a.z"),
        ("not (a.x = a.y)", "not a.x = a.y"),
        ("(not a.x) and a.y", "not a.x and a.y"),
        ("(a.x + a.y) in [1, 2]", "a.x + a.y in [1, 2]"),
        ("(-a.x) * a.y = 1", "-a.x * a.y = 1"),
        ("a.x = (a.y + 1)", "a.x = a.y + 1"),
        ("- (-a.x) = 1", "- -a.x = 1"),
        ("count(a.m where (a.x or a.y)) > (1)", "count(a.m where a.x or a.y) > 1"),
    ])
    func parentheses(_ input: String, _ expected: String) {
        #expect(formattedCondition(input) == expected)
    }

    /// Seeded random trees, written fully parenthesised, come back with minimal parentheses and the same tree.
    @Test func randomExpressionsKeepTheirTree() {
        var rng = FormatterFuzzRNG(seed: 0x5EED)
        for _ in 0..<400 {
            let condition = randomExpression(&rng, depth: 4)
            let value = randomExpression(&rng, depth: 3)
            let input = "rule r\n  when a created\n  if \(condition)\n  then\n    notify message: \(value)\n"
            guard tree(input).ok else {
                Issue.record("generator produced invalid input: \(input)")
                continue
            }
            guard let output = formatted(input) else { continue }
            expectCanonical(input: input, output: output)
        }
    }

    // MARK: Strings and literals

    @Test func stringEscapesRoundTrip() throws {
        let input = #"rule r when a created then notify message: "q \" b \\ n \n t \t c \u{1} d \u{7F} e \u{1F600} {{x}} }} {a.b} {"in {a.c}"}""#
        let output = try #require(formatted(input))
        #expect(output.contains(#"message: "q \" b \\ n \n t \t c \u{1} d \u{7F} e 😀 {{x}} }} {a.b} {"in {a.c}"}""#))
        expectCanonical(input: input, output: output)
    }

    @Test func descriptionKeepsBracesAndEscapes() throws {
        let output = try #require(formatted(#"rule r "a {{b}} \"c\"" when a created then notify"#))
        #expect(output.hasPrefix(#"rule r "a {{b}} \"c\"""# + "\n"))
    }

    @Test(arguments: [
        ("1 day", "1 day"), ("1 days", "1 day"), ("2 day", "2 days"), ("3 weeks", "3 weeks"),
        ("1 second", "1 second"), ("90 seconds", "90 seconds"), ("1.5 hours", "1.5 hours"), ("1 minutes", "1 minute"),
    ])
    func durations(_ written: String, _ printed: String) throws {
        let output = try #require(formatted("rule r when \(written) before a.t then notify delay \(written)"))
        #expect(output.contains("  when \(printed) before a.t\n"))
        #expect(output.contains("    notify delay \(printed)\n"))
    }

    @Test func bareWindowsGetAnAmount() throws {
        let output = try #require(formatted("rule r once per a every day limit 5 per hour when a created then notify"))
        #expect(output.contains("  once per a every 1 day\n  limit 5 per 1 hour\n"))
    }

    @Test func numbersStayAsWritten() throws {
        let output = try #require(formatted("rule r when a created if a.x = 007.50 and a.y = -3 then notify"))
        #expect(output.contains("  if a.x = 007.50 and a.y = -3\n"))
    }

    /// A trigger subject that starts with a duration must keep its parentheses, or it reads as a timer.
    @Test func triggerSubjectStartingWithADuration() throws {
        let input = "rule r when (2 days + a.d) reaches a.e or (1 hour).x changes then notify"
        let output = try #require(formatted(input))
        #expect(output.contains("  when (2 days + a.d) reaches a.e or (1 hour.x) changes\n"))
        expectCanonical(input: input, output: output)
    }

    // MARK: Layout

    @Test func layoutOfAShortRule() throws {
        let output = try #require(formatted("rule   r\n\"d\"  priority  high when a created if a.x=1 then notify message:\"m\" update a set x=1"))
        #expect(output == """
            rule r "d"
              priority high
              when a created
              if a.x = 1
              then
                notify message: "m"
                update a set x = 1

            """)
    }

    @Test func rulesAreSeparatedByOneBlankLine() throws {
        let output = try #require(formatted("rule a when a created then notify\n\n\n\nrule b when b created then notify"))
        #expect(output == "rule a\n  when a created\n  then\n    notify\n\nrule b\n  when b created\n  then\n    notify\n")
    }

    @Test func longActionsBreakOneArgumentPerLine() throws {
        let long = String(repeating: "x", count: 80)
        let output = try #require(formatted("rule r when a created then send_sms to: a.phone, body: \"\(long)\" delay 2 hours"))
        #expect(output.hasSuffix("""
                send_sms to: a.phone,
                  body: "\(long)" delay 2 hours

            """))
    }

    @Test func linesAtTheLimitStayWhole() throws {
        // `    notify message: "…"` is exactly 100 columns, counted in characters.
        let fits = String(repeating: "é", count: 100 - 4 - 18)
        let output = try #require(formatted("rule r when a created then notify message: \"\(fits)\", user_id: a.x"))
        #expect(output.contains("notify message: \"\(fits)\",\n      user_id: a.x"))
        let exactly = try #require(formatted("rule r when a created then notify message: \"\(fits)\""))
        #expect(exactly.contains("    notify message: \"\(fits)\"\n"))
    }

    @Test func crlfInputBecomesLF() throws {
        let input = "# c\r\nrule r\r\n  when a created # t\r\n  then\r\n    notify\r\n"
        let output = try #require(formatted(input))
        #expect(output == "# c\nrule r\n  when a created  # t\n  then\n    notify\n")
    }

    // MARK: Comments

    @Test func headerBlankLineIsKeptOnlyIfPresent() throws {
        #expect(formatted("# h\n\nrule r when a created then notify") == "# h\n\nrule r\n  when a created\n  then\n    notify\n")
        #expect(formatted("# h\nrule r when a created then notify") == "# h\nrule r\n  when a created\n  then\n    notify\n")
    }

    @Test func severalTrailingCommentsOnOneLineKeepTheirOrder() throws {
        let input = "rule r\n  when a created\n  then\n    notify message: \"m\", # one\n      user_id: a.x # two\n"
        let output = try #require(formatted(input))
        #expect(output.hasSuffix("    # one\n    notify message: \"m\", user_id: a.x  # two\n"))
        expectCanonical(input: input, output: output)
    }

    @Test func commentInsideAnExpressionMovesBeforeItsClause() throws {
        let input = "rule r\n  when a created\n  if count(a.m\n    # only inbound\n    where a.m.x = 1) > 2\n  then notify\n"
        let output = try #require(formatted(input))
        #expect(output.contains("  # only inbound\n  if count(a.m where a.m.x = 1) > 2\n"))
        expectCanonical(input: input, output: output)
    }

    /// A comment inserted anywhere between tokens of a golden input (trailing, or on a line of its
    /// own) is kept exactly once, and the output stays faithful and idempotent.
    @Test(arguments: FormatterGolden.names)
    func commentsInsertedAnywhere(_ name: String) throws {
        let input = try FormatterGolden.read(name, "input.crmrule")
        let base = tree(input)
        let bytes = Array(input.utf8)
        var n = 0
        for p in 0...bytes.count where p == bytes.count || bytes[p] == UInt8(ascii: " ") || bytes[p] == UInt8(ascii: "\n") {
            n += 1
            guard n % 8 == 0 else { continue } // a sample keeps the debug build fast
            for insert in [" # inserted \(n)\n", "\n# inserted \(n)\n"] {
                let mutated = String(decoding: bytes[..<p] + Array(insert.utf8) + bytes[p...], as: UTF8.self)
                // A line break may end a duration or an action; only insertions that keep the tree count.
                guard tree(mutated) == base else { continue }
                guard let output = formatted(mutated) else { continue }
                #expect(output.components(separatedBy: "# inserted \(n)\n").count == 2, "comment \(n) not kept exactly once:\n\(mutated)")
                expectCanonical(input: mutated, output: output)
            }
        }
    }

    @Test func commentsAtTheEndOfTheFileStayThere() throws {
        let output = try #require(formatted("rule r when a created then notify\n\n# bye\n"))
        #expect(output == "rule r\n  when a created\n  then\n    notify\n\n# bye\n")
    }

    // MARK: Edge files

    @Test func emptyFileStaysEmpty() {
        #expect(formatted("") == "")
        #expect(formatted("\n\n  \n") == "")
    }

    @Test func fileWithOnlyComments() {
        #expect(formatted("\n\n# a   \n\n\n# b\n\n") == "# a\n\n# b\n")
    }

    @Test(arguments: [
        "rule r when a created notify",                      // missing then
        "rule r when a created then notify message: \"abc",  // unterminated string
        "rule r when 3 fortnights after a.t then notify",   // unknown unit
        "rule r when a created if (a.x = 1 then notify",     // unclosed parenthesis
        "rule r when a created then notify message: \"{a.x\"", // unclosed template brace
        "notify",                                            // no rule
    ])
    func invalidFilesAreNotRewritten(_ input: String) {
        guard case .invalid(let diagnostics) = Formatter.format(SourceFile(path: "bad.crmrule", text: input)) else {
            Issue.record("expected .invalid for \(input)")
            return
        }
        #expect(!diagnostics.isEmpty)
        #expect(diagnostics.allSatisfy { $0.code.id.hasPrefix("R1") && $0.code != .formatterSelfCheck })
    }
}

// MARK: Random expressions

/// A small, seeded, platform-independent generator (SplitMix64).
private struct FormatterFuzzRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random expression in which every compound is parenthesised, so the parser's tree is the
/// generator's, whatever the operators' precedence.
private func randomExpression(_ rng: inout FormatterFuzzRNG, depth: Int) -> String {
    let leaves = ["a.x", "a.y.z", "1", "2.5", "true", "null", "now", "3 days", "\"t {a.x}\"", "[1, a.x]", "old(a.x)",
                  "count(m in a.ms where m.k = 1)", "lead"]
    if depth == 0 || Int.random(in: 0..<4, using: &rng) == 0 {
        return leaves.randomElement(using: &rng)!
    }
    func sub() -> String { "(" + randomExpression(&rng, depth: depth - 1) + ")" }
    switch Int.random(in: 0..<8, using: &rng) {
    case 0: return "not " + sub()
    case 1: return "-" + sub()
    case 2: return sub() + (Bool.random(using: &rng) ? " is null" : " is not empty")
    case 3: return sub() + (Bool.random(using: &rng) ? " in " : " not in ") + sub()
    case 4: return "coalesce(" + randomExpression(&rng, depth: depth - 1) + ", " + randomExpression(&rng, depth: depth - 1) + ")"
    case 5: return "\"<{" + randomExpression(&rng, depth: depth - 1) + "}>\""
    default:
        let ops = ["or", "and", "=", "!=", "<", "<=", ">", ">=", "contains", "starts with", "ends with", "+", "-", "*", "/"]
        return sub() + " " + ops.randomElement(using: &rng)! + " " + sub()
    }
}
