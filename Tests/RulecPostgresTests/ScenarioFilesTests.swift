import Foundation
import RulecDiagnostics
import RulecDriver
import RulecInterpreter
import RulecPostgres
import RulecScenario
import RulecSemantics
import Testing

/// Every scenario file of the repository runs on both backends (LANGUAGE.md §8): each must pass on
/// the interpreter and on PostgreSQL, and the two must produce the same job records, field for
/// field, and the same rows of the entities the scenario checks.
@Suite struct ScenarioFilesTests {
    /// A directory of test files and the rules they run against.
    struct Group: CustomStringConvertible, Sendable {
        var directory: String
        var rulePaths: [String]
        var tests: [String]
        /// The directory's `schema.yaml` (a suite of its own schema); nil for the default schema.
        var schemaPath: String?
        var description: String { directory.replacingOccurrences(of: repositoryRoot + "/", with: "") }
    }

    /// Test files grouped by directory; the rules are the `.crmrule` files of that directory (and
    /// below), or of the nearest parent directory that has some.
    static func groups() -> [Group] {
        let fm = FileManager.default
        var byDirectory: [String: [String]] = [:]
        for root in ["rules", "tests/scenarios"] {
            let base = (repositoryRoot as NSString).appendingPathComponent(root)
            guard let walker = fm.enumerator(atPath: base) else { continue }
            for case let relative as String in walker where relative.hasSuffix(".test.yaml") {
                let path = (base as NSString).appendingPathComponent(relative)
                byDirectory[(path as NSString).deletingLastPathComponent, default: []].append(path)
            }
        }
        func rules(in dir: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".crmrule") }.sorted()
                .map { (dir as NSString).appendingPathComponent($0) }
        }
        return byDirectory.keys.sorted().compactMap { dir in
            var d = dir
            while rules(in: d).isEmpty, d.count > repositoryRoot.count { d = (d as NSString).deletingLastPathComponent }
            let schema = (d as NSString).appendingPathComponent("schema.yaml")
            return Group(directory: dir, rulePaths: rules(in: d), tests: byDirectory[dir]!.sorted(),
                         schemaPath: fm.fileExists(atPath: schema) ? schema : nil)
        }
    }

    @Test("every scenario file passes on both backends with identical records", arguments: groups())
    func scenarioFiles(_ group: Group) throws {
        let server = try testServer()
        try #require(!group.rulePaths.isEmpty, "no .crmrule files for \(group)")
        let loaded = try ProgramLoader(paths: group.rulePaths, schemaPath: group.schemaPath).load()
        let program = try #require(loaded.program, "the rules of \(group) do not check: \(loaded.diagnostics.map(\.message))")
        let loader = ScenarioLoader(program: program, sources: loaded.sources)
        var scenarios: [Scenario] = []
        for path in group.tests {
            let (s, d) = loader.load(path: path)
            #expect(d.filter { $0.severity == .error }.isEmpty, "\(path): \(d.map(\.message))")
            scenarios += s
        }
        let pool = PostgresBackendPool(server: server)
        defer { pool.close() }
        try compareBackends(program: program, scenarios: scenarios, sources: loaded.sources, pool: pool)
    }

    @Test("LANGUAGE.md §8's example passes on both backends")
    func languageExample() throws {
        let server = try testServer()
        let program = try program(Self.welcomeRule)
        let sources = SourceManager()
        let (scenarios, d) = ScenarioLoader(program: program, sources: sources).load(yaml: Self.languageExample, path: "LANGUAGE.md")
        #expect(d.isEmpty, "\(d.map(\.message))")
        #expect(scenarios.count == 1)
        let pool = PostgresBackendPool(server: server)
        defer { pool.close() }
        try compareBackends(program: program, scenarios: scenarios, sources: sources, pool: pool)
    }

    static let welcomeRule = """
        rule welcome_new_customer "Welcome SMS, follow-up call and campaign on conversion"
          param campaign_id: text = "welcome"
          once per contact
          when contact.status changes from lead to customer
          if contact.phone is not null
          then
            send_sms to: contact.phone, body: "Welcome to our service, {contact.first_name}!"
            create appointment with contact_id: contact.id, workspace_id: contact.workspace_id,
              title: "Welcome Follow-up Call", start_time: now + 3 days, duration_minutes: 30,
              status: scheduled
            create campaign_member with campaign_id: campaign_id, contact_id: contact.id,
              workspace_id: contact.workspace_id, status: active

        """

    static let languageExample = """
        name: welcome sms on conversion
        now: 2026-11-24T09:00:00Z            # the clock before the first event
        settings:                            # optional, per workspace and rule
          w1: {welcome_new_customer: {params: {campaign_id: c-42}}}
        given:                               # rows that exist before; no rule fires
          contact:
            - {id: c1, workspace_id: w1, first_name: Ana, phone: "+15550001", status: lead}
        events:                              # in order; `at` moves the clock forward
          - {at: 2026-11-24T10:00:00Z, update: contact, id: c1, set: {status: customer}}
          - {at: 2026-11-24T10:05:00Z, insert: message, row: {id: m1, workspace_id: w1, contact_id: c1, direction: inbound, body: hi}}
          - {delete: message, id: m1}
          - {advance: 2026-11-27T10:00:00Z}  # timers due by then fire
        expect:                              # the jobs, in order; params listed must match
          - {rule: welcome_new_customer, action: send_sms, params: {to: "+15550001", body: "Welcome to our service, Ana!"}}
        expect_rows:                         # optional: rows that must exist afterwards
          appointment:
            - {contact_id: c1, title: Welcome Follow-up Call, start_time: 2026-11-27T10:00:00Z}

        """
}

/// Runs each scenario on the interpreter and on PostgreSQL: both must pass, with the same records
/// and the same rows of the entities the scenario checks.
func compareBackends(program: CheckedProgram, scenarios: [Scenario], sources: SourceManager, pool: PostgresBackendPool) throws {
    let interpreterCapture = Capture(), postgresCapture = Capture()
    let onInterpreter = ScenarioRunner(program: program, backend: interpreterCapture.wrap(InterpreterBackend.factory))
    let onPostgres = ScenarioRunner(program: program, backend: postgresCapture.wrap(pool.factory))
    for scenario in scenarios {
        let place = "\(scenario.name) (\(scenario.path))"
        let a = onInterpreter.run(scenario, sources: sources)
        let b = onPostgres.run(scenario, sources: sources)
        #expect(a.outcome == .passed, "interpreter: \(place) \(a.outcome.rawValue)\n\(a.diffText)\(a.diagnostics.map(\.message))")
        #expect(b.outcome == .passed, "postgres: \(place) \(b.outcome.rawValue)\n\(b.diffText)\(b.diagnostics.map(\.message))")
        if let d = firstDifference(a.actualJobs.map(fullRecord), b.actualJobs.map(fullRecord)) {
            Issue.record("\(place): the backends' job records differ: \(d)")
        }
        if let pg = postgresCapture.backend as? PostgresScenarioBackend, let error = pg.readError {
            Issue.record("\(place): reading back from PostgreSQL failed: \(error)")
        }
        guard let x = interpreterCapture.backend, let y = postgresCapture.backend else { continue }
        for entityName in Set(scenario.expectRows.map(\.entity)).sorted() {
            guard let entity = program.schema.entity(named: entityName) else { continue }
            if let d = firstDifference(fullRows(x, entity), fullRows(y, entity)) {
                Issue.record("\(place): the backends' `\(entityName)` rows differ: \(d)")
            }
        }
    }
}
