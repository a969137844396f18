import Foundation
import Testing
@testable import RulecDriver
@testable import RulecPostgres

/// A tiny HTTP/1.1 server on 127.0.0.1 for the relay's HTTP destination: every request is
/// answered by `respond` (given the path and the Idempotency-Key) and recorded. One thread per
/// connection, `Connection: close` on every answer. It stops when the test drops it.
final class LoopbackHTTPServer: @unchecked Sendable {
    struct Request { var path: String; var key: String; var body: String; var status: Int }
    let port: Int
    private let socketFD: Int32
    private let lock = NSLock()
    private var log: [Request] = []
    private var stopped = false
    private let respond: @Sendable (_ path: String, _ key: String, _ attempt: Int) -> (status: Int, delay: TimeInterval)

    init(respond: @escaping @Sendable (_ path: String, _ key: String, _ attempt: Int) -> (status: Int, delay: TimeInterval)) throws {
        self.respond = respond
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw RelayTestEnvironment.Missing(description: "cannot listen on 127.0.0.1") }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socketFD = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [unowned self] in self.acceptLoop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] {
        lock.lock(); defer { lock.unlock() }
        return log
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }

    private func acceptLoop() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 { return }
            Thread { self.serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 8192)
        var headerEnd: Int? = nil
        var contentLength = 0
        // Bounded: at most 1 MiB per request.
        while data.count < 1 << 20 {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { return }
            data += buffer[0..<n]
            if headerEnd == nil, let r = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                headerEnd = r.upperBound
                let head = String(decoding: data[..<r.lowerBound], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let h = headerEnd, data.count >= h + contentLength { break }
        }
        guard let h = headerEnd else { return }
        let head = String(decoding: data[..<h], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let path = lines.first.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "/" } ?? "/"
        let key = lines.first { $0.lowercased().hasPrefix("idempotency-key:") }
            .map { String($0.dropFirst("idempotency-key:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
        let body = String(decoding: data[h...], as: UTF8.self)
        lock.lock()
        let attempt = log.filter { $0.key == key && $0.path == path }.count + 1
        lock.unlock()
        let (status, delay) = respond(path, key, attempt)
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        lock.lock()
        log.append(Request(path: path, key: key, body: body, status: status))
        lock.unlock()
        let reply = "HTTP/1.1 \(status) X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        _ = reply.utf8CString.withUnsafeBufferPointer { send(client, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    deinit { stop() }
}

@Suite(.serialized) struct RelayHTTPTests {
    @Test func fiveHundredsAreRetriedUntilTwoHundred() async throws {
        let outbox = try ScratchOutbox()
        try outbox.insertJobs(20, queue: "sms")
        // Each job: 500 three times, then 200.
        let server = try LoopbackHTTPServer { _, _, attempt in (attempt <= 3 ? 500 : 200, 0) }
        defer { server.stop() }
        let relay = InProcessRelay(try RelayOptions.forTests(outbox, to: server.url + "/api/schedule-sms"))
        let drained = try outbox.wait(upTo: 60) { try outbox.count("status = 'delivered'") == 20 }
        let counters = try await relay.stop()
        #expect(drained, "\(outbox.statusText)")
        #expect(counters.retried == 60)
        #expect(counters.delivered == 20)
        #expect(try outbox.count("attempts = 3 AND last_error IS NULL") == 20)
        let ok = server.requests.filter { $0.status == 200 }
        #expect(ok.count == 20)
        #expect(Set(ok.map(\.key)) == Set(try outbox.db.query("SELECT idempotency_key FROM rulec.jobs").compactMap { $0[0] }))
        #expect(Set(server.requests.map(\.path)) == ["/api/schedule-sms"])
        let first = try #require(ok.first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any])
        #expect(body["queue"] as? String == "sms")
        #expect(body["name"] as? String == "send_sms")
        #expect(body["idempotency_key"] as? String == first.key)
    }

    @Test func fourHundredsAreDeadAtOnceAndRetryDeadBringsThemBack() async throws {
        let outbox = try ScratchOutbox()
        try outbox.insertJobs(5, queue: "sms")
        let server = try LoopbackHTTPServer { path, _, _ in (path == "/reject" ? 422 : 200, 0) }
        defer { server.stop() }
        var options = try RelayOptions.forTests(outbox, to: server.url + "/reject")
        options.once = true
        let counters = try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: StopSignal())
        #expect(counters.dead == 5)
        #expect(try outbox.count("status = 'dead' AND attempts = 1 AND last_error LIKE 'HTTP 422%'") == 5)

        let retry = JobsRetryCommand(databaseURL: outbox.urlText, dead: true).run()
        #expect(retry.status == .ok, "\(retry.stderr)")
        #expect(retry.stdout == "5 dead jobs back to pending\n")
        #expect(try outbox.count("status = 'pending' AND attempts = 0") == 5)

        options.destination = try RelayDestination(parsing: server.url + "/accept")
        let second = try await Relay(options: options, logger: RelayTestEnvironment.quietLogger).run(stop: StopSignal())
        #expect(second.delivered == 5)
    }

    @Test func retryableStatusesAndTimeoutsRunOutOfAttempts() async throws {
        let outbox = try ScratchOutbox()
        try outbox.insertJobs(3, queue: "sms")
        // 429, 408 and a reply slower than the timeout: all retryable, so dead after max attempts.
        let server = try LoopbackHTTPServer { _, _, attempt in
            attempt == 1 ? (429, 0) : attempt == 2 ? (408, 0) : (200, 3)
        }
        defer { server.stop() }
        var options = try RelayOptions.forTests(outbox, to: server.url)
        options.maxAttempts = 3
        options.deliveryTimeout = .milliseconds(500)
        let relay = InProcessRelay(options)
        let done = try outbox.wait(upTo: 60) { try outbox.count("status = 'dead'") == 3 }
        _ = try await relay.stop()
        #expect(done, "\(outbox.statusText)")
        #expect(try outbox.count("attempts = 3") == 3)
        let errors = try outbox.db.query("SELECT last_error FROM rulec.jobs").map { $0[0] ?? "" }
        #expect(errors.allSatisfy { !$0.hasPrefix("HTTP") }, "the last attempt timed out: \(errors)")
        #expect(server.requests.filter { $0.status == 429 }.count == 3)
        #expect(server.requests.filter { $0.status == 408 }.count == 3)
    }

    @Test func relayCommandChecksItsOptions() {
        let bad = RelayCommand(databaseURL: "postgres://u@localhost/db", to: "ftp://x").run()
        #expect(bad.status == .usage)
        let lease = RelayCommand(databaseURL: "postgres://u@localhost/db", to: "redis://127.0.0.1:1", lease: "1s", timeout: "5s").run()
        #expect(lease.status == .usage)
        #expect(lease.stderr.contains("--lease"))
        let duration = RelayCommand(databaseURL: "postgres://u@localhost/db", to: "redis://127.0.0.1:1", retention: "a week").run()
        #expect(duration.status == .usage)
    }
}
