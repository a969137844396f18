import Foundation
import RulecSchema
import RulecSemantics
import RulecSyntax

/// The reference interpreter: executes a checked program over row changes with the semantics of
/// LANGUAGE.md, producing job records. The SQL backend is held to what this does.
public final class Engine {
    public let program: CheckedProgram
    public var settings: WorkspaceSettings
    /// The time of the change being processed (microseconds since the epoch).
    public private(set) var clock: Int64
    /// Records produced so far; `takeJobs()` drains them (streams keep memory bounded).
    public private(set) var jobs: [JobRecord] = []

    public init(program: CheckedProgram, settings: WorkspaceSettings = [:], clock: Int64) {
        self.program = program
        self.settings = settings
        self.clock = clock
    }

    /// Inserts a row that exists before the scenario starts: defaults filled, no rule fires, no timer armed.
    public func seed(entity: String, row: Row) throws(EngineError) {}

    /// Applies one change. `at`, when given, first moves the clock forward (firing due timers).
    public func apply(_ event: Event, at time: Int64? = nil) throws(EngineError) {}

    /// The rows of an entity, in insertion order.
    public func rows(_ entity: String) -> [Row] { [] }

    /// Returns and forgets the records produced so far.
    public func takeJobs() -> [JobRecord] {
        defer { jobs.removeAll() }
        return jobs
    }
}
