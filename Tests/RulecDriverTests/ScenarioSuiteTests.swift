import Foundation
import RulecDriver
import Testing

/// The scenario suites of the repository, run on the interpreter through `rulec test` as a user
/// would: each directory of `tests/scenarios/` is one small program with its scenarios, and
/// `rules/` is the example automations with one scenario file per rule file (docs/testing.md,
/// "The scenario suites"). A failure prints the runner's own diff.
struct ScenarioSuiteTests {
    /// The repository root, found from this file (Tests/RulecDriverTests/ScenarioSuiteTests.swift).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let scenariosDirectory = root.appendingPathComponent("tests/scenarios")

    /// `tests/scenarios/differential/` holds scenarios of the interpreter/PostgreSQL differential test, which
    /// runs them itself (on both backends); it is not one of these suites.
    static let excluded: Set<String> = ["differential"]

    /// Every directory of tests/scenarios/ holding a program and scenarios, then rules/.
    static let suites: [String] = {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: scenariosDirectory.path)) ?? []
        var dirs = names.sorted().filter { !excluded.contains($0) }.map { scenariosDirectory.appendingPathComponent($0).path }
            .filter { hasFiles(in: $0, ending: ".crmrule") && hasFiles(in: $0, ending: ".test.yaml") }
        dirs.append(root.appendingPathComponent("rules").path)
        return dirs
    }()

    static func files(in dir: String, ending suffix: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }
    }

    static func hasFiles(in dir: String, ending suffix: String) -> Bool { !files(in: dir, ending: suffix).isEmpty }

    @Test(arguments: suites)
    func suitePasses(_ dir: String) {
        let schema = (dir as NSString).appendingPathComponent("schema.yaml")
        let out = TestCommand(paths: [dir], schemaPath: FileManager.default.fileExists(atPath: schema) ? schema : nil).run()
        let name = dir.hasPrefix(Self.root.path) ? String(dir.dropFirst(Self.root.path.count + 1)) : dir
        #expect(out.status == .ok, "\(name):\n\(out.stdout)\(out.stderr)")
        #expect(out.stdout.hasSuffix(" 0 failed\n"), "\(name):\n\(out.stdout)")
    }

    @Test func thereAreEnoughScenarios() {
        let count = Self.files(in: Self.scenariosDirectory.path, ending: ".test.yaml").count
        #expect(count >= 40, "tests/scenarios holds \(count) scenario files")
        #expect(Self.suites.count >= 10)
    }

    /// LANGUAGE.md §9: a Supabase-shaped change stream with a malformed line and an unknown table
    /// among good ones; every good line's jobs come out (golden `expected.jsonl`), the bad lines
    /// are reported with their line numbers and counted, and `--until` fires the timers.
    @Test func eventStreamGolden() throws {
        let dir = Self.scenariosDirectory.appendingPathComponent("event-stream")
        var jobs: [String] = [], errors: [String] = []
        let status = RunCommand(paths: [dir.appendingPathComponent("rules.crmrule").path],
                                input: dir.appendingPathComponent("events.jsonl").path,
                                until: "2026-11-27T00:00:00Z")
            .run(writeJob: { jobs.append($0) }, writeError: { errors.append($0) })
        #expect(status == .ok)
        let expected = try String(contentsOf: dir.appendingPathComponent("expected.jsonl"), encoding: .utf8)
        let actual = jobs.joined().split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        #expect(actual == expected.split(separator: "\n", omittingEmptySubsequences: true).map(String.init))
        let stderr = errors.joined()
        #expect(stderr.contains("events.jsonl:2: error[R5015]"), "\(stderr)")
        #expect(stderr.contains("events.jsonl:3: error[R5016]"), "\(stderr)")
        #expect(stderr.contains("rulec run: 6 lines, 4 events, 5 jobs (pending 5), 2 malformed, 0 refused"), "\(stderr)")
    }

    /// Each automation file of rules/ has its scenario file next to it.
    @Test func everyRuleFileHasScenarios() {
        let rulesDir = Self.root.appendingPathComponent("rules").path
        for rule in Self.files(in: rulesDir, ending: ".crmrule") {
            let test = String(rule.dropLast(".crmrule".count)) + ".test.yaml"
            #expect(FileManager.default.fileExists(atPath: rulesDir + "/" + test), "rules/\(rule) has no rules/\(test)")
        }
    }
}
