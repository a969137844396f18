import Foundation
import RulecInterpreter
import RulecPostgres
import RulecScenario
import Testing

/// The outbox's `queue` column, which the relay delivers by: the catalog's queue, or for an
/// action with a queue parameter (`enqueue`) the value the rule gave it, the catalog's queue
/// only when that value is null.
@Suite struct JobQueueTests {
    static let rules = #"""
        rule route
          when contact created
          then
            enqueue queue: "analytics", name: "contact_created", data: contact.tags
            enqueue queue: contact.last_name, name: "fallback"
            notify message: "new {contact.first_name}"
        """#

    @Test("a queue parameter names the job's queue; null falls back to the catalog's")
    func queueParameter() throws {
        let server = try testServer()
        let program = try program(Self.rules)
        let db = try PostgresTestDatabase.create(server: server, program: program)
        defer { db.drop() }
        let pg = try PostgresScenarioBackend(database: db, settings: [:], now: EventGenerator.start)
        try pg.apply(.insert(entity: "contact", row: ["id": .text("c1"), "workspace_id": .text("w1"), "first_name": .text("Ana"),
                                                       "status": .text("lead")]), at: nil)
        let rows = try db.client.query("SELECT action, coalesce(queue, '<null>') FROM rulec.jobs ORDER BY id")
        let queues = rows.map { ($0[0] ?? "", $0[1] ?? "") }
        #expect(queues.map(\.0) == ["enqueue", "enqueue", "notify"], "\(queues)")
        #expect(queues.map(\.1) == ["analytics", "enqueue", "notifications"], "\(queues)")
    }
}
