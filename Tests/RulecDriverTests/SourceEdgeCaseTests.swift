import RulecDriver
import Testing

/// Rule files as editors and typos leave them: what `rulec check` and `rulec test` make of them.
struct SourceEdgeCaseTests {
    let rule = "rule hello\n  when contact created\n  then notify message: \"hi\"\n"
    let scenario = """
        name: hello fires
        now: 2026-11-24T09:00:00Z
        events: [{insert: contact, row: {id: c1, workspace_id: w1, first_name: Ana, status: lead}}]
        expect: [{rule: hello, params: {message: hi}}]
        """

    @Test("a UTF-8 byte order mark at the start of a file is skipped, and columns count after it")
    func byteOrderMark() throws {
        let dir = try makeDirectory(["a.crmrule": "\u{FEFF}" + rule, "b.crmrule": "\u{FEFF}rule oops\n  when contact.nope changes\n  then notify message: \"x\"\n"])
        let out = CheckCommand(paths: [dir]).run()
        #expect(out.status == .inputErrors)
        #expect(!out.stderr.contains("R1002"), "\(out.stderr)")
        #expect(out.stderr.contains("b.crmrule:2:16"), "the unknown field, counted from after the mark: \(out.stderr)")
        let clean = try makeDirectory(["a.crmrule": "\u{FEFF}" + rule])
        #expect(CheckCommand(paths: [clean]).run().status == .ok)
    }

    @Test("a syntax error the parser recovers from still fails check and test; no scenario runs")
    func recoveredSyntaxError() throws {
        let dir = try makeDirectory(["a.crmrule": rule + "@\n" + rule.replacingOccurrences(of: "hello", with: "other"), "a.test.yaml": scenario])
        let check = CheckCommand(paths: [dir]).run()
        #expect(check.status == .inputErrors)
        #expect(check.stderr.contains("error[R1002]"), "\(check.stderr)")
        let test = TestCommand(paths: [dir]).run()
        #expect(test.status == .inputErrors)
        #expect(!test.stdout.contains("PASS"), "\(test.stdout)")
    }

    @Test("`\\u{0}` is refused: PostgreSQL text cannot hold NUL")
    func nulEscape() throws {
        let dir = try makeDirectory(["a.crmrule": "rule z\n  when contact created\n  then notify message: \"a\\u{0}b\"\n"])
        let out = CheckCommand(paths: [dir]).run()
        #expect(out.status == .inputErrors)
        #expect(out.stderr.contains("error[R1004]"), "\(out.stderr)")
        #expect(out.stderr.contains("a.crmrule:3:26"), "\(out.stderr)")
    }

    @Test("a unicode escape with too many digits is one error naming the whole escape")
    func longUnicodeEscape() throws {
        let dir = try makeDirectory(["a.crmrule": "rule z\n  when contact created\n  then notify message: \"x\\u{0000000000000041}y\"\n"])
        let out = CheckCommand(paths: [dir]).run()
        #expect(out.status == .inputErrors)
        #expect(out.stderr.contains("invalid unicode escape `\\u{0000000000000041}`"), "\(out.stderr)")
        #expect(!out.stderr.contains("R1006"), "no unmatched `}` after it: \(out.stderr)")
    }
}
