/// One claimed job of `rulec.jobs`, in the shape the destinations deliver it.
public struct OutboxJob: Sendable, Equatable {
    /// The outbox row's id (`rulec.jobs.id`).
    public var id: Int64
    /// BullMQ's job id and the HTTP `Idempotency-Key`: the same fire always has the same key.
    public var idempotencyKey: String
    /// The queue: the action's catalog queue, or for `enqueue` its `queue` param; nil when neither.
    public var queue: String?
    /// The BullMQ job name: the action (for `enqueue`, its `name` param when given).
    public var name: String
    /// The job data as JSON text: the params plus `workspace_id`, `rule`, `entity`, `entity_id`
    /// and `job_id` (a param of the same name wins).
    public var data: String
    public var workspaceID: String?
    public var rule: String
    public var entity: String
    public var entityID: String
    /// ISO 8601 UTC, as in docs/jobs.md.
    public var runAt: String
    /// Failed deliveries so far.
    public var attempts: Int
}

/// What one delivery attempt came to.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The destination has the job (or already had it: a duplicate is delivered too).
    case delivered
    /// Try again later, with backoff, until the attempts run out.
    case retryable(String)
    /// Retrying cannot help (the destination refused the job): dead at once.
    case permanent(String)
    /// The destination could not be reached at all: the job goes back to pending unchanged
    /// (no attempt counted) and the relay pauses before claiming more.
    case unavailable(String)
}

/// A place jobs are delivered to. `deliver` returns one outcome per job, in order; nil for a
/// job it did not start because a stop was requested (it goes back to pending).
protocol DeliveryTarget: Sendable {
    func deliver(_ jobs: [OutboxJob], stop: StopSignal) async -> [DeliveryOutcome?]
    func close() async
}
