/// A stable identifier for a kind of problem, grouped by phase:
/// R1xxx syntax, R2xxx schema, R3xxx names and types, R4xxx SQL, R5xxx tests and streams.
/// Codes never change meaning once released; `rulec explain CODE` prints `explanation`.
public struct DiagnosticCode: Hashable, Sendable, CustomStringConvertible {
    public let id: String
    /// A one-line summary, lowercase, for listings.
    public let title: String
    /// The long form printed by `rulec explain`.
    public let explanation: String

    public init(_ id: String, _ title: String, explanation: String = "") {
        self.id = id
        self.title = title
        self.explanation = explanation
    }

    public var description: String { id }

    public static func == (a: DiagnosticCode, b: DiagnosticCode) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }
}
