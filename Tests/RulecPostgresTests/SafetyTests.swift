import Foundation
import RulecInterpreter
import RulecPostgres
import RulecScenario
import RulecSemantics
import Testing

/// No rule text, param or row value becomes SQL (issue 5, item 5): literals, templates, param
/// defaults and settings overrides holding quotes, backslashes, dollar-quote markers, semicolons,
/// unicode and SQL keywords come out in the jobs byte for byte, as the interpreter makes them.
@Suite struct SafetyTests {
    static let rules = #"""
        rule quoting_hazards
          param tail: text = "it's $rulec$ $$ \\ ; DROP TABLE contacts; -- ü 😀"
          param select_from: text = "$fn$ SELECT 1; $rulec$"
          when contact created
          then
            notify message: "O'Brien \"quoted\" \\back\\slash $rulec$ $$ ; DELETE FROM rulec.jobs; -- {contact.first_name} {tail}"
            send_sms to: contact.phone, body: "Ünïcödé \u{1F600} '); DROP TABLE contacts; -- {select_from} {{braces}} \n\t end"
            webhook url: "https://x.example/?q='or'1'='1", body: contact.tags

        rule keyword_literals
          when contact.status changes to customer
          if contact.first_name != "'; SELECT pg_sleep(10); --" and contact.last_name is null
          then notify message: "{contact.first_name}$$END$$", user_id: "NULL"
        """#

    static let hostile = ["O'Hara", "Robert'); DROP TABLE contacts;--", "$rulec$", "$$x$$", "back\\slash", "ü😀漢字", "line\nbreak", "select * from"]

    func makeCase() -> DifferentialCase {
        var given: [(entity: String, row: Row)] = []
        var events: [(event: Event, at: Int64?)] = []
        for (i, name) in Self.hostile.enumerated() {
            let row: Row = ["id": .text("c\(i)'\(name)"), "workspace_id": .text(i % 2 == 0 ? "w1" : "w'2;$$"),
                            "first_name": .text(name), "status": .text("lead"), "phone": .text("+1555'\(i)"),
                            "tags": .list([.text(name), .text("$rulec$")])]
            events.append((.insert(entity: "contact", row: row), nil))
            events.append((.update(entity: "contact", id: "c\(i)'\(name)", set: ["status": .text("customer")]), nil))
        }
        _ = given
        given = []
        let settings: WorkspaceSettings = ["w'2;$$": ["quoting_hazards": RuleSettings(params: ["tail": .text("'; SELECT pg_sleep(1); -- $rulec$ \\' ü")])]]
        return DifferentialCase(settings: settings, now: EventGenerator.start, given: given, events: events)
    }

    @Test("hostile literals, templates, params and row values come out byte for byte")
    func bytesSurvive() throws {
        let server = try testServer()
        let program = try program(Self.rules)
        let db = try PostgresTestDatabase.create(server: server, program: program)
        defer { db.drop() }
        let c = makeCase()
        let (a, b) = try DifferentialTests.outcomes(c, program, db)
        #expect(a.refused == nil && b.refused == nil, "refused: \(a.refused ?? "-") / \(b.refused ?? "-")")
        if let d = firstDifference(a.jobs, b.jobs) { Issue.record("job records differ: \(d)") }
        if let d = firstDifference(a.rows, b.rows) { Issue.record("rows differ: \(d)") }
        #expect(a.jobs.count == Self.hostile.count * 4)

        // And the exact bytes, read straight from the outbox.
        let pg = try PostgresScenarioBackend(database: db, settings: c.settings, now: c.now)
        for e in c.events { try pg.apply(e.event, at: e.at) }
        let jobs = pg.jobs()
        let first = try #require(jobs.first { $0.action == "notify" && $0.entityId == "c0'O'Hara" })
        #expect(first.params.first?.value == .text(#"O'Brien "quoted" \back\slash $rulec$ $$ ; DELETE FROM rulec.jobs; -- O'Hara it's $rulec$ $$ \ ; DROP TABLE contacts; -- ü 😀"#))
        let overridden = try #require(jobs.first { $0.action == "notify" && $0.workspaceId == "w'2;$$" && $0.rule == "quoting_hazards" })
        #expect(overridden.params.first.map { ValueFormatting.render($0.value).hasSuffix("'; SELECT pg_sleep(1); -- $rulec$ \\' ü") } == true)
        let sms = try #require(jobs.first { $0.action == "send_sms" })
        #expect(sms.params.first { $0.name == "body" }?.value == .text("Ünïcödé \u{1F600} '); DROP TABLE contacts; -- $fn$ SELECT 1; $rulec$ {braces} \n\t end"))
        let contacts = try db.client.scalar("SELECT count(*)::text FROM public.contacts")
        #expect(contacts == String(Self.hostile.count))
    }
}
