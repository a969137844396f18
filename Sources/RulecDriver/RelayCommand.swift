import Dispatch
import Foundation
import Logging
import RulecPostgres

/// `rulec relay`: runs a relay until SIGINT/SIGTERM (or, with `--once`, until nothing is due).
/// The command line is synchronous, the relay async: it runs in a task while this thread waits.
public struct RelayCommand {
    public var databaseURL: String
    public var to: String
    public var concurrency: Int
    public var batch: Int
    public var maxAttempts: Int
    public var retention: String
    public var tickInterval: String
    public var lease: String
    public var pollInterval: String
    public var backoffBase: String
    public var backoffCap: String
    public var timeout: String
    public var statsInterval: String
    public var once: Bool
    public var logLevel: String

    public init(databaseURL: String, to: String, concurrency: Int = 16, batch: Int = 100, maxAttempts: Int = 10,
                retention: String = "7d", tickInterval: String = "30s", lease: String = "60s", pollInterval: String = "100ms",
                backoffBase: String = "1s", backoffCap: String = "1h", timeout: String = "10s", statsInterval: String = "60s",
                once: Bool = false, logLevel: String = "info") {
        self.databaseURL = databaseURL
        self.to = to
        self.concurrency = concurrency
        self.batch = batch
        self.maxAttempts = maxAttempts
        self.retention = retention
        self.tickInterval = tickInterval
        self.lease = lease
        self.pollInterval = pollInterval
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.timeout = timeout
        self.statsInterval = statsInterval
        self.once = once
        self.logLevel = logLevel
    }

    /// Checks the options into `RelayOptions`, or says what is wrong with them.
    public func options() -> Result<RelayOptions, UsageError> {
        let database: DatabaseURL, destination: RelayDestination
        do { database = try DatabaseURL(parsing: databaseURL) } catch { return .failure(UsageError(message: error.description)) }
        do { destination = try RelayDestination(parsing: to) } catch { return .failure(UsageError(message: error.description)) }
        var o = RelayOptions(database: database, destination: destination)
        for (name, value) in [("--concurrency", concurrency), ("--batch", batch), ("--max-attempts", maxAttempts)] where value < 1 {
            return .failure(UsageError(message: "`\(name)` must be at least 1, not \(value)"))
        }
        o.concurrency = concurrency
        o.batchSize = batch
        o.maxAttempts = maxAttempts
        let durations: [(String, String, WritableKeyPath<RelayOptions, Duration>)] = [
            ("--retention", retention, \.retention), ("--tick-interval", tickInterval, \.tickInterval),
            ("--lease", lease, \.lease), ("--poll-interval", pollInterval, \.pollInterval),
            ("--backoff-base", backoffBase, \.backoffBase), ("--backoff-cap", backoffCap, \.backoffCap),
            ("--timeout", timeout, \.deliveryTimeout), ("--stats-interval", statsInterval, \.statsInterval),
        ]
        for (name, text, path) in durations {
            guard let d = RelayDuration.parse(text) else {
                return .failure(UsageError(message: "`\(name)`: `\(text)` is not a duration (examples: 500ms, 30s, 5m, 2h, 7d)"))
            }
            o[keyPath: path] = d
        }
        if o.lease <= o.deliveryTimeout {
            return .failure(UsageError(message: "`--lease` (\(lease)) must be longer than `--timeout` (\(timeout)), or a slow delivery outlives its claim"))
        }
        o.once = once
        return .success(o)
    }

    public struct UsageError: Error, Sendable {
        public var message: String
    }

    /// Runs the relay in this process: installs SIGINT/SIGTERM handlers (a second signal exits
    /// at once), prints the counters to stderr on exit. Exit status: 0 after a clean stop, 2
    /// for usage errors, 1 when the database cannot be used.
    public func run() -> CommandOutput {
        let options: RelayOptions
        switch self.options() {
        case .success(let o): options = o
        case .failure(let e): return CommandOutput(stderr: "error: \(e.message)\n", status: .usage)
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            return CommandOutput(stderr: "error: `--log-level` must be one of trace, debug, info, notice, warning, error, critical\n", status: .usage)
        }
        var logger = Logger(label: "rulec.relay", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level

        let stop = StopSignal()
        TerminationSignals.receive { [logger] number, count in
            if count > 1 { _exit(128 + number) }
            logger.notice("stopping: finishing deliveries in flight", metadata: ["signal": "\(number)"])
            stop.request()
        }

        let result = blockingRun { [logger] in try await Relay(options: options, logger: logger).run(stop: stop) }
        switch result {
        case .success(let counters):
            return CommandOutput(stderr: "rulec relay: \(counters)\n")
        case .failure(let error):
            return CommandOutput(stderr: "error: \(error)\n", status: .inputErrors)
        }
    }
}

/// Runs async work from synchronous code: the work runs in a task, this thread waits.
func blockingRun<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
    let box = BlockingResult<T>(), done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return box.result!
}

/// The result cell of `blockingRun`, written by the task before the semaphore is signalled.
final class BlockingResult<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
