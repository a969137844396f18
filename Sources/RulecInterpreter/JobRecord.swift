import RulecSemantics
import RulecSyntax

/// What became of one fire of a rule (docs/jobs.md). The SQL outbox `rulec.jobs` has the same shape.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for the relay to deliver it at `run_at`.
    case pending
    /// A required parameter was null: recorded, never delivered.
    case skipped
    /// `once per` already fired for this entity (within its cooldown).
    case suppressed
    /// `limit N per D` was reached in this window for this workspace.
    case rateLimited = "rate_limited"
    /// A data action's change came at cascade depth 8; rules it would fire did not run.
    case cascadeStopped = "cascade_stopped"
}

/// One record of the outbox.
public struct JobRecord: Sendable, Equatable {
    /// The tenant of the row that fired the rule (nil in schemas without a tenant key).
    public var workspaceId: String?
    public var rule: String
    /// The external action; nil for suppressed, rate-limited and cascade-stopped records.
    public var action: String?
    /// The entity of the row the rule is about (the aggregate's owner for `reaches` over a relation).
    public var entity: String
    public var entityId: String
    /// Parameters by name, in the action's catalog order.
    public var params: [(name: String, value: Value)]
    public var status: JobStatus
    /// Microseconds since the epoch: the fire time plus any `delay`.
    public var runAt: Int64
    public var priority: Priority
    /// The same fire always yields the same key; the outbox and BullMQ deduplicate on it.
    public var idempotencyKey: String

    public init(workspaceId: String?, rule: String, action: String?, entity: String, entityId: String,
                params: [(name: String, value: Value)], status: JobStatus, runAt: Int64, priority: Priority, idempotencyKey: String) {
        self.workspaceId = workspaceId
        self.rule = rule
        self.action = action
        self.entity = entity
        self.entityId = entityId
        self.params = params
        self.status = status
        self.runAt = runAt
        self.priority = priority
        self.idempotencyKey = idempotencyKey
    }

    public static func == (a: JobRecord, b: JobRecord) -> Bool {
        a.workspaceId == b.workspaceId && a.rule == b.rule && a.action == b.action && a.entity == b.entity
            && a.entityId == b.entityId && a.params.map(\.name) == b.params.map(\.name)
            && a.params.map(\.value) == b.params.map(\.value) && a.status == b.status && a.runAt == b.runAt
            && a.priority == b.priority && a.idempotencyKey == b.idempotencyKey
    }
}
