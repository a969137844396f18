import Foundation
import RulecDiagnostics
import RulecInterpreter
import RulecSemantics

/// One scenario of a test file (LANGUAGE.md §8), typed against the program and its schema.
/// Every part keeps its place in the file, so a failure or a refused event points back at it.
public struct Scenario: Sendable {
    public var name: String
    /// The test file, as given on the command line.
    public var path: String
    /// Where the scenario starts (its mapping).
    public var range: SourceRange
    /// The clock before the first event, in microseconds.
    public var now: Int64
    public var settings: WorkspaceSettings
    /// Rows that exist before the first event, in file order.
    public var given: [GivenRow]
    public var events: [ScenarioEvent]
    /// The jobs expected, in order; nil when the scenario has no `expect` (jobs are not checked).
    public var expect: [JobExpectation]?
    public var expectRows: [RowExpectation]

    public init(name: String, path: String, range: SourceRange, now: Int64, settings: WorkspaceSettings = [:],
                given: [GivenRow] = [], events: [ScenarioEvent] = [], expect: [JobExpectation]? = nil,
                expectRows: [RowExpectation] = []) {
        self.name = name
        self.path = path
        self.range = range
        self.now = now
        self.settings = settings
        self.given = given
        self.events = events
        self.expect = expect
        self.expectRows = expectRows
    }
}

/// A scenario of a test file that has errors: it is reported under its name and place (and
/// filtered by name like the others) but never run.
public struct UnreadableScenario: Sendable {
    public var name: String
    public var path: String
    /// Where the scenario starts (its mapping); nil for a whole file that cannot be read.
    public var range: SourceRange?
    /// Its errors (and any warnings), in file order.
    public var diagnostics: [Diagnostic]

    public init(name: String, path: String, range: SourceRange?, diagnostics: [Diagnostic]) {
        self.name = name
        self.path = path
        self.range = range
        self.diagnostics = diagnostics
    }
}

/// What a test file holds, in file order.
public enum TestFileEntry: Sendable {
    case scenario(Scenario)
    case unreadable(UnreadableScenario)

    public var name: String {
        switch self {
        case .scenario(let s): s.name
        case .unreadable(let u): u.name
        }
    }
}

/// One test file read: its scenarios in file order, and the errors that belong to the file as a
/// whole (it is not YAML, not UTF-8, empty) rather than to one scenario.
public struct TestFile: Sendable {
    /// The test file, as given.
    public var path: String?
    public var entries: [TestFileEntry]
    public var fileDiagnostics: [Diagnostic]

    /// The scenarios that can run.
    public var scenarios: [Scenario] {
        entries.compactMap { if case .scenario(let s) = $0 { s } else { nil } }
    }

    /// The file itself as one scenario that cannot run, when it has errors of its own (it is not
    /// YAML, not UTF-8, empty, too large): named after the file, at its first error.
    public var unreadable: UnreadableScenario? {
        let errors = fileDiagnostics.filter { $0.severity == .error }
        guard let first = errors.first, let path = path else { return nil }
        let name = ((path as NSString).lastPathComponent as String).replacingOccurrences(of: ".test.yaml", with: "")
        return UnreadableScenario(name: name, path: path, range: first.range, diagnostics: fileDiagnostics)
    }

    /// Every diagnostic of the file, its scenarios' included.
    public var diagnostics: [Diagnostic] {
        var all = fileDiagnostics
        for case .unreadable(let u) in entries { all += u.diagnostics }
        return Diagnostic.sorted(all)
    }
}

/// A row of `given`.
public struct GivenRow: Sendable {
    public var entity: String
    public var row: Row
    public var range: SourceRange
}

/// An entry of `events`: the change and the time it happens at.
public struct ScenarioEvent: Sendable {
    public var event: Event
    /// `at:`, the time the clock moves to before the change; nil keeps the clock.
    public var at: Int64?
    public var range: SourceRange
}

/// What must hold of one job record. Keys left out are not checked.
public struct JobExpectation: Sendable {
    public var rule: String?
    /// `.some(nil)` expects no action (`action: null`, a suppressed fire); nil does not check.
    public var action: String??
    public var entity: String?
    public var entityId: String?
    /// `.some(nil)` expects no workspace; nil does not check.
    public var workspaceId: String??
    /// Always checked; `pending` unless the scenario says otherwise.
    public var status: JobStatus
    public var runAt: Int64?
    /// `high`, `normal` or `low`.
    public var priority: String?
    /// The listed params, in file order; a job's other params are not checked.
    public var params: [ParamExpectation]
    public var range: SourceRange

    public init(rule: String? = nil, action: String?? = nil, entity: String? = nil, entityId: String? = nil,
                workspaceId: String?? = nil, status: JobStatus = .pending, runAt: Int64? = nil,
                priority: String? = nil, params: [ParamExpectation] = [], range: SourceRange) {
        self.rule = rule
        self.action = action
        self.entity = entity
        self.entityId = entityId
        self.workspaceId = workspaceId
        self.status = status
        self.runAt = runAt
        self.priority = priority
        self.params = params
        self.range = range
    }
}

/// One expected parameter. The value stays raw until it meets the job, because the parameter's type
/// comes from the job's action; it is typed at load time too when the expectation names the action.
public struct ParamExpectation: Sendable {
    public var name: String
    public var value: RawValue
    public var range: SourceRange
}

/// A row of `expect_rows`: some row of `entity` must have these values.
public struct RowExpectation: Sendable {
    public var entity: String
    /// Listed columns and their typed values, in file order.
    public var values: [(name: String, value: Value)]
    public var range: SourceRange
}
