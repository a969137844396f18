import Foundation
import Logging
import NIOCore

/// Delivers jobs into BullMQ queues in Redis: one pipelined EVALSHA of `BullMQScript` per job,
/// all jobs of a batch in one flush. The connection is made lazily and remade after a failure.
actor BullMQTarget: DeliveryTarget {
    let host: String
    let port: Int
    let database: Int
    let password: String?
    /// BullMQ's key prefix (`bull` unless the workers were configured with another).
    let prefix: String
    let timeout: TimeAmount
    let logger: Logger
    private var connection: RedisConnection?
    private var sha: String?

    init(host: String, port: Int, database: Int, password: String?, prefix: String = "bull",
         timeout: TimeAmount = .seconds(10), logger: Logger) {
        self.host = host
        self.port = port
        self.database = database
        self.password = password
        self.prefix = prefix
        self.timeout = timeout
        self.logger = logger
    }

    private func connected() async throws -> (RedisConnection, String) {
        if let connection, connection.isActive, let sha { return (connection, sha) }
        if let connection { await connection.close() }
        connection = nil
        let fresh = try await RedisConnection.connect(host: host, port: port, password: password, database: database,
                                                      timeout: .seconds(5))
        let reply = try await fresh.send(["SCRIPT", "LOAD", BullMQScript.lua], timeout: timeout)
        guard case .bulkString(let bytes?) = reply else {
            await fresh.close()
            throw RedisConnectionError("redis refused SCRIPT LOAD: \(reply)")
        }
        let loaded = String(decoding: bytes, as: UTF8.self)
        connection = fresh
        sha = loaded
        logger.info("connected to redis", metadata: ["redis": "\(host):\(port)/\(database)"])
        return (fresh, loaded)
    }

    func deliver(_ jobs: [OutboxJob], stop: StopSignal) async -> [DeliveryOutcome?] {
        let (connection, sha): (RedisConnection, String)
        do {
            (connection, sha) = try await connected()
        } catch {
            return jobs.map { _ in .unavailable("\(error)") }
        }
        var outcomes = [DeliveryOutcome?](repeating: nil, count: jobs.count)
        var commands: [[String]] = []
        var indices: [Int] = []
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (i, job) in jobs.enumerated() {
            guard let queue = job.queue, !queue.isEmpty else {
                outcomes[i] = .permanent("the job names no queue (its action has no `queue` in the catalog)")
                continue
            }
            commands.append(BullMQScript.command(sha: sha, prefix: prefix, job: job, queue: queue, timestampMillis: now))
            indices.append(i)
        }
        let replies = await connection.pipeline(commands, timeout: timeout)
        var lost = false
        for (k, reply) in zip(indices, replies) {
            switch reply {
            case .success(.integer):
                outcomes[k] = .delivered
            case .success(.error(let message)):
                // NOSCRIPT after a Redis restart that kept the connection is impossible (a restart
                // drops it), but a SCRIPT FLUSH is not: reload on the next batch.
                if message.hasPrefix("NOSCRIPT") { lost = true }
                outcomes[k] = .retryable("redis: \(message)")
            case .success(let other):
                outcomes[k] = .retryable("unexpected reply from redis: \(other)")
            case .failure(let error):
                lost = true
                outcomes[k] = .retryable("\(error)")
            }
        }
        if lost {
            await connection.close()
            self.connection = nil
            self.sha = nil
        }
        return outcomes
    }

    func close() async {
        await connection?.close()
        connection = nil
    }
}
