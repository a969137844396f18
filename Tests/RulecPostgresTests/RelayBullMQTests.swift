import Foundation
import Testing
@testable import RulecPostgres

/// The relay against the real parts: PostgreSQL, redis-server and BullMQ's own Python Worker.
/// Each test has its own database and its own queue names; the suite runs serially because
/// the fault tests kill processes and restart servers. Every wait is bounded.
@Suite(.serialized) struct RelayBullMQTests {
    func uniqueQueue(_ base: String) -> String { "\(base)_\(UUID().uuidString.prefix(6).lowercased())" }

    func keys(_ outbox: ScratchOutbox, _ condition: String = "true") throws -> Set<String> {
        Set(try outbox.db.query("SELECT idempotency_key FROM rulec.jobs WHERE \(condition)").compactMap { $0[0] })
    }

    @Test func bullmqWorkerReceivesEveryJobWithNameAndData() async throws {
        let redis = try RelayTestEnvironment.redis()
        let outbox = try ScratchOutbox()
        let sms = uniqueQueue("sms"), other = uniqueQueue("jobs")
        try outbox.insertJobs(120, queue: sms)
        // An `enqueue` action: no catalog queue; the queue and the job name come from its params.
        try outbox.db.execute("""
            INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key, queue)
            VALUES ('w2', 'handoff', 'enqueue', 'deal', 'd9', '{"queue": "\(other)", "name": "sync_deal", "data": {"n": 1}}',
                    'pending', now(), 'high', 'enqueue-key-1', NULL),
                   ('w2', 'later', 'send_sms', 'contact', 'c0', '{}', 'pending', now() + interval '1 hour', 'normal', 'not-due', '\(sms)')
            """)
        let consumer = try BullMQConsumer(redisURL: redis.url, queues: [sms, other], expect: 121)
        defer { consumer.stop() }

        var options = try RelayOptions.forTests(outbox, to: redis.url)
        options.once = true
        let counters = try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: StopSignal())
        #expect(counters.delivered == 121)
        #expect(try outbox.statuses() == ["delivered": 121, "pending": 1])

        let records = consumer.waitFor(121, upTo: 60)
        expectEachProcessedOnce(records, keys: try keys(outbox, "status = 'delivered'"))
        let byID = Dictionary(records.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let jobID = try #require(try outbox.db.scalar("SELECT id::text FROM rulec.jobs WHERE entity_id = 'c7'"))
        let c7Key = try #require(try outbox.db.scalar("SELECT idempotency_key FROM rulec.jobs WHERE entity_id = 'c7'"))
        let c7 = try #require(byID[c7Key])
        #expect(c7["queue"] as? String == sms)
        #expect(c7["name"] as? String == "send_sms")
        let data = try #require(c7["data"] as? [String: Any])
        #expect(data["to"] as? String == "+15550000007")
        #expect(data["body"] as? String == "hello 7")
        #expect(data["workspace_id"] as? String == "w1")
        #expect(data["rule"] as? String == "welcome")
        #expect(data["entity"] as? String == "contact")
        #expect(data["entity_id"] as? String == "c7")
        #expect((data["job_id"] as? NSNumber)?.stringValue == jobID)
        let handoff = try #require(byID["enqueue-key-1"])
        #expect(handoff["queue"] as? String == other)
        #expect(handoff["name"] as? String == "sync_deal")
        #expect(((handoff["data"] as? [String: Any])?["data"] as? [String: Any])?["n"] as? Int == 1)
    }

    @Test func aSecondDeliveryOfTheSameJobIsIgnoredByBullMQ() async throws {
        let redis = try RelayTestEnvironment.redis()
        let outbox = try ScratchOutbox()
        let queue = uniqueQueue("dup")
        try outbox.insertJobs(30, queue: queue)
        var options = try RelayOptions.forTests(outbox, to: redis.url)
        options.once = true
        _ = try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: StopSignal())
        // As if the relay had crashed after writing to Redis and before marking the jobs: all again.
        try outbox.db.execute("UPDATE rulec.jobs SET status = 'pending', delivered_at = NULL")
        let again = try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: StopSignal())
        #expect(again.delivered == 30)

        let connection = try await RedisConnection.connect(host: redis.host, port: redis.port)
        defer { Task { await connection.close() } }
        #expect(try await connection.send(["LLEN", "bull:\(queue):wait"]) == .integer(30))
        let events = try await connection.send(["XRANGE", "bull:\(queue):events", "-", "+"])
        guard case .array(let entries?) = events else { Issue.record("no events stream"); return }
        let kinds = entries.compactMap { entry -> String? in
            guard case .array(let pair?) = entry, pair.count == 2, case .array(let fields?) = pair[1] else { return nil }
            return fields.count >= 2 ? fields[1].text : nil
        }
        #expect(kinds.filter { $0 == "added" }.count == 30)
        #expect(kinds.filter { $0 == "waiting" }.count == 30)
        #expect(kinds.filter { $0 == "duplicated" }.count == 30)
        #expect(try await connection.send(["ZSCORE", "bull:\(queue):marker", "0"]) == .bulkString(Array("0".utf8)))

        let consumer = try BullMQConsumer(redisURL: redis.url, queues: [queue], expect: 30)
        defer { consumer.stop() }
        let records = consumer.waitFor(30, upTo: 60)
        try await Task.sleep(for: .seconds(1.5))
        expectEachProcessedOnce(consumer.records(), keys: try keys(outbox))
        #expect(records.count >= 30)
    }

    /// The job hash the relay writes has the fields BullMQ's own Queue.add writes, with the same
    /// opts and data encoding, so BullMQ's workers, dashboards and getters read it the same way.
    @Test func theJobHashMatchesWhatQueueAddWrites() async throws {
        let redis = try RelayTestEnvironment.redis()
        let outbox = try ScratchOutbox()
        let ours = uniqueQueue("ours"), theirs = uniqueQueue("theirs")
        try outbox.insertJobs(1, queue: ours, tag: "hash")
        var options = try RelayOptions.forTests(outbox, to: redis.url)
        options.once = true
        _ = try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: StopSignal())
        let key = try #require(try outbox.db.scalar("SELECT idempotency_key FROM rulec.jobs"))

        let python = try RelayTestEnvironment.bullmqPython.get()
        let script = """
            import asyncio, sys
            from bullmq import Queue
            async def main():
                q = Queue(sys.argv[2], {"connection": sys.argv[1]})
                await q.add("send_sms", {"to": "+1"}, {"jobId": sys.argv[3]})
                await q.close()
            asyncio.run(main())
            """
        let run = try RelayTestEnvironment.runTool(python, ["-c", script, redis.url, theirs, key], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")

        let connection = try await RedisConnection.connect(host: redis.host, port: redis.port)
        defer { Task { await connection.close() } }
        func fields(_ queue: String) async throws -> [String: String] {
            guard case .array(let items?) = try await connection.send(["HGETALL", "bull:\(queue):\(key)"]) else { return [:] }
            var r: [String: String] = [:]
            for i in stride(from: 0, to: items.count - 1, by: 2) { r[items[i].text ?? ""] = items[i + 1].text ?? "" }
            return r
        }
        let mine = try await fields(ours), reference = try await fields(theirs)
        #expect(Set(mine.keys) == Set(reference.keys), "ours \(mine.keys.sorted()), BullMQ's \(reference.keys.sorted())")
        for field in ["delay", "priority", "name"] { #expect(mine[field] == reference[field], "\(field)") }
        let myOpts = try JSONSerialization.jsonObject(with: Data((mine["opts"] ?? "").utf8)) as? NSDictionary
        let theirOpts = try JSONSerialization.jsonObject(with: Data((reference["opts"] ?? "").utf8)) as? NSDictionary
        #expect(myOpts == theirOpts)
        for suffix in ["wait", "marker", "meta", "id", "events"] {
            let a = try await connection.send(["TYPE", "bull:\(ours):\(suffix)"]), b = try await connection.send(["TYPE", "bull:\(theirs):\(suffix)"])
            #expect(a == b, "type of \(suffix)")
        }
    }

    @Test func sigkillMidBatchThenRestartLosesNothingAndDuplicatesNothing() async throws {
        let redis = try RelayTestEnvironment.redis()
        let rulec = try RelayTestEnvironment.rulecBinary()
        let outbox = try ScratchOutbox()
        let queue = uniqueQueue("killed")
        let total = try outbox.insertJobs(3000, queue: queue)
        let consumer = try BullMQConsumer(redisURL: redis.url, queues: [queue], expect: total)
        defer { consumer.stop() }

        func startRelay() throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: rulec)
            p.arguments = ["relay", "--database-url", outbox.urlText, "--to", redis.url, "--batch", "20", "--lease", "2s",
                           "--timeout", "1s", "--poll-interval", "20ms", "--log-level", "error"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let first = try startRelay()
        defer { first.killIfRunning() }
        let started = try outbox.wait(upTo: 60) { try outbox.count("status = 'delivered'") >= 300 }
        #expect(started, "the first relay delivered nothing")
        first.killIfRunning()
        let stranded = try outbox.count("status = 'delivering'")

        let second = try startRelay()
        defer { second.killIfRunning() }
        let drained = try outbox.wait(upTo: 120) { try outbox.count("status = 'delivered'") == total }
        #expect(drained, "not every job was delivered after the restart: \(outbox.statusText)")
        second.terminate()
        // Bounded: a relay that does not stop on SIGTERM fails the test instead of hanging CI.
        let status = second.exitStatus(within: 30)
        #expect(status == 0, "the relay did not stop cleanly within 30 s of SIGTERM (status \(status.map(String.init) ?? "none: still running"))")

        let records = consumer.waitFor(total, upTo: 120)
        try await Task.sleep(for: .seconds(1))
        expectEachProcessedOnce(consumer.records(), keys: try keys(outbox))
        #expect(records.count >= total)
        // The kill left claims behind (or landed between batches); either way none is left now.
        #expect(try outbox.count("status = 'delivering'") == 0, "stranded at the kill: \(stranded)")
    }

    @Test func redisStoppedAndStartedAgainMidStream() async throws {
        let binary = try RelayTestEnvironment.redisServerBinary()
        let outbox = try ScratchOutbox()
        let queue = uniqueQueue("restart")
        // A private redis-server (the shared one serves other tests), persisting through SHUTDOWN SAVE.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-redis-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Int.random(in: 20000..<50000)
        func startRedis() async throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir.path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            for _ in 0..<100 {
                if let c = try? await RedisConnection.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(200)) {
                    await c.close()
                    return p
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            p.terminate()
            throw RelayTestEnvironment.Missing(description: "the private redis-server did not start on port \(port)")
        }
        var server = try await startRedis()
        defer { server.killIfRunning() }
        let url = "redis://127.0.0.1:\(port)"
        let relay = InProcessRelay(try RelayOptions.forTests(outbox, to: url))

        // The stream: 40 batches of 25 jobs, one every 50 ms; Redis goes away after the 10th
        // batch and comes back after the 25th.
        var total = 0
        for round in 1...40 {
            total += try outbox.insertJobs(25, queue: queue, tag: "r\(round)")
            if round == 10 {
                _ = try? await RedisConnection.connect(host: "127.0.0.1", port: port).send(["SHUTDOWN", "SAVE"])
                _ = server.exitStatus(within: 10)
            }
            if round == 25 { server = try await startRedis() }
            try await Task.sleep(for: .milliseconds(50))
        }
        let drained = try outbox.wait(upTo: 60) { try outbox.count("status = 'delivered'") == total }
        let counters = try await relay.stop()
        #expect(drained, "not every job was delivered: \(outbox.statusText)")
        #expect(counters.released + counters.retried > 0, "Redis was down but no delivery failed: \(counters)")
        #expect(try outbox.count("status = 'dead'") == 0)

        let consumer = try BullMQConsumer(redisURL: url, queues: [queue], expect: total)
        defer { consumer.stop() }
        let records = consumer.waitFor(total, upTo: 120)
        try await Task.sleep(for: .seconds(1))
        expectEachProcessedOnce(consumer.records(), keys: try keys(outbox))
        #expect(records.count >= total)
        _ = try? await RedisConnection.connect(host: "127.0.0.1", port: port).send(["SHUTDOWN", "NOSAVE"])
    }

    @Test func twoRelaysOnOneOutboxClaimEachJobOnce() async throws {
        let redis = try RelayTestEnvironment.redis()
        let outbox = try ScratchOutbox()
        let queue = uniqueQueue("pair")
        let total = try outbox.insertJobs(2000, queue: queue)
        let consumer = try BullMQConsumer(redisURL: redis.url, queues: [queue], expect: total)
        defer { consumer.stop() }
        var options = try RelayOptions.forTests(outbox, to: redis.url)
        options.batchSize = 25
        let a = InProcessRelay(options), b = InProcessRelay(options)
        let drained = try outbox.wait(upTo: 90) { try outbox.count("status = 'delivered'") == total }
        let ca = try await a.stop(), cb = try await b.stop()
        #expect(drained, "\(outbox.statusText)")
        // No fault: each job was claimed by exactly one relay.
        #expect(ca.delivered + cb.delivered == total, "\(ca) / \(cb)")
        #expect(ca.delivered > 0 && cb.delivered > 0, "one relay did all the work: \(ca) / \(cb)")
        let records = consumer.waitFor(total, upTo: 120)
        try await Task.sleep(for: .seconds(1))
        expectEachProcessedOnce(consumer.records(), keys: try keys(outbox))
        #expect(records.count >= total)
    }

    @Test func aStopFinishesInFlightWorkAndReleasesClaims() async throws {
        let redis = try RelayTestEnvironment.redis()
        let outbox = try ScratchOutbox()
        try outbox.insertJobs(3000, queue: uniqueQueue("stop"))
        var options = try RelayOptions.forTests(outbox, to: redis.url)
        options.lease = .seconds(600)
        options.batchSize = 10
        let relay = InProcessRelay(options)
        _ = try outbox.wait(upTo: 30) { try outbox.count("status = 'delivered'") > 100 }
        let counters = try await relay.stop()
        // Nothing left claimed, even with a lease far in the future.
        #expect(try outbox.count("status = 'delivering'") == 0)
        #expect(try outbox.count("status = 'delivered'") == counters.delivered)
        #expect(try outbox.count("status = 'pending'") == 3000 - counters.delivered)
    }

    @Test func ticksTimersWithoutPgCronAndDeletesOldDeliveredJobs() async throws {
        let redis = try RelayTestEnvironment.redis()
        let outbox = try ScratchOutbox()
        try outbox.script("""
            CREATE TABLE rulec.ticks (at timestamptz);
            CREATE FUNCTION rulec.tick(p_until timestamptz DEFAULT NULL) RETURNS integer
            LANGUAGE sql AS $$ INSERT INTO rulec.ticks VALUES (now()); SELECT 2 $$;
            INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, status, run_at, priority, idempotency_key, queue, delivered_at)
            VALUES ('w', 'r', 'send_sms', 'contact', 'old', 'delivered', now() - interval '9 days', 'normal', 'old', 'q', now() - interval '8 days'),
                   ('w', 'r', 'send_sms', 'contact', 'new', 'delivered', now() - interval '1 day', 'normal', 'new', 'q', now() - interval '1 day');
            """)
        var options = try RelayOptions.forTests(outbox, to: redis.url)
        options.once = true
        let counters = try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: StopSignal())
        #expect(counters.timersFired == 2)
        #expect(try outbox.db.scalar("SELECT count(*)::text FROM rulec.ticks") == "1")
        #expect(counters.deleted == 1)
        #expect(try outbox.db.query("SELECT entity_id FROM rulec.jobs").map { $0[0] } == ["new"])
    }
}
