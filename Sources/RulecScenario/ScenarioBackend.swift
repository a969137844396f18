import RulecInterpreter
import RulecSemantics

/// Something scenarios run on: the interpreter now, PostgreSQL with the compiled triggers later.
/// The runner speaks only this protocol, so both backends are held to the same scenarios and the
/// same comparison (LANGUAGE.md §8: a difference between the two is a bug).
public protocol ScenarioBackend: AnyObject {
    /// Inserts a row that exists before the scenario starts; no rule fires.
    func seed(entity: String, row: Row) throws(BackendError)
    /// Applies one change, the clock first moved to `at` when given.
    func apply(_ event: Event, at time: Int64?) throws(BackendError)
    /// Every job record produced so far, in order.
    func jobs() -> [JobRecord]
    /// The rows of an entity as they are now.
    func rows(_ entity: String) -> [Row]
}

/// A backend refused a row or an event (an unknown id, a duplicate key, a constraint).
public struct BackendError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Makes a fresh backend for each scenario: the program, the scenario's settings and its clock.
public typealias ScenarioBackendFactory = @Sendable (_ program: CheckedProgram, _ settings: WorkspaceSettings, _ now: Int64) throws(BackendError) -> any ScenarioBackend

/// The reference interpreter as a scenario backend.
public final class InterpreterBackend: ScenarioBackend {
    public let engine: Engine

    public init(program: CheckedProgram, settings: WorkspaceSettings, now: Int64) {
        engine = Engine(program: program, settings: settings, clock: now)
    }

    /// The factory `ScenarioRunner` uses by default.
    public static let factory: ScenarioBackendFactory = { program, settings, now in
        InterpreterBackend(program: program, settings: settings, now: now)
    }

    public func seed(entity: String, row: Row) throws(BackendError) {
        do { try engine.seed(entity: entity, row: row) } catch { throw BackendError(error.description) }
    }

    public func apply(_ event: Event, at time: Int64?) throws(BackendError) {
        do { try engine.apply(event, at: time) } catch { throw BackendError(error.description) }
    }

    public func jobs() -> [JobRecord] { engine.jobs }

    public func rows(_ entity: String) -> [Row] { engine.rows(entity) }
}
