import Foundation
import Logging
import NIOCore

/// The relay: claims due jobs from the outbox, delivers them, records the outcome, and keeps
/// the outbox small and the timers ticking. Any number of relays can run on one outbox (claims
/// use `FOR UPDATE SKIP LOCKED`); delivery is at least once, deduplicated by the destination
/// through the idempotency key.
public struct Relay: Sendable {
    public var options: RelayOptions
    public var logger: Logger

    public init(options: RelayOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Why a relay could not run at all.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private func makeTarget() -> any DeliveryTarget {
        switch options.destination {
        case .redis(let host, let port, let database, let password):
            return BullMQTarget(host: host, port: port, database: database, password: password, prefix: options.bullPrefix,
                                timeout: .milliseconds(options.deliveryTimeout.milliseconds), logger: logger)
        case .http(let url):
            return HTTPTarget(url: url, concurrency: options.concurrency,
                              timeout: Double(options.deliveryTimeout.milliseconds) / 1000, logger: logger)
        }
    }

    /// Runs until `stop` is requested (or, with `once`, until nothing is due), then finishes the
    /// deliveries in flight, releases the claims it did not start, and returns its counters.
    /// Throws only when the database cannot be reached at the start or has no outbox.
    public func run(stop: StopSignal) async throws -> RelayCounters {
        var outbox: Outbox
        do {
            outbox = try await Outbox.connect(options.database, logger: quietLogger)
        } catch {
            throw Failure(description: "\(error)")
        }
        guard try await outbox.hasOutbox() else {
            await outbox.close()
            throw Failure(description: "\(options.database) has no rulec.jobs: deploy the rules first (rulec deploy, or the migration)")
        }
        let target = makeTarget()
        var counters = RelayCounters()
        let clock = ContinuousClock()
        var nextTick = clock.now, nextReclaim = clock.now, nextStats = clock.now + options.statsInterval
        var ticking: Bool? = nil
        var pause = Duration.zero
        logger.info("relay started", metadata: ["database": "\(options.database)", "to": "\(options.destination)",
                                                "batch": "\(options.batchSize)", "max_attempts": "\(options.maxAttempts)"])
        loop: while !stop.isRequested {
            do {
                let now = clock.now
                if now >= nextReclaim {
                    nextReclaim = now + min(options.lease / 2, .seconds(5))
                    let n = try await outbox.reclaimExpired()
                    if n > 0 {
                        counters.reclaimed += n
                        logger.warning("took back expired claims", metadata: ["jobs": "\(n)"])
                    }
                }
                if now >= nextTick {
                    nextTick = now + options.tickInterval
                    if ticking == nil { ticking = try await outbox.needsTicking() }
                    if ticking == true {
                        let fired = try await outbox.tick()
                        counters.timersFired += fired
                        if fired > 0 { logger.info("timers fired", metadata: ["timers": "\(fired)"]) }
                    }
                    let deleted = try await outbox.deleteDelivered(olderThanMillis: options.retention.milliseconds)
                    counters.deleted += deleted
                    if deleted > 0 { logger.info("deleted delivered jobs past the retention", metadata: ["jobs": "\(deleted)"]) }
                }
                if now >= nextStats {
                    nextStats = now + options.statsInterval
                    logger.info("counters", metadata: counters.metadata)
                }
                let jobs = try await outbox.claim(limit: options.batchSize, leaseMillis: options.lease.milliseconds)
                if jobs.isEmpty {
                    if options.once { break loop }
                    await stop.sleep(for: options.pollInterval)
                    continue
                }
                let outcomes = await target.deliver(jobs, stop: stop)
                pause = try await record(jobs, outcomes, in: outbox, counters: &counters) ? nextPause(after: pause) : .zero
                if pause > .zero {
                    logger.warning("destination unavailable; pausing", metadata: ["to": "\(options.destination)",
                                                                                  "pause_ms": "\(pause.milliseconds)"])
                    await stop.sleep(for: pause)
                }
            } catch {
                // The database went away: the claims of this round expire by themselves.
                logger.error("database error; reconnecting", metadata: ["error": "\(error)"])
                await outbox.close()
                pause = nextPause(after: pause)
                await stop.sleep(for: pause)
                if stop.isRequested { break loop }
                do {
                    outbox = try await Outbox.connect(options.database, logger: quietLogger)
                } catch {
                    logger.error("cannot reconnect", metadata: ["error": "\(error)"])
                }
            }
        }
        await target.close()
        await outbox.close()
        logger.info("relay stopped", metadata: counters.metadata)
        return counters
    }

    /// Pauses after a failure grow from 250 ms to 5 s.
    private func nextPause(after pause: Duration) -> Duration {
        pause == .zero ? .milliseconds(250) : min(pause * 2, .seconds(5))
    }

    /// Writes the outcomes of one batch back; returns true when the destination was unavailable.
    private func record(_ jobs: [OutboxJob], _ outcomes: [DeliveryOutcome?], in outbox: Outbox,
                        counters: inout RelayCounters) async throws -> Bool {
        var delivered: [Int64] = [], released: [Int64] = []
        var failures: [(id: Int64, error: String, permanent: Bool)] = []
        var unavailable: String?
        for (job, outcome) in zip(jobs, outcomes) {
            switch outcome {
            case .delivered?:
                delivered.append(job.id)
                logger.debug("delivered", metadata: ["job_id": "\(job.id)", "key": "\(job.idempotencyKey)", "queue": "\(job.queue ?? "")"])
            case .retryable(let error)?:
                failures.append((job.id, error, false))
            case .permanent(let error)?:
                failures.append((job.id, error, true))
            case .unavailable(let error)?:
                unavailable = error
                released.append(job.id)
            case nil:
                released.append(job.id)
            }
        }
        try await outbox.markDelivered(delivered)
        counters.delivered += delivered.count
        let dead = try await outbox.markFailed(failures, maxAttempts: options.maxAttempts,
                                               backoffBaseMillis: options.backoffBase.milliseconds,
                                               backoffCapMillis: options.backoffCap.milliseconds)
        for failure in failures {
            if dead.contains(failure.id) {
                counters.dead += 1
                logger.error("job dead", metadata: ["job_id": "\(failure.id)", "error": "\(failure.error)"])
            } else {
                counters.retried += 1
                logger.warning("delivery failed; will retry", metadata: ["job_id": "\(failure.id)", "error": "\(failure.error)"])
            }
        }
        try await outbox.release(released, error: unavailable)
        counters.released += released.count
        if let unavailable {
            logger.warning("destination unavailable", metadata: ["error": "\(unavailable)", "released": "\(released.count)"])
        }
        return unavailable != nil
    }

    /// PostgresNIO's own logs, at warning and above only.
    private var quietLogger: Logger {
        var l = logger
        l.logLevel = max(logger.logLevel, .warning)
        return l
    }
}

extension RelayCounters {
    var metadata: Logger.Metadata {
        ["delivered": "\(delivered)", "retried": "\(retried)", "dead": "\(dead)", "released": "\(released)",
         "reclaimed": "\(reclaimed)", "timers_fired": "\(timersFired)", "deleted": "\(deleted)"]
    }
}

/// `rulec jobs retry --dead`: dead jobs back to pending.
public enum JobsMaintenance {
    /// Returns how many dead jobs went back to pending.
    public static func retryDead(database: DatabaseURL, logger: Logger) async throws -> Int {
        let outbox = try await Outbox.connect(database, logger: logger)
        do {
            guard try await outbox.hasOutbox() else {
                throw Relay.Failure(description: "\(database) has no rulec.jobs: deploy the rules first (rulec deploy, or the migration)")
            }
            let n = try await outbox.retryDead()
            await outbox.close()
            return n
        } catch {
            await outbox.close()
            throw error
        }
    }
}
