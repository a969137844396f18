import RulecDiagnostics
import RulecInterpreter
import RulecScenario
import RulecSemantics
import RulecSyntax
import Testing

/// A backend that ignores events and reports fixed jobs and rows: tests the comparison alone.
final class FixedBackend: ScenarioBackend {
    let fixedJobs: [JobRecord]
    let fixedRows: [String: [Row]]
    init(jobs: [JobRecord], rows: [String: [Row]] = [:]) {
        fixedJobs = jobs
        fixedRows = rows
    }
    func seed(entity: String, row: Row) throws(BackendError) {}
    func apply(_ event: Event, at time: Int64?) throws(BackendError) {
        if case .delete(_, let id) = event, id == "refuse-me" { throw BackendError("no such row") }
    }
    func jobs() -> [JobRecord] { fixedJobs }
    func rows(_ entity: String) -> [Row] { fixedRows[entity] ?? [] }
}

let smsJob = JobRecord(
    workspaceId: "w1", rule: "welcome_new_customer", action: "send_sms", entity: "contact", entityId: "c1",
    params: [("to", .text("+15550001")), ("body", .text("Welcome to our service, Ana!"))], status: .pending,
    runAt: 1_795_514_400_000_000, priority: .normal, idempotencyKey: "k1")

struct ScenarioRunnerTests {
    func run(_ yaml: String, jobs: [JobRecord], rows: [String: [Row]] = [:]) throws -> ScenarioResult {
        let (program, sources) = try checkedProgram()
        let (scenarios, diagnostics) = ScenarioLoader(program: program, sources: sources).load(yaml: yaml, path: "t.test.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let runner = ScenarioRunner(program: program, backend: { _, _, _ in FixedBackend(jobs: jobs, rows: rows) })
        return runner.run(try #require(scenarios.first), sources: sources)
    }

    @Test func passesWhenListedKeysMatch() throws {
        let r = try run("""
            name: ok
            now: 2026-11-24T09:00:00Z
            expect:
              - {rule: welcome_new_customer, action: send_sms, entity: contact, entity_id: c1, workspace_id: w1,
                 run_at: 2026-11-24T12:00:00+02:00, priority: normal, params: {to: "+15550001"}}
            expect_rows:
              appointment: [{contact_id: c1, start_time: 2026-11-27T10:00:00Z}]
            """, jobs: [smsJob], rows: ["appointment": [["id": .text("a1"), "contact_id": .text("c1"), "start_time": .timestamp(1_795_773_600_000_000)]]])
        #expect(r.outcome == .passed, "\(r.failures)")
        #expect(r.line == 1)
    }

    @Test func failureDiffShowsDifferencesAndBothLists() throws {
        let r = try run("""
            name: wrong
            now: 2026-11-24T09:00:00Z
            expect:
              - {rule: welcome_new_customer, params: {body: "Hello"}}
              - {action: notify, status: skipped}
            expect_rows:
              task: [{title: Call back}]
            """, jobs: [smsJob])
        #expect(r.outcome == .failed)
        #expect(r.diffText == """
                expected 2 jobs, got 1
                job 1: params.body: expected "Hello", got "Welcome to our service, Ana!"
                job 2: missing: action=notify status=skipped
                row task {title: "Call back"}: no such row (`task` has no rows)
                expected jobs (2):
                  1. rule=welcome_new_customer status=pending params={body: "Hello"}
                  2. action=notify status=skipped
                actual jobs (1):
                  1. workspace=w1 rule=welcome_new_customer action=send_sms entity=contact/c1 status=pending run_at=2026-11-24T10:00:00Z priority=normal params={to: "+15550001", body: "Welcome to our service, Ana!"}

            """)
    }

    @Test func unexpectedJobsAndStatusDefaultToPending() throws {
        var skipped = smsJob
        skipped.status = .skipped
        let r = try run("now: 2026-11-24T09:00:00Z\nexpect: []\n", jobs: [skipped])
        #expect(r.failures == ["expected 0 jobs, got 1",
                               "job 1: not expected: workspace=w1 rule=welcome_new_customer action=send_sms entity=contact/c1 status=skipped run_at=2026-11-24T10:00:00Z priority=normal params={to: \"+15550001\", body: \"Welcome to our service, Ana!\"}"])
        let r2 = try run("now: 2026-11-24T09:00:00Z\nexpect: [{rule: welcome_new_customer}]\n", jobs: [skipped])
        #expect(r2.failures == ["job 1: status: expected pending, got skipped"])
    }

    @Test func noExpectMeansJobsAreNotChecked() throws {
        let r = try run("now: 2026-11-24T09:00:00Z\n", jobs: [smsJob])
        #expect(r.outcome == .passed)
    }

    @Test func refusedEventIsAnErrorAtTheEvent() throws {
        let (program, sources) = try checkedProgram()
        let (scenarios, _) = ScenarioLoader(program: program, sources: sources)
            .load(yaml: "now: 2026-11-24T09:00:00Z\nevents:\n  - {delete: contact, id: refuse-me}\n", path: "t.test.yaml")
        let r = ScenarioRunner(program: program, backend: { _, _, _ in FixedBackend(jobs: []) }).run(scenarios[0], sources: sources)
        #expect(r.outcome == .error)
        #expect(r.diagnostics.map { placed($0, sources) } == ["R5012 3:5"])
        #expect(r.diagnostics.first?.message == "this event was refused: no such row")
    }

    @Test func jobJSONShape() {
        #expect(JobFormat.json(smsJob) == #"{"workspace_id":"w1","rule":"welcome_new_customer","action":"send_sms","entity":"contact","entity_id":"c1","params":{"to":"+15550001","body":"Welcome to our service, Ana!"},"status":"pending","run_at":"2026-11-24T10:00:00Z","priority":"normal","idempotency_key":"k1"}"#)
    }

    /// LANGUAGE.md §8's example passes on the interpreter (needs the engine body).
    @Test func languageExamplePassesOnTheInterpreter() throws {
        let (program, sources) = try checkedProgram()
        let (scenarios, diagnostics) = ScenarioLoader(program: program, sources: sources).load(yaml: languageExampleScenario, path: "t.test.yaml")
        #expect(diagnostics.isEmpty)
        let r = ScenarioRunner(program: program).run(try #require(scenarios.first), sources: sources)
        #expect(r.outcome == .passed, "\(r.failures) \(r.diagnostics.map(\.message))")
    }
}
