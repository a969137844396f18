import Foundation
import NIOCore
import Testing
@testable import RulecPostgres

/// The relay's pure parts: RESP framing, destinations, durations, HTTP outcomes, bodies.
@Suite struct RelayUnitTests {
    @Test func respEncodesCommandsAsArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPCodec.encode(["SET", "k", "héllo"], into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n")
    }

    @Test func respDecodesEveryReplyShapeAndWaitsForMissingBytes() throws {
        let text = "+OK\r\n-ERR no\r\n:42\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n*-1\r\n"
        var buffer = ByteBuffer(string: text)
        var values: [RESPValue] = []
        while let v = try RESPCodec.decode(&buffer) { values.append(v) }
        #expect(values == [.simpleString("OK"), .error("ERR no"), .integer(42), .bulkString(Array("he\r\no".utf8)), .bulkString(nil),
                           .array([.integer(1), .array([.bulkString(Array("x".utf8))])]), .array(nil)])
        // Every prefix of a reply is "not yet", never an error, and consumes nothing.
        let whole = Array("*2\r\n$3\r\nabc\r\n:7\r\n".utf8)
        for cut in 0..<whole.count {
            var partial = ByteBuffer(bytes: whole[..<cut])
            #expect(try RESPCodec.decode(&partial) == nil)
            #expect(partial.readableBytes == cut)
        }
    }

    @Test func respRejectsGarbage() {
        var buffer = ByteBuffer(string: "?what\r\n")
        #expect(throws: (any Error).self) { try RESPCodec.decode(&buffer) }
    }

    @Test func destinations() throws {
        #expect(try RelayDestination(parsing: "redis://127.0.0.1:6380/2") == .redis(host: "127.0.0.1", port: 6380, database: 2, password: nil))
        #expect(try RelayDestination(parsing: "redis://:s3cret@localhost") == .redis(host: "localhost", port: 6379, database: 0, password: "s3cret"))
        #expect(try RelayDestination(parsing: "redis://:s3cret@localhost").description == "redis://localhost:6379/0")
        #expect(try RelayDestination(parsing: "https://queue.example/api/jobs") == .http(URL(string: "https://queue.example/api/jobs")!))
        #expect(throws: RelayDestination.Invalid.self) { try RelayDestination(parsing: "amqp://x") }
        #expect(throws: RelayDestination.Invalid.self) { try RelayDestination(parsing: "redis://localhost/zero") }
    }

    @Test func databaseURLs() throws {
        let tcp = try DatabaseURL(parsing: "postgres://u:secret@db.example:6543/crm")
        #expect(tcp.host == "db.example" && tcp.port == 6543 && tcp.database == "crm" && tcp.password == "secret")
        #expect(tcp.description == "postgres://u@db.example:6543/crm", "never the password")
        let socket = try DatabaseURL(parsing: "postgres://u@localhost:5433/crm?host=/tmp/pg")
        #expect(socket.socketPath == "/tmp/pg/.s.PGSQL.5433")
        #expect(socket.description == "postgres://u@localhost:5433/crm?host=/tmp/pg", "as it could be written again")
        for bad in ["postgres://u@localhost:99999/crm", "postgres://u@localhost:0/crm", "postgres://u@localhost/crm?port=x", "mysql://u@localhost/crm"] {
            #expect(throws: DatabaseURL.Invalid.self, "\(bad)") { try DatabaseURL(parsing: bad) }
        }
    }

    @Test func durations() {
        #expect(RelayDuration.parse("7d") == .seconds(7 * 86400))
        #expect(RelayDuration.parse("30s") == .seconds(30))
        #expect(RelayDuration.parse("250ms") == .milliseconds(250))
        #expect(RelayDuration.parse("1.5h") == .seconds(5400))
        #expect(RelayDuration.parse("12") == .seconds(12))
        #expect(RelayDuration.parse("soon") == nil)
        #expect(RelayDuration.parse("-1s") == nil)
    }

    @Test func httpStatusesAreClassified() {
        #expect(HTTPTarget.outcome(status: 200) == .delivered)
        #expect(HTTPTarget.outcome(status: 204) == .delivered)
        #expect(HTTPTarget.outcome(status: 400) == .permanent("HTTP 400"))
        #expect(HTTPTarget.outcome(status: 404) == .permanent("HTTP 404"))
        #expect(HTTPTarget.outcome(status: 408) == .retryable("HTTP 408"))
        #expect(HTTPTarget.outcome(status: 429) == .retryable("HTTP 429"))
        #expect(HTTPTarget.outcome(status: 500) == .retryable("HTTP 500"))
        #expect(HTTPTarget.outcome(status: 503) == .retryable("HTTP 503"))
        #expect(HTTPTarget.outcome(status: 302) == .retryable("HTTP 302"))
    }

    @Test func httpBodyIsTheDocumentedJSON() throws {
        let job = OutboxJob(id: 7, idempotencyKey: "k\"1", queue: "sms", name: "send_sms", data: #"{"to":"+1"}"#, workspaceID: nil,
                            rule: "welcome", entity: "contact", entityID: "c1", runAt: "2026-11-24T10:00:00Z", attempts: 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(HTTPTarget.body(of: job).utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["id", "idempotency_key", "queue", "name", "data", "workspace_id", "rule", "entity", "entity_id", "run_at"])
        #expect(object["idempotency_key"] as? String == "k\"1")
        #expect(object["workspace_id"] is NSNull)
        #expect((object["data"] as? [String: Any])?["to"] as? String == "+1")
    }

    @Test func jsonStringsAreEscaped() {
        #expect(jsonString("a\u{1}\n") == #""a\u0001\n""#)
    }
}
