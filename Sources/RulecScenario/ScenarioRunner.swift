import RulecDiagnostics
import RulecInterpreter
import RulecSchema
import RulecSemantics

/// What became of one scenario.
public struct ScenarioResult: Sendable {
    public enum Outcome: String, Sendable {
        /// Every expectation held.
        case passed = "pass"
        /// It ran, and some expectation did not hold: see `failures`.
        case failed = "fail"
        /// It could not run: the backend refused a row or an event (see `diagnostics`).
        case error
    }

    public var name: String
    public var path: String
    /// The 1-based line where the scenario starts in its file; 0 when unknown.
    public var line: Int
    public var outcome: Outcome
    /// One line per difference, e.g. `job 1: params.body: expected "Hi", got "Hello"`.
    public var failures: [String]
    /// The expected jobs in compact form (`rule=… action=…`), only the listed keys; nil when not checked.
    public var expectedJobs: [String]?
    /// Every job record produced, in order.
    public var actualJobs: [JobRecord]
    /// A refused row or event.
    public var diagnostics: [Diagnostic]

    init(name: String, path: String, line: Int, outcome: Outcome, diagnostics: [Diagnostic] = []) {
        self.name = name
        self.path = path
        self.line = line
        self.outcome = outcome
        self.failures = []
        self.expectedJobs = nil
        self.actualJobs = []
        self.diagnostics = diagnostics
    }

    /// A scenario with errors in its test file: reported in its place as an error, never run.
    public init(unreadable scenario: UnreadableScenario, sources: SourceManager?) {
        self.init(name: scenario.name, path: scenario.path, line: scenarioLine(scenario.range, in: sources),
                  outcome: .error, diagnostics: scenario.diagnostics)
    }

    /// The readable diff printed under a `FAIL` line: the differences, then both lists of jobs.
    public var diffText: String {
        guard outcome == .failed else { return "" }
        var out = ""
        for f in failures { out += "    \(f)\n" }
        if let expectedJobs {
            out += "    expected jobs (\(expectedJobs.count)):\n"
            for (i, e) in expectedJobs.enumerated() { out += "      \(i + 1). \(e)\n" }
            if expectedJobs.isEmpty { out += "      (none)\n" }
        }
        out += "    actual jobs (\(actualJobs.count)):\n"
        for (i, j) in actualJobs.enumerated() { out += "      \(i + 1). \(JobFormat.compact(j))\n" }
        if actualJobs.isEmpty { out += "      (none)\n" }
        return out
    }
}

/// The 1-based line where a scenario starts (0 without its source).
private func scenarioLine(_ range: SourceRange?, in sources: SourceManager?) -> Int {
    guard let sources, let range, range.file < sources.files.count else { return 0 }
    return sources[range.file].lineAndColumn(of: range.start).line
}

/// The compact one-line forms of job records used in diffs.
public enum JobFormat {
    /// `workspace=w1 rule=r action=send_sms entity=contact/c1 status=pending run_at=… priority=normal params={to: "+1"}`
    public static func compact(_ j: JobRecord) -> String {
        var parts: [String] = []
        if let ws = j.workspaceId { parts.append("workspace=\(ws)") }
        parts.append("rule=\(j.rule)")
        parts.append("action=\(j.action ?? "null")")
        parts.append("entity=\(j.entity)/\(j.entityId)")
        parts.append("status=\(j.status.rawValue)")
        parts.append("run_at=\(Timestamps.format(j.runAt))")
        parts.append("priority=\(j.priority.rawValue)")
        parts.append("params={" + j.params.map { "\($0.name): \(ValueConverter.canonical($0.value))" }.joined(separator: ", ") + "}")
        return parts.joined(separator: " ")
    }
}

/// Runs scenarios on a fresh backend each and compares what happened with what they expect.
public struct ScenarioRunner {
    public let program: CheckedProgram
    public var makeBackend: ScenarioBackendFactory
    let converter: ValueConverter

    public init(program: CheckedProgram, backend: @escaping ScenarioBackendFactory = InterpreterBackend.factory) {
        self.program = program
        self.makeBackend = backend
        self.converter = ValueConverter(schema: program.schema)
    }

    /// Seeds `given`, applies the events in order with their `at`, then checks `expect` against every
    /// job record (count and order) and `expect_rows` against the rows.
    public func run(_ scenario: Scenario, sources: SourceManager? = nil) -> ScenarioResult {
        var result = ScenarioResult(name: scenario.name, path: scenario.path, line: scenarioLine(scenario.range, in: sources),
                                    outcome: .passed)
        let backend: any ScenarioBackend
        do {
            backend = try makeBackend(program, scenario.settings, scenario.now)
        } catch {
            return refused(result, "the backend could not start: \(error.description)", at: scenario.range)
        }
        for g in scenario.given {
            do { try backend.seed(entity: g.entity, row: g.row) } catch {
                result.actualJobs = backend.jobs()
                return refused(result, "this `\(g.entity)` row was refused: \(error.description)", at: g.range)
            }
        }
        for e in scenario.events {
            do { try backend.apply(e.event, at: e.at) } catch {
                result.actualJobs = backend.jobs()
                return refused(result, "this event was refused: \(error.description)", at: e.range)
            }
        }
        let jobs = backend.jobs()
        result.actualJobs = jobs
        if let expect = scenario.expect {
            result.expectedJobs = expect.map(compact)
            if expect.count != jobs.count {
                result.failures.append("expected \(expect.count) job\(expect.count == 1 ? "" : "s"), got \(jobs.count)")
            }
            for (i, e) in expect.enumerated() {
                guard i < jobs.count else {
                    result.failures.append("job \(i + 1): missing: \(compact(e))")
                    continue
                }
                for d in differences(e, jobs[i]) { result.failures.append("job \(i + 1): \(d)") }
            }
            if jobs.count > expect.count {
                for i in expect.count..<jobs.count { result.failures.append("job \(i + 1): not expected: \(JobFormat.compact(jobs[i]))") }
            }
        }
        for r in scenario.expectRows {
            let rows = backend.rows(r.entity)
            let matches = rows.contains { row in r.values.allSatisfy { same(row[$0.name] ?? .null, $0.value) } }
            if matches { continue }
            var msg = "row \(r.entity) {" + r.values.map { "\($0.name): \(ValueConverter.canonical($0.value))" }.joined(separator: ", ")
                + "}: no such row"
            if rows.isEmpty {
                msg += " (`\(r.entity)` has no rows)"
            } else {
                let key = program.schema.entity(named: r.entity)?.key ?? "id"
                let columns = [key] + r.values.map(\.name).filter { $0 != key }
                msg += "; rows of `\(r.entity)`:"
                for row in rows.prefix(10) {
                    msg += "\n        {" + columns.map { "\($0): \(ValueConverter.canonical(row[$0] ?? .null))" }.joined(separator: ", ") + "}"
                }
                if rows.count > 10 { msg += "\n        … and \(rows.count - 10) more" }
            }
            result.failures.append(msg)
        }
        if !result.failures.isEmpty { result.outcome = .failed }
        return result
    }

    private func refused(_ r: ScenarioResult, _ message: String, at range: SourceRange) -> ScenarioResult {
        var r = r
        r.outcome = .error
        r.diagnostics.append(.error(.scenarioEventRefused, message, at: range))
        return r
    }

    // MARK: - Comparison

    /// Equal in canonical form: 3 and 3.0 are equal, as are two JSON documents with keys in another order.
    func same(_ a: Value, _ b: Value) -> Bool {
        ValueConverter.canonical(a) == ValueConverter.canonical(b)
    }

    func differences(_ e: JobExpectation, _ j: JobRecord) -> [String] {
        var out: [String] = []
        func check(_ key: String, _ expected: String?, _ actual: String?) {
            if expected != actual { out.append("\(key): expected \(expected ?? "null"), got \(actual ?? "null")") }
        }
        if let rule = e.rule { check("rule", rule, j.rule) }
        if let action = e.action { check("action", action, j.action) }
        if let entity = e.entity { check("entity", entity, j.entity) }
        if let id = e.entityId { check("entity_id", id, j.entityId) }
        if let ws = e.workspaceId { check("workspace_id", ws, j.workspaceId) }
        check("status", e.status.rawValue, j.status.rawValue)
        if let t = e.runAt { check("run_at", Timestamps.format(t), Timestamps.format(j.runAt)) }
        if let p = e.priority { check("priority", p, j.priority.rawValue) }
        let spec = j.action.flatMap { program.schema.action(named: $0) }
        for p in e.params {
            guard let actual = j.params.first(where: { $0.name == p.name })?.value else {
                // An optional param left out of the call is null, which is what `user_id: null` expects.
                if case .null = p.value { continue }
                out.append("params.\(p.name): expected \(display(p, spec: spec)), the job has no param `\(p.name)`")
                continue
            }
            let expected = display(p, spec: spec)
            // A value passed to a `json` param (a list, a text) is the JSON document it becomes.
            var got = ValueConverter.canonical(actual)
            if spec?.parameter(named: p.name)?.type == .json, actual != .null {
                if case .json = actual {} else { got = ValueConverter.canonicalJSON(ValueConverter.jsonText(actual)) }
            }
            if expected != got { out.append("params.\(p.name): expected \(expected), got \(got)") }
        }
        return out
    }

    /// An expected param in the canonical form of the action parameter's type (so that it compares
    /// with the job's value); without a type, as its text.
    func display(_ p: ParamExpectation, spec: ActionSpec?) -> String {
        if let type = spec?.parameter(named: p.name)?.type, let v = try? converter.convert(p.value, to: type) {
            return ValueConverter.canonical(v)
        }
        switch p.value {
        case .null: return "null"
        case .string(let s): return jsonEscaped(s)
        case .plain(let s), .number(let s):
            return ValueConverter.isDecimalSpelling(s) || s == "true" || s == "false" ? s : jsonEscaped(s)
        case .bool(let b): return b ? "true" : "false"
        case .list, .object: return ValueConverter.json(from: p.value).serialized(sortedKeys: true)
        }
    }

    /// An expectation in compact form, only the keys it lists.
    func compact(_ e: JobExpectation) -> String {
        var parts: [String] = []
        if let ws = e.workspaceId { parts.append("workspace=\(ws ?? "null")") }
        if let r = e.rule { parts.append("rule=\(r)") }
        if let a = e.action { parts.append("action=\(a ?? "null")") }
        if let en = e.entity { parts.append("entity=\(en)" + (e.entityId.map { "/\($0)" } ?? "")) }
        else if let id = e.entityId { parts.append("entity_id=\(id)") }
        parts.append("status=\(e.status.rawValue)")
        if let t = e.runAt { parts.append("run_at=\(Timestamps.format(t))") }
        if let p = e.priority { parts.append("priority=\(p)") }
        let spec = e.action.flatMap { $0 }.flatMap { program.schema.action(named: $0) }
        if !e.params.isEmpty {
            parts.append("params={" + e.params.map { "\($0.name): \(display($0, spec: spec))" }.joined(separator: ", ") + "}")
        }
        return parts.joined(separator: " ")
    }
}
