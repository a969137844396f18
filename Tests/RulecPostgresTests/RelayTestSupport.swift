import Foundation
import Logging
import Testing
@testable import RulecPostgres
@testable import RulecSQL

/// The real parts the relay tests need: the PostgreSQL and redis-server that `make test`
/// starts (scripts/with-postgres.sh, scripts/with-redis.sh), and BullMQ's own Python worker.
/// Missing parts fail the test with the way to get them; nothing is skipped.
enum RelayTestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func env(_ names: String...) -> String? {
        let e = ProcessInfo.processInfo.environment
        for n in names { if let v = e[n], !v.isEmpty { return v } }
        return nil
    }

    /// The server of RULEC_TEST_PGHOST/PGPORT/PGUSER (else PGHOST/PGPORT/PGUSER).
    static func server() throws -> DatabaseURL {
        guard let host = env("RULEC_TEST_PGHOST", "PGHOST") else {
            throw Missing(description: "no PostgreSQL for the relay tests: run them via `make test` (scripts/with-postgres.sh scripts/with-redis.sh swift test), or set RULEC_TEST_PGHOST/PGPORT/PGUSER")
        }
        let port = Int(env("RULEC_TEST_PGPORT", "PGPORT") ?? "5432") ?? 5432
        let user = env("RULEC_TEST_PGUSER", "PGUSER") ?? "postgres"
        if host.hasPrefix("/") {
            return DatabaseURL(user: user, socketDirectory: host, port: port, database: "postgres")
        }
        return DatabaseURL(user: user, host: host, port: port, database: "postgres")
    }

    /// RULEC_TEST_REDIS_URL as host and port.
    static func redis() throws -> (url: String, host: String, port: Int) {
        guard let url = env("RULEC_TEST_REDIS_URL"), case .redis(let host, let port, _, _)? = try? RelayDestination(parsing: url) else {
            throw Missing(description: "no Redis for the relay tests: run them via `make test` (scripts/with-postgres.sh scripts/with-redis.sh swift test), or set RULEC_TEST_REDIS_URL")
        }
        return (url, host, port)
    }

    static func redisServerBinary() throws -> String {
        if let b = env("RULEC_TEST_REDIS_SERVER", "REDIS_SERVER") { return b }
        for p in ["/usr/bin/redis-server", "/usr/local/bin/redis-server"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        throw Missing(description: "redis-server not found: run via `make test` (scripts/with-redis.sh) or install Debian's redis-server")
    }

    /// The venv's python with BullMQ installed (scripts/bullmq-venv.sh creates it once).
    static let bullmqPython: Result<String, Missing> = {
        let out = try? runTool(packageRoot.appendingPathComponent("scripts/bullmq-venv.sh").path, [], timeout: 300)
        guard let out, out.status == 0, let path = out.stdout.split(separator: "\n").last.map(String.init),
              FileManager.default.isExecutableFile(atPath: path) else {
            return .failure(Missing(description: "scripts/bullmq-venv.sh could not install BullMQ's Python package: \(out?.stderr ?? "did not run")"))
        }
        return .success(path)
    }()

    /// The `rulec` executable next to the test bundle (swift build puts both in one directory).
    static func rulecBinary() throws -> String {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for bundle in Bundle.allBundles { candidates.append(bundle.bundleURL.deletingLastPathComponent()) }
        candidates.append(packageRoot.appendingPathComponent(".build/debug"))
        for dir in candidates {
            var d = dir
            for _ in 0..<4 {
                let p = d.appendingPathComponent("rulec").path
                if FileManager.default.isExecutableFile(atPath: p) { return p }
                d = d.deletingLastPathComponent()
            }
        }
        throw Missing(description: "the `rulec` executable was not found next to the tests: run `swift build` first (`make test` does)")
    }

    /// Runs a tool to completion (bounded by `timeout` seconds).
    @discardableResult
    static func runTool(_ path: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        final class Sink: @unchecked Sendable { var out = Data(), err = Data() }
        let sink = Sink(), group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { sink.out = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { sink.err = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        var status = p.exitStatus(within: max(0, deadline.timeIntervalSinceNow))
        if status == nil {
            p.terminate()
            status = p.exitStatus(within: 5)
            if status == nil { p.killIfRunning() }
        }
        _ = group.wait(timeout: .now() + 5)
        return (status ?? -1, String(decoding: sink.out, as: UTF8.self), String(decoding: sink.err, as: UTF8.self))
    }

    static var quietLogger: Logger {
        var l = Logger(label: "rulec.relay.test", factory: { StreamLogHandler.standardError(label: $0) })
        l.logLevel = ProcessInfo.processInfo.environment["RULEC_TEST_RELAY_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return l
    }
}

/// A fresh database with the runtime schema (the outbox), dropped at the end.
final class ScratchOutbox: @unchecked Sendable {
    let url: DatabaseURL
    let db: BlockingPostgresClient
    private let admin: BlockingPostgresClient
    let name: String

    init() throws {
        let server = try RelayTestEnvironment.server()
        admin = try BlockingPostgresClient(url: server)
        name = "relay_" + UUID().uuidString.prefix(8).lowercased()
        try admin.execute("CREATE DATABASE \(name)")
        var u = server
        u.database = name
        url = u
        db = try BlockingPostgresClient(url: u)
        try script(RuntimeSchema.sql)
    }

    /// Runs many statements at once (the client sends one statement per message, so they go
    /// through plpgsql's EXECUTE, which takes several).
    func script(_ sql: String) throws {
        try db.execute("DO $rulec_outer$ BEGIN EXECUTE $rulec_script$\(sql)$rulec_script$; END $rulec_outer$")
    }

    deinit {
        db.close()
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        admin.close()
    }

    /// The URL `rulec relay --database-url` takes.
    var urlText: String {
        if let dir = url.socketDirectory {
            return "postgres://\(url.user)@/\(name)?host=\(dir)&port=\(url.port)"
        }
        return "postgres://\(url.user)@\(url.host ?? "localhost"):\(url.port)/\(name)"
    }

    /// Inserts `count` pending jobs due now, as the fire functions do; keys are unique per call.
    @discardableResult
    func insertJobs(_ count: Int, queue: String, action: String = "send_sms", tag: String = UUID().uuidString) throws -> Int {
        try db.execute("""
            INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key, queue)
            SELECT 'w1', 'welcome', '\(action)', 'contact', 'c' || i,
                   jsonb_build_object('to', '+1555' || lpad(i::text, 7, '0'), 'body', 'hello ' || i),
                   'pending', now(), 'normal', md5('\(tag)|' || i), '\(queue)'
            FROM generate_series(1, \(count)) i
            """)
        return count
    }

    func count(_ condition: String) throws -> Int {
        Int(try db.scalar("SELECT count(*)::text FROM rulec.jobs WHERE \(condition)") ?? "0") ?? 0
    }

    func statuses() throws -> [String: Int] {
        var r: [String: Int] = [:]
        for row in try db.query("SELECT status, count(*)::text FROM rulec.jobs GROUP BY status") {
            r[row[0] ?? ""] = Int(row[1] ?? "0") ?? 0
        }
        return r
    }

    /// The statuses for messages.
    var statusText: String { (try? statuses()).map { "\($0)" } ?? "(statuses unreadable)" }

    /// Polls until `condition` holds, at most `timeout` seconds.
    func wait(upTo timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }
}

/// A real BullMQ Worker (scripts/bullmq_consumer.py) consuming some queues of a Redis, writing
/// one JSON line per processed job.
final class BullMQConsumer: @unchecked Sendable {
    let process = Process()
    let output: URL
    private let stderrPipe = Pipe()

    init(redisURL: String, queues: [String], expect: Int = 0, timeout: TimeInterval = 240) throws {
        let python = try RelayTestEnvironment.bullmqPython.get()
        output = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-bullmq-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [RelayTestEnvironment.packageRoot.appendingPathComponent("scripts/bullmq_consumer.py").path,
                             "--redis", redisURL, "--out", output.path, "--expect", String(expect), "--timeout", String(Int(timeout))]
            + queues.flatMap { ["--queue", $0] }
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Every processed job so far.
    func records() -> [[String: Any]] {
        guard let text = try? String(contentsOf: output, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// Waits until at least `count` jobs were processed (or `timeout` seconds passed).
    func waitFor(_ count: Int, upTo timeout: TimeInterval) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var r = records()
        while r.count < count, Date() < deadline {
            let exited = process.hasExited
            Thread.sleep(forTimeInterval: 0.1)
            r = records()
            if exited { break }   // read once more after the exit: nothing more will come
        }
        return r
    }

    func stop() {
        if !process.hasExited { process.terminate() }
        if process.exitStatus(within: 15) == nil { process.killIfRunning() }
        try? FileManager.default.removeItem(at: output)
    }

    deinit {
        process.killIfRunning()
    }
}

/// Checks the consumer's records against the outbox: every job of `keys` processed exactly once.
func expectEachProcessedOnce(_ records: [[String: Any]], keys: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) {
    var seen: [String: Int] = [:]
    for r in records { if let id = r["id"] as? String { seen[id, default: 0] += 1 } }
    let twice = seen.filter { $0.value > 1 }
    #expect(twice.isEmpty, "processed more than once: \(twice.keys.sorted().prefix(5))", sourceLocation: sourceLocation)
    let missing = keys.subtracting(seen.keys)
    #expect(missing.isEmpty, "\(missing.count) jobs never reached the worker, e.g. \(missing.sorted().prefix(3))", sourceLocation: sourceLocation)
    let unknown = Set(seen.keys).subtracting(keys)
    #expect(unknown.isEmpty, "jobs nobody sent: \(unknown.sorted().prefix(3))", sourceLocation: sourceLocation)
}

/// Runs relays in this process; `stop()` stops them all and returns their counters.
final class InProcessRelay: @unchecked Sendable {
    let stopSignal = StopSignal()
    private let task: Task<RelayCounters, any Error>

    init(_ options: RelayOptions) {
        let stop = stopSignal
        task = Task.detached { try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: stop) }
    }

    func stop() async throws -> RelayCounters {
        stopSignal.request()
        return try await task.value
    }

    func value() async throws -> RelayCounters { try await task.value }
}

extension RelayOptions {
    /// Fast settings for tests: short polls, leases and backoffs.
    static func forTests(_ outbox: ScratchOutbox, to destination: String) throws -> RelayOptions {
        var o = RelayOptions(database: outbox.url, destination: try RelayDestination(parsing: destination))
        o.pollInterval = .milliseconds(20)
        o.lease = .seconds(3)
        o.deliveryTimeout = .seconds(2)
        o.backoffBase = .milliseconds(20)
        o.backoffCap = .milliseconds(300)
        o.maxAttempts = 50
        o.batchSize = 50
        return o
    }
}
