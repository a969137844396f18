import RulecSemantics

/// A row: column name to value. Columns left out of an insert take their defaults.
public typealias Row = [String: Value]

/// A row by field position: the value of `entity.fields[i]` at `i`, nil where a change leaves
/// the column out. Decoders that know the schema build these directly, so the engine never hashes
/// a column name per event.
public typealias RowValues = [Value?]

/// A change by entity position (`Engine.position(of:)`, the entity's index in the schema) and
/// field position: `Event` without names, for streams.
public enum PositionalEvent: Sendable {
    case insert(entity: Int, row: RowValues)
    /// `set` holds the columns that change (nil elsewhere).
    case update(entity: Int, id: String, set: RowValues)
    case delete(entity: Int, id: String)
}

/// One change the engine reacts to, in the shape of a scenario's `events` or a stream line.
public enum Event: Sendable {
    case insert(entity: String, row: Row)
    /// `set` holds only the columns that change.
    case update(entity: String, id: String, set: Row)
    case delete(entity: String, id: String)
    /// Moves the clock forward; timers due by then fire, each at its own time.
    case advance(to: Int64)
}

/// Per-workspace, per-rule settings: a rule turned off, or params overridden (LANGUAGE.md §7).
public struct RuleSettings: Sendable, Equatable {
    public var active: Bool
    public var params: [String: Value]
    public init(active: Bool = true, params: [String: Value] = [:]) {
        self.active = active
        self.params = params
    }
}

/// Settings of every workspace: workspace id → rule name → settings.
public typealias WorkspaceSettings = [String: [String: RuleSettings]]

/// A problem with an event itself (an unknown row, a duplicate id): the event is refused whole.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
