import Foundation
import RulecDiagnostics
import RulecDriver
import RulecInterpreter
import Testing

struct TestCommandTests {
    let failing = """
        name: expects a notify
        now: 2026-11-24T09:00:00Z
        given: {contact: [{id: c1, workspace_id: w1, first_name: Ana, phone: "+15550001", status: lead}]}
        events: [{update: contact, id: c1, set: {status: customer}}]
        expect: [{action: notify}]
        """

    @Test func passingDirectoryExitsZero() throws {
        let dir = try makeDirectory(["rules/welcome.crmrule": welcomeRules, "tests/welcome.test.yaml": languageExampleScenario])
        let out = TestCommand(paths: [dir]).run()
        #expect(out.status == .ok, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.hasPrefix("PASS welcome sms on conversion ("))
        #expect(out.stdout.hasSuffix("\n1 passed, 0 failed\n"))
    }

    @Test func failingScenarioExitsThree() throws {
        let dir = try makeDirectory(["a.crmrule": welcomeRules, "ok.test.yaml": languageExampleScenario, "bad.test.yaml": failing])
        let out = TestCommand(paths: [dir]).run()
        #expect(out.status == .testsFailed)
        #expect(out.stdout.contains("FAIL expects a notify ("))
        #expect(out.stdout.contains("    job 1: action: expected notify, got send_sms\n"))
        #expect(out.stdout.split(separator: "\n").last == "1 passed, 1 failed")
    }

    @Test func filterSelectsByName() throws {
        let dir = try makeDirectory(["a.crmrule": welcomeRules, "ok.test.yaml": languageExampleScenario, "bad.test.yaml": failing])
        let out = TestCommand(paths: [dir], filter: "WELCOME").run()
        #expect(out.status == .ok)
        #expect(out.stdout.hasSuffix("1 passed, 0 failed\n"))
    }

    @Test func invalidTestFileExitsOneWithPosition() throws {
        let dir = try makeDirectory(["a.crmrule": welcomeRules, "x.test.yaml": "now: 2026-11-24T09:00:00Z\ngiven: {contact: [{id: c1, staus: lead}]}\n"])
        let out = TestCommand(paths: [dir]).run()
        #expect(out.status == .inputErrors)
        #expect(out.stderr.contains("error[R5006]: entity `contact` has no field `staus`"))
        #expect(out.stderr.contains("x.test.yaml:2:28"))
        #expect(out.stdout.hasSuffix("0 passed, 1 failed\n"), "a scenario that cannot be read counts as failed")
    }

    @Test func unreadableScenariosOfAListCountAsFailed() throws {
        let list = "- " + languageExampleScenario.replacingOccurrences(of: "\n", with: "\n  ") + "\n- 42\n- {name: typo, now: 2026-11-24T09:00:00Z, expect: [{status: pendng}]}\n"
        let dir = try makeDirectory(["a.crmrule": welcomeRules, "x.test.yaml": list])
        let out = TestCommand(paths: [dir]).run()
        #expect(out.status == .inputErrors)
        #expect(out.stdout.hasSuffix("1 passed, 2 failed\n"), "\(out.stdout)\(out.stderr)")
    }

    @Test func scenariosWithErrorsAreListedInPlaceAndFilteredByName() throws {
        let list = "- " + languageExampleScenario.replacingOccurrences(of: "\n", with: "\n  ")
            + "\n- {name: clock runs back, now: 2026-11-24T09:00:00Z, events: [{advance: 2026-11-23T09:00:00Z}]}\n"
        let dir = try makeDirectory(["a.crmrule": welcomeRules, "x.test.yaml": list])
        let all = TestCommand(paths: [dir]).run()
        #expect(all.status == .inputErrors)
        let lines = all.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(all.stdout)")
        #expect(lines.first?.hasPrefix("PASS welcome sms on conversion (") == true)
        let secondLine = list[..<list.range(of: "- {name: clock")!.lowerBound].filter { $0 == "\n" }.count + 1
        #expect(lines.dropFirst().first?.hasPrefix("ERROR clock runs back (") == true, "\(all.stdout)")
        #expect(lines.dropFirst().first?.hasSuffix("x.test.yaml:\(secondLine))") == true, "\(all.stdout)")
        #expect(lines.dropFirst(2).first?.contains("before the clock") == true)
        #expect(lines.last == "1 passed, 1 failed")
        #expect(all.stderr.contains("error[R5013]"))

        let filtered = TestCommand(paths: [dir], filter: "welcome").run()
        #expect(filtered.status == .ok, "a scenario left out by --filter is not reported: \(filtered.stdout)\(filtered.stderr)")
        #expect(filtered.stdout.hasSuffix("\n1 passed, 0 failed\n"))
        #expect(!filtered.stderr.contains("R5013"))
    }

    @Test func aTestFileThatCannotBeReadHasAnErrorLineWhateverTheFilter() throws {
        var bomb = "name: bomb\nnow: 2026-11-24T09:00:00Z\nsettings:\n  w1:\n    welcome_new_customer:\n      params:\n        a0: &l0 [x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "        a\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: 9).joined(separator: ", ") + "]\n" }
        let dir = try makeDirectory(["a.crmrule": welcomeRules, "ok.test.yaml": languageExampleScenario,
                                     "broken.test.yaml": "events: [\n", "bomb.test.yaml": bomb])
        let out = TestCommand(paths: [dir], filter: "welcome").run()
        #expect(out.status == .inputErrors)
        #expect(out.stdout.contains("ERROR broken ("), "\(out.stdout)")
        #expect(out.stdout.contains("ERROR bomb ("), "\(out.stdout)")
        #expect(out.stderr.contains("error[R5014]: the test file has more than 200000 YAML nodes"), "an alias bomb is refused, not expanded")
        #expect(out.stdout.hasSuffix("\n1 passed, 2 failed\n"), "\(out.stdout)")
    }

    @Test("a listed null matches an optional param left out; a list given to a json param matches as JSON")
    func paramMatching() throws {
        let rules = """
            rule hook
              when contact created
              then
                webhook url: "https://example.com/h", body: contact.tags
                notify message: "new {contact.first_name}"
            """
        let scenario = """
            name: params
            now: 2026-11-24T09:00:00Z
            events: [{insert: contact, row: {id: c1, workspace_id: w1, first_name: Ana, status: lead, tags: [p, q]}}]
            expect:
              - {rule: hook, action: webhook, params: {url: "https://example.com/h", body: [p, q]}}
              - {rule: hook, action: notify, params: {message: new Ana, user_id: null}}
            """
        let dir = try makeDirectory(["a.crmrule": rules, "a.test.yaml": scenario])
        let out = TestCommand(paths: [dir]).run()
        #expect(out.status == .ok, "\(out.stdout)\(out.stderr)")
        let wrong = scenario.replacingOccurrences(of: "body: [p, q]", with: "body: [q, p]").replacingOccurrences(of: "user_id: null", with: "user_id: u1")
        let bad = try makeDirectory(["a.crmrule": rules, "a.test.yaml": wrong])
        let failed = TestCommand(paths: [bad]).run()
        #expect(failed.status == .testsFailed)
        #expect(failed.stdout.contains("params.body: expected [\"q\",\"p\"], got [\"p\",\"q\"]"), "\(failed.stdout)")
        #expect(failed.stdout.contains("params.user_id: expected \"u1\", the job has no param `user_id`"), "\(failed.stdout)")
    }

    @Test func invalidRulesExitOne() throws {
        let dir = try makeDirectory(["a.crmrule": "rule r when contact.nope changes then notify message: \"x\"\n", "x.test.yaml": languageExampleScenario])
        #expect(TestCommand(paths: [dir]).run().status == .inputErrors)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(TestCommand(paths: ["/nonexistent/rulec"]).run().status == .usage)
        let noTests = try makeDirectory(["a.crmrule": welcomeRules])
        #expect(TestCommand(paths: [noTests]).run().status == .usage)
    }

    @Test func rulesOptionAndJSONFormat() throws {
        let rules = try makeDirectory(["a.crmrule": welcomeRules])
        let tests = try makeDirectory(["ok.test.yaml": languageExampleScenario, "ignored.crmrule": "this is not a rule"])
        let out = TestCommand(paths: [tests], rulesPaths: [rules], format: .json).run()
        #expect(out.status == .ok, "\(out.stderr)")
        let line = try #require(out.stdout.split(separator: "\n").first)
        #expect(line.hasPrefix(#"{"name":"welcome sms on conversion","file":"#))
        #expect(line.contains(#""status":"pass","failures":[]"#))
        #expect(out.stderr.hasSuffix("1 passed, 0 failed\n"))
    }
}

struct RunCommandTests {
    func line(_ type: String, _ record: String?, old: String? = nil, at: String = "2026-11-24T10:00:00Z", table: String = "contacts") -> String {
        #"{"type":"\#(type)","table":"\#(table)","schema":"public","record":\#(record ?? "null"),"old_record":\#(old ?? "null"),"commit_timestamp":"\#(at)"}"#
    }

    /// A line that would leave a row without its tenant is refused (jobs always carry the tenant);
    /// a delete of a row the run holds needs only the key, as Supabase sends it by default.
    @Test func aRecordWithNullInAColumnThatCannotBeNullIsRefused() throws {
        let dir = try makeDirectory(["r.crmrule": "rule hi\n  when contact updated\n  then notify message: \"hi {contact.first_name}\"\n"])
        let out = RunCommand(paths: [dir]).run(text: [
            line("INSERT", #"{"id":"c1","workspace_id":"w1","first_name":null,"status":"lead"}"#),
            line("INSERT", #"{"id":"c1","workspace_id":"w1","first_name":"Ana","status":"lead"}"#),
            // old_record may lack values (no REPLICA IDENTITY FULL): accepted.
            line("UPDATE", #"{"id":"c1","workspace_id":"w1","first_name":"Bea","status":"lead"}"#, old: #"{"id":"c1","workspace_id":null,"first_name":null,"status":null}"#),
        ].joined(separator: "\n") + "\n")
        #expect(out.status == .ok)
        #expect(out.stderr.contains("<input>:1: error[R5015]: `record.first_name` is null, but `contact.first_name` cannot be null"), "\(out.stderr)")
        #expect(out.stdout.split(separator: "\n").count == 1 && out.stdout.contains("hi Bea"), "\(out.stdout)")
        #expect(out.stderr.contains("1 malformed"))
    }

    @Test func linesWithoutATenantAreRefused() throws {
        let dir = try makeDirectory(["r.crmrule": "rule gone\n  when contact deleted\n  then notify message: \"gone\"\n"])
        let ana = #"{"id":"c1","workspace_id":"w1","first_name":"Ana","status":"lead"}"#
        let out = RunCommand(paths: [dir]).run(text: [
            line("INSERT", ana),
            line("INSERT", #"{"id":"c2","first_name":"Bo","status":"lead"}"#),
            line("UPDATE", #"{"id":"c1","workspace_id":null,"first_name":"Ana","status":"lead"}"#),
            line("DELETE", nil, old: #"{"id":"c4"}"#),
            line("DELETE", nil, old: #"{"id":"c1"}"#),
        ].joined(separator: "\n") + "\n")
        #expect(out.status == .ok)
        #expect(out.stdout.split(separator: "\n").count == 1)
        #expect(out.stdout.hasPrefix(#"{"workspace_id":"w1","rule":"gone""#), "\(out.stdout)")
        let errors = out.stderr.split(separator: "\n").map(String.init)
        #expect(errors.contains("<input>:2: error[R5012]: the INSERT of `contact` `c2` was refused: its tenant key `workspace_id` is missing or null"))
        #expect(errors.contains("<input>:3: error[R5012]: the UPDATE of `contact` `c1` was refused: its tenant key `workspace_id` is missing or null"))
        #expect(errors.contains { $0.hasPrefix("<input>:4: error[R5012]: the DELETE of `contact` `c4` was refused") && $0.contains("REPLICA IDENTITY FULL") })
        #expect(errors.last == "rulec run: 5 lines, 2 events, 1 job (pending 1), 0 malformed, 3 refused")
    }

    /// With `--format json`, stderr is JSON too: line errors in the diagnostics' keys, the summary.
    @Test func jsonFormatForLineErrorsAndSummary() throws {
        let dir = try makeDirectory(["r.crmrule": "rule gone\n  when contact deleted\n  then notify message: \"gone\"\n"])
        let out = RunCommand(paths: [dir], renderer: DiagnosticRenderer(format: .json, color: false)).run(text: "xx\n")
        #expect(out.status == .ok)
        #expect(out.stderr.split(separator: "\n").map(String.init) == [
            #"{"code":"R5015","severity":"error","file":"<input>","line":1,"message":"malformed JSON: unexpected character at byte 1"}"#,
            #"{"summary":{"lines":1,"events":0,"jobs":{},"malformed":1,"refused":0}}"#,
        ])
    }

    /// `--explain`: each line's changes, the rules considered, and why each fired or not.
    @Test func explainSaysWhyEachRuleFiredOrNot() throws {
        let dir = try makeDirectory(["r.crmrule": """
            rule vip
              when contact.status changes to customer
              if contact.score > 50
              then notify message: "vip"

            rule touched
              when contact updated
              then notify message: "touched"
            """])
        let lead = #"{"id":"c1","workspace_id":"w1","first_name":"Ana","status":"lead","score":10}"#
        let customer = #"{"id":"c1","workspace_id":"w1","first_name":"Ana","status":"customer","score":10}"#
        var command = RunCommand(paths: [dir])
        command.explain = true
        let out = command.run(text: [line("INSERT", lead), line("UPDATE", customer, old: lead, at: "2026-11-24T10:01:00Z")].joined(separator: "\n") + "\n")
        #expect(out.status == .ok)
        #expect(out.stdout.split(separator: "\n").count == 1, "only `touched` fires: \(out.stdout)")
        let explained = out.stderr.split(separator: "\n").map(String.init)
        #expect(explained.contains("<input>:1:"))
        #expect(explained.contains("    no rule watches this change"))
        #expect(explained.contains("    rule touched: trigger matched (updated)"))
        #expect(explained.contains("      touched: fired: 1 record"))
        #expect(explained.contains(#"    rule vip: trigger matched (status: "lead" → "customer")"#))
        #expect(explained.contains("      vip: condition is false: not fired"))
    }

    @Test func malformedLinesAreReportedAndTheRestProcessed() throws {
        let dir = try makeDirectory(["a.crmrule": welcomeRules])
        let lead = #"{"id":"c1","workspace_id":"w1","first_name":"Ana","phone":"+15550001","status":"lead","score":null}"#
        let customer = #"{"id":"c1","workspace_id":"w1","first_name":"Ana","phone":"+15550001","status":"customer","extra_column":1}"#
        let lead2 = #"{"id":"c2","workspace_id":"w2","first_name":"Bo","phone":"+15550002","status":"lead"}"#
        let customer2 = #"{"id":"c2","workspace_id":"w2","first_name":"Bo","phone":"+15550002","status":"customer"}"#
        let input = [
            line("UPDATE", customer, old: lead),              // the world does not hold c1: seeded from old_record
            "this is not json",
            line("UPDATE", customer, table: "contactz"),
            "",
            #"{"type":"INSERT","table":"contacts","schema":"crm","record":{"id":"c9"}}"#,
            line("INSERT", lead2, at: "2026-11-24T10:01:00Z"),
            #"{"type":"INSERT","table":"contacts","record":{"id":"c3","status":"lead","score":"many"}}"#,
            line("UPDATE", customer2, old: lead2, at: "2026-11-24T10:02:00Z"),
        ].joined(separator: "\n") + "\n"
        let out = RunCommand(paths: [dir]).run(text: input)
        #expect(out.status == .ok)
        let jobs = out.stdout.split(separator: "\n")
        #expect(jobs.count == 2, "\(out.stdout)\(out.stderr)")
        #expect(jobs.first?.hasPrefix(#"{"workspace_id":"w1","rule":"welcome_new_customer","action":"send_sms","entity":"contact","entity_id":"c1","params":{"to":"+15550001","body":"Welcome to our service, Ana!"},"status":"pending","run_at":"2026-11-24T10:00:00Z","priority":"normal","idempotency_key":"#) == true)
        #expect(jobs.last?.contains(#""entity_id":"c2""#) == true)
        let errors = out.stderr.split(separator: "\n")
        #expect(errors.count == 5, "\(out.stderr)")
        #expect(errors[0].hasPrefix("<input>:2: error[R5015]: malformed JSON"))
        #expect(errors[1] == "<input>:3: error[R5016]: no entity of the schema has the table `public.contactz`; did you mean `public.contacts`?")
        #expect(errors[2] == "<input>:5: error[R5016]: no entity of the schema has the table `crm.contacts`; the schema's entity `contact` is `public.contacts` (if the table lives in `crm`, write `db_schema: crm` for it in the schema)")
        #expect(errors[3] == "<input>:7: error[R5015]: `record.score`: expected an int, found `many`")
        #expect(errors[4] == "rulec run: 8 lines, 3 events, 2 jobs (pending 2), 4 malformed, 0 refused")
    }

    @Test("columns no rule reads are validated as before: the same lines are refused, the same jobs made")
    func unreadColumnsAreStillValidated() throws {
        let (program, _) = try checkedProgram()
        let position = try #require(program.schema.entities.firstIndex { $0.name == "contact" })
        let fields = program.schema.entities[position].fields.map(\.name)
        let read = ReadColumns.of(program)[position]
        let readNames = Set(zip(fields, read).filter(\.1).map(\.0))
        #expect(readNames.isSuperset(of: ["id", "workspace_id", "first_name", "phone", "status"]))
        #expect(!readNames.contains("email") && !readNames.contains("score") && !readNames.contains("created_at"))

        let dir = try makeDirectory(["a.crmrule": welcomeRules])
        func contact(_ id: String, _ status: String, _ extra: String) -> String {
            #"{"id":"\#(id)","workspace_id":"w1","first_name":"Ana","phone":"+1555","status":"\#(status)",\#(extra)}"#
        }
        let input = [
            line("INSERT", contact("c1", "lead", #""email":{"a":1}"#)),                        // not a text
            line("INSERT", contact("c2", "lead", #""created_at":"yesterday""#)),                 // not a timestamp
            line("INSERT", contact("c3", "lead", #""score":1.5"#)),                              // not an int
            line("INSERT", contact("c4", "lead", "\"source\":\"a\u{1}b\"")),                  // a control byte
            line("INSERT", contact("c5", "lead", #""email":"a\u00e9@x","score":7,"tags":["x"]"#)),
            line("UPDATE", contact("c5", "customer", #""email":"b@x","created_at":"2026-11-01T00:00:00Z""#),
                 old: contact("c5", "lead", #""score":"many""#)),                                  // old_record checked too
            line("UPDATE", contact("c5", "customer", #""email":"b@x""#), old: contact("c5", "lead", #""email":"b@x""#)),
            line("INSERT", contact("c6", "lead", #""email":"c@x","score":3"#)),
            line("UPDATE", contact("c6", "customer", #""email":"d@x","score":4"#), old: contact("c6", "lead", #""score":3"#)),
        ].joined(separator: "\n") + "\n"
        // Invalid UTF-8 in a column no rule reads refuses the line, as when every column was made.
        var bytes = Array((input + line("INSERT", contact("c7", "lead", #""source":"X""#)) + "\n").utf8)
        bytes[bytes.count - 1 - bytes.reversed().firstIndex(of: 0x58)!] = 0xFF
        let path = dir + "/events.jsonl"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        var out = CommandOutput()
        out.status = RunCommand(paths: [dir + "/a.crmrule"], input: path).run(writeJob: { out.stdout += $0 }, writeError: { out.stderr += $0 })
        let errors = out.stderr.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(errors == ["\(path):1:", "\(path):2:", "\(path):3:", "\(path):4:", "\(path):6:", "\(path):10:", "rulec"], "\(out.stderr)")
        #expect(out.stderr.hasSuffix("rulec run: 10 lines, 4 events, 2 jobs (pending 2), 6 malformed, 0 refused\n"), "\(out.stderr)")
        #expect(out.stdout.split(separator: "\n").first?.contains(#""entity_id":"c5","params":{"to":"+1555","body":"Welcome to our service, Ana!"}"#) == true)
    }

    @Test func invalidRulesExitOne() throws {
        let dir = try makeDirectory(["a.crmrule": "rule r when nope created then notify message: \"x\"\n"])
        let out = RunCommand(paths: [dir]).run(text: "")
        #expect(out.status == .inputErrors)
    }

    @Test func unreadableInputIsAUsageError() throws {
        let dir = try makeDirectory(["a.crmrule": welcomeRules])
        var err = ""
        let status = RunCommand(paths: [dir], input: "/nonexistent/events.jsonl").run(writeJob: { _ in }, writeError: { err += $0 })
        #expect(status == .usage)
        #expect(err.contains("/nonexistent/events.jsonl"))
    }

    @Test func readsAFileLineByLine() throws {
        let dir = try makeDirectory(["a.crmrule": welcomeRules,
                                     "events.jsonl": line("DELETE", nil, old: #"{"id":"c9","workspace_id":"w1"}"#) + "\r\n{\n"])
        var jobs = "", err = ""
        let status = RunCommand(paths: [dir + "/a.crmrule"], input: dir + "/events.jsonl").run(writeJob: { jobs += $0 }, writeError: { err += $0 })
        #expect(status == .ok)
        #expect(jobs.isEmpty)
        #expect(err.contains(":2: error[R5015]"))
        // The DELETE of a row the world never held: seeded from `old_record`, then deleted.
        #expect(err.hasSuffix("rulec run: 2 lines, 1 event, 0 jobs, 1 malformed, 0 refused\n"))
    }
}

struct CompileCommandTests {
    /// `--migrations-dir` names the file by the time, as Supabase's migrations folder expects, and
    /// never writes over another migration, even one written in the same second.
    @Test func migrationsInOneSecondGetTheirOwnFiles() throws {
        let rules = try makeDirectory(["a.crmrule": "rule a\n  when contact created\n  then notify message: \"a\"\n"])
        let changed = try makeDirectory(["b.crmrule": "rule b\n  when contact created\n  then notify message: \"b\"\n"])
        let dir = try makeDirectory([:])
        let now = Date(timeIntervalSince1970: 1_795_510_800)  // 2026-11-24T09:00:00Z
        #expect(CompileCommand(paths: [rules], migrationsDir: dir, now: now).run().status == .ok)
        #expect(CompileCommand(paths: [changed], migrationsDir: dir, now: now).run().status == .ok)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["20261124090000_rulec.sql", "20261124090001_rulec.sql"])
        let first = try String(contentsOfFile: (dir as NSString).appendingPathComponent(files[0]), encoding: .utf8)
        let second = try String(contentsOfFile: (dir as NSString).appendingPathComponent(files[1]), encoding: .utf8)
        #expect(first.contains("rule_a") && second.contains("rule_b"))
    }
}
