import Testing
import RulecDiagnostics
import RulecSyntax

/// The parser on its own: trees as S-expressions, diagnostics by their parts, the renderer by exact text.
struct ParserTests {
    func parse(_ text: String) -> (RuleFile, [Diagnostic], SourceManager) {
        let sources = SourceManager()
        let file = SourceFile(path: "test.crmrule", text: text)
        sources.add(file)
        let (tree, diagnostics, _) = Parser.parse(file, fileIndex: 0)
        return (tree, Diagnostic.sorted(diagnostics), sources)
    }

    func position(_ d: Diagnostic, _ sources: SourceManager) -> String {
        let f = sources[d.range!.file]
        let (l, c) = f.lineAndColumn(of: d.range!.start)
        return "\(d.code.id)@\(l):\(c)"
    }

    /// Issue 2's "Done when": five independent mistakes, one precise diagnostic each, in one run.
    @Test func fiveIndependentErrorsEachReportedOnceAtTheRightPlace() {
        let (_, diagnostics, sources) = parse("""
            rule missing_then
              when contact created
                notify message: "hi"

            rule unterminated
              when contact created
              then notify message: "oops

            rule bad_unit
              when 3 fortnights after contact.created_at
              then notify message: "x"

            rule unclosed_paren
              when contact created
              if (contact.score > 5 and contact.status = lead
              then notify message: "x"

            rule unclosed_brace
              when contact created
              then notify message: "Hi {contact.first_name"
            """)
        #expect(diagnostics.map { position($0, sources) } == ["R1011@3:5", "R1003@7:24", "R1012@10:10", "R1013@15:6", "R1005@20:28"])
        #expect(diagnostics.allSatisfy { $0.severity == .error && $0.help != nil })
    }

    @Test func expressionsFollowPrecedence() {
        let (file, diagnostics, _) = parse("""
            rule r
              when contact updated
              if not a.x = 1 or b.y in [1, 2] and -c.z * 2 + 3 >= 4 and d.s starts with "x" and e.t is not null
              then notify message: "{contact.first_name} {{literal}}"
            """)
        #expect(diagnostics.isEmpty)
        let dump = ASTDump(ranges: false).dump(file)
        #expect(dump.contains("(if (or (not (= (. a x) 1)) (and (and (and (in (. b y) (list 1 2)) (>= (+ (* (- (. c z)) 2) 3) 4)) (starts with (. d s) \"x\")) (is-not-null (. e t)))))"))
        #expect(dump.contains("(template (. contact first_name) \" {literal}\")"))
    }

    @Test func everyTriggerFormParses() {
        let (file, diagnostics, _) = parse("""
            rule r
              when contact created or contact.status changes from lead to customer
                or contact meets contact.score > 3 or count(contact.messages where message.direction = inbound) reaches 5
                or 24 hours before contact.created_at
              then notify message: "x" delay 5 minutes
            """)
        #expect(diagnostics.isEmpty)
        let dump = ASTDump(ranges: false).dump(file)
        for form in ["(created contact)", "(changes (. contact status) (from lead) (to customer))", "(meets contact (> (. contact score) 3))",
                     "(reaches (count (. contact messages) (where (= (. message direction) inbound))) 5)",
                     "(before (duration 24 hours) (. contact created_at))", "(delay (duration 5 minutes))"] {
            #expect(dump.contains(form), "\(form) in \(dump)")
        }
    }

    @Test func comparisonsDoNotChain() {
        let (_, diagnostics, sources) = parse("rule r\n  when contact created\n  if contact.score < 1 < 2\n  then notify message: \"x\"\n")
        #expect(diagnostics.map { position($0, sources) } == ["R1020@3:24"])
    }

    @Test func deepNestingIsRefusedWithOneDiagnostic() {
        let deep = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        let (_, diagnostics, _) = parse("rule r\n  when contact created\n  if \(deep) = 1\n  then notify message: \"x\"\n")
        #expect(diagnostics.filter { $0.code == .nestingTooDeep }.count == 1)
    }

    @Test func commentsInsideInterpolationsAreErrors() {
        let (_, diagnostics, sources) = parse("rule r\n  when contact created\n  then notify message: \"x {contact.id # hidden}\"\n")
        #expect(diagnostics.map { position($0, sources) } == ["R1024@3:39"])
    }

    @Test func clausesOutOfOrderWarn() {
        let (_, diagnostics, sources) = parse("rule r\n  when contact created\n  priority high\n  then notify message: \"x\"\n")
        #expect(diagnostics.map { position($0, sources) } == ["R1025@3:3"])
        #expect(diagnostics.first?.severity == .warning)
    }

    @Test func invalidUTF8IsOneDiagnostic() {
        let sources = SourceManager()
        let file = SourceFile(path: "bad.crmrule", bytes: Array("rule r\n  when contact created\n".utf8) + [0xFF, 0xFE])
        sources.add(file)
        let (_, diagnostics, _) = Parser.parse(file, fileIndex: 0)
        #expect(diagnostics.map { position($0, sources) } == ["R1001@3:1"])
    }

    @Test func rendererPrintsRustcStyleTextAndJSON() {
        let (_, diagnostics, sources) = parse("rule r\n  when 3 hrs after contact.created_at\n  then notify message: \"x\"\n")
        let text = DiagnosticRenderer().render(diagnostics, sources: sources)
        #expect(text == """
            error[R1012]: unknown duration unit `hrs`
             --> test.crmrule:2:10
              |
            2 |   when 3 hrs after contact.created_at
              |          ^^^
              = help: use `seconds`, `minutes`, `hours`, `days` or `weeks`; did you mean `hours`?


            """)
        let json = DiagnosticRenderer(format: .json).render(diagnostics, sources: sources)
        #expect(json == #"{"code":"R1012","severity":"error","file":"test.crmrule","line":2,"column":10,"end_line":2,"end_column":13,"message":"unknown duration unit `hrs`","help":"use `seconds`, `minutes`, `hours`, `days` or `weeks`; did you mean `hours`?"}"# + "\n")
    }

    @Test func columnsCountCharactersNotBytes() {
        let (_, diagnostics, sources) = parse("rule r\n  when contact created\n  then notify message: \"Müller\" ~\n")
        #expect(diagnostics.map { position($0, sources) } == ["R1002@3:33"])
    }
}
