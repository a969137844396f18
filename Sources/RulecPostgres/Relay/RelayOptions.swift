/// Everything `rulec relay` is told on its command line.
public struct RelayOptions: Sendable {
    public var database: DatabaseURL
    public var destination: RelayDestination
    /// HTTP requests in flight at once (Redis pipelines a whole batch on one connection).
    public var concurrency: Int = 16
    /// Jobs claimed per statement.
    public var batchSize: Int = 100
    /// Failed deliveries before a job is `dead`.
    public var maxAttempts: Int = 10
    /// Delivered jobs older than this are deleted.
    public var retention: Duration = .seconds(7 * 86400)
    /// How often `rulec.tick()` runs (when pg_cron does not), and the retention sweep.
    public var tickInterval: Duration = .seconds(30)
    /// How long a claim lasts: a relay that dies holds its jobs at most this long.
    public var lease: Duration = .seconds(60)
    /// How long to wait when no job is due.
    public var pollInterval: Duration = .milliseconds(100)
    /// The first retry delay; it doubles per attempt up to `backoffCap`, with jitter.
    public var backoffBase: Duration = .seconds(1)
    public var backoffCap: Duration = .seconds(3600)
    /// Timeout of one HTTP request, or of one Redis pipeline.
    public var deliveryTimeout: Duration = .seconds(10)
    /// How often the counters are logged.
    public var statsInterval: Duration = .seconds(60)
    /// Deliver what is due, then return (instead of running until stopped).
    public var once = false
    /// BullMQ's key prefix.
    public var bullPrefix = "bull"

    public init(database: DatabaseURL, destination: RelayDestination) {
        self.database = database
        self.destination = destination
    }
}

/// What a relay did: printed on exit and logged periodically.
public struct RelayCounters: Sendable, Equatable, CustomStringConvertible {
    /// Jobs the destination accepted.
    public var delivered = 0
    /// Failed deliveries that will be tried again.
    public var retried = 0
    /// Jobs that ran out of attempts or were refused for good.
    public var dead = 0
    /// Claims given back (a stop, or the destination down).
    public var released = 0
    /// Claims of dead relays taken back.
    public var reclaimed = 0
    /// Timers fired by `rulec.tick()`.
    public var timersFired = 0
    /// Delivered jobs deleted after the retention.
    public var deleted = 0

    public init() {}

    public var description: String {
        "delivered \(delivered), retried \(retried), dead \(dead), released \(released), reclaimed \(reclaimed), "
            + "timers fired \(timersFired), deleted \(deleted)"
    }
}
