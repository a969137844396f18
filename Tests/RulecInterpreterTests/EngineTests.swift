import Testing
import RulecDiagnostics
import RulecInterpreter
import RulecSchema
import RulecSemantics
import RulecSyntax

/// Engine behaviour on small programs against the default schema, one contract point per test.
struct EngineTests {
    static let t0 = Timestamps.parse("2026-11-24T09:00:00Z")!
    static func at(_ s: String) -> Int64 { Timestamps.parse(s)! }

    func engine(_ source: String, settings: WorkspaceSettings = [:]) throws -> Engine {
        let sources = SourceManager()
        sources.add(SourceFile(path: "test.crmrule", text: source))
        let (tree, parseDiagnostics) = Parser.parse(sources)
        let (program, diagnostics) = Checker.check(tree, schema: Schema.defaultCRM, sources: sources)
        let errors = (parseDiagnostics + diagnostics).filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(DiagnosticRenderer().render(errors, sources: sources))")
        return Engine(program: try #require(program), settings: settings, clock: EngineTests.t0)
    }

    let ana: Row = ["id": .text("c1"), "workspace_id": .text("w1"), "first_name": .text("Ana"),
                    "phone": .text("+15550001"), "status": .text("lead")]

    @Test func welcomeSmsOnConversionAndCascadedAppointment() throws {
        let e = try engine("""
            rule welcome_new_customer
              once per contact
              when contact.status changes from lead to customer
              if contact.phone is not null
              then
                send_sms to: contact.phone, body: "Welcome to our service, {contact.first_name}!"
                create appointment with contact_id: contact.id, title: "Call", start_time: now + 3 days, duration_minutes: 30, status: scheduled
            """)
        try e.seed(entity: "contact", row: ana)
        try e.apply(.update(entity: "contact", id: "c1", set: ["status": .text("customer")]), at: EngineTests.at("2026-11-24T10:00:00Z"))
        try e.apply(.update(entity: "contact", id: "c1", set: ["status": .text("lead")]))
        try e.apply(.update(entity: "contact", id: "c1", set: ["status": .text("customer")]))
        let jobs = e.jobs
        #expect(jobs.map(\.status) == [.pending, .suppressed])
        #expect(jobs[0].params.map(\.name) == ["to", "body"])
        #expect(jobs[0].params[1].value == .text("Welcome to our service, Ana!"))
        #expect(jobs[0].workspaceId == "w1")
        #expect(jobs[0].runAt == EngineTests.at("2026-11-24T10:00:00Z"))
        let appointments = e.rows("appointment")
        #expect(appointments.count == 1)
        #expect(appointments.first?["start_time"] == .timestamp(EngineTests.at("2026-11-27T10:00:00Z")))
        #expect(appointments.first?["workspace_id"] == .text("w1"))
    }

    @Test func countReachesFiresOnceWhenCrossing() throws {
        let e = try engine("""
            rule engaged_contact
              when count(contact.messages where message.direction = inbound) reaches 3
              then notify message: "{contact.first_name} is engaged"
            """)
        try e.seed(entity: "contact", row: ana)
        for i in 1...4 {
            try e.apply(.insert(entity: "message", row: ["id": .text("m\(i)"), "workspace_id": .text("w1"), "contact_id": .text("c1"),
                                                          "direction": .text("inbound"), "body": .text("hi")]))
        }
        try e.apply(.delete(entity: "message", id: "m4"))
        try e.apply(.delete(entity: "message", id: "m3"))
        // A later instant: the same fire at the same instant would be the same job (one idempotency key).
        try e.apply(.insert(entity: "message", row: ["id": .text("m5"), "workspace_id": .text("w1"), "contact_id": .text("c1"),
                                                      "direction": .text("inbound"), "body": .text("again")]), at: EngineTests.at("2026-11-24T09:05:00Z"))
        #expect(e.jobs.count == 2)
        #expect(e.jobs.allSatisfy { $0.entity == "contact" && $0.entityId == "c1" })
    }

    @Test func timerFiresAtItsOwnTimeWithConditionAtFireTime() throws {
        let e = try engine("""
            rule reminder
              when 24 hours before appointment.start_time
              if appointment.status = scheduled
              then send_sms to: appointment.contact.phone, body: "Reminder: {appointment.title} at {appointment.start_time}"
            """)
        try e.seed(entity: "contact", row: ana)
        let appt: Row = ["id": .text("a1"), "workspace_id": .text("w1"), "contact_id": .text("c1"), "title": .text("Visit"),
                         "start_time": .timestamp(EngineTests.at("2026-11-26T10:00:00Z")), "duration_minutes": .int(30), "status": .text("scheduled")]
        try e.apply(.insert(entity: "appointment", row: appt))
        // Rescheduling re-arms; cancelling a second one suppresses its reminder at fire time.
        try e.apply(.update(entity: "appointment", id: "a1", set: ["start_time": .timestamp(EngineTests.at("2026-11-27T10:00:00Z"))]))
        var second = appt
        second["id"] = .text("a2")
        try e.apply(.insert(entity: "appointment", row: second))
        try e.apply(.update(entity: "appointment", id: "a2", set: ["status": .text("cancelled")]))
        // Already past when armed: never fires.
        var past = appt
        past["id"] = .text("a3")
        past["start_time"] = .timestamp(EngineTests.at("2026-11-24T12:00:00Z"))
        try e.apply(.insert(entity: "appointment", row: past))
        try e.apply(.advance(to: EngineTests.at("2026-12-01T00:00:00Z")))
        #expect(e.jobs.count == 1)
        #expect(e.jobs.first?.runAt == EngineTests.at("2026-11-26T10:00:00Z"))
        #expect(e.jobs.first?.params.last?.value == .text("Reminder: Visit at 2026-11-27T10:00:00Z"))
    }

    @Test func nullRequiredParamIsSkippedAndLimitRateLimits() throws {
        let e = try engine("""
            rule greet
              limit 1 per 1 hour
              when contact created
              then send_sms to: contact.phone, body: "hi"
            """)
        var noPhone = ana
        noPhone["phone"] = .null
        try e.apply(.insert(entity: "contact", row: noPhone))
        var other = ana
        other["id"] = .text("c2")
        try e.apply(.insert(entity: "contact", row: other))
        var third = ana
        third["id"] = .text("c3")
        try e.apply(.insert(entity: "contact", row: third), at: EngineTests.at("2026-11-24T10:00:00Z"))
        #expect(e.jobs.map(\.status) == [.skipped, .rateLimited, .pending])
    }

    @Test func settingsTurnRulesOffAndOverrideParams() throws {
        let e = try engine("""
            rule greet
              param greeting: text = "Hello"
              when contact created
              then notify message: "{greeting} {contact.first_name}"
            """, settings: ["w2": ["greet": RuleSettings(active: false)], "w3": ["greet": RuleSettings(params: ["greeting": .text("Hola")])]])
        for (id, w) in [("c1", "w1"), ("c2", "w2"), ("c3", "w3")] {
            var row = ana
            row["id"] = .text(id)
            row["workspace_id"] = .text(w)
            try e.apply(.insert(entity: "contact", row: row))
        }
        #expect(e.jobs.map { $0.params[0].value } == [.text("Hello Ana"), .text("Hola Ana")])
        #expect(e.jobs.map(\.workspaceId) == ["w1", "w3"])
    }

    /// Every fire is a job; identical ones at one instant get numbered keys (docs/jobs.md).
    @Test func identicalFiresAtOneInstantAreNumberedJobs() throws {
        let e = try engine("""
            rule touched
              when contact updated
              then notify message: "touched {contact.first_name}"
            """)
        try e.seed(entity: "contact", row: ana)
        try e.apply(.update(entity: "contact", id: "c1", set: ["score": .int(1)]))
        try e.apply(.update(entity: "contact", id: "c1", set: ["score": .int(2)]))
        try e.apply(.update(entity: "contact", id: "c1", set: ["score": .int(3)]), at: EngineTests.at("2026-11-24T09:01:00Z"))
        #expect(e.jobs.map(\.runAt) == [EngineTests.t0, EngineTests.t0, EngineTests.at("2026-11-24T09:01:00Z")])
        let first = e.jobs[0].idempotencyKey
        #expect(e.jobs[1].idempotencyKey == IdempotencyKey.md5Hex("\(first)|1"))
        #expect(Set(e.jobs.map(\.idempotencyKey)).count == 3)
    }

    @Test func jsonParamsAreHashedInJsonbTextForm() {
        #expect(ValueFormatting.json(.json(#"{"seats":3,"plan":"pro","a":{"y":1.50,"x":[1,2e2]}}"#))
                == #"{"a": {"x": [1, 200], "y": 1.50}, "plan": "pro", "seats": 3}"#)
    }

    @Test("rules requiring a tenant and a status fire only on rows holding both, in program order, with the rest")
    func rulesAreFoundByTwoRequiredConstants() throws {
        let e = try engine("""
            rule a_w1_customer
              when contact updated
              if contact.workspace_id = "w1" and contact.score > 1 and contact.status = customer
              then notify message: "a"
            rule b_w1_lead
              when contact updated
              if contact.status = lead and contact.workspace_id = "w1"
              then notify message: "b"
            rule c_w1
              when contact updated
              if contact.workspace_id = "w1"
              then notify message: "c"
            rule d_customer
              when contact updated
              if contact.status = customer and contact.first_name = "Ana"
              then notify message: "d"
            rule e_any
              when contact updated
              if contact.status = customer or contact.workspace_id = "w2"
              then notify message: "e"
            """)
        try e.seed(entity: "contact", row: ana)
        var w2 = ana
        w2["id"] = .text("c2")
        w2["workspace_id"] = .text("w2")
        try e.seed(entity: "contact", row: w2)
        var time = EngineTests.t0
        func fired(_ id: String, _ set: Row) throws -> [String] {
            // A second apart: identical fires at one instant would be one job.
            time += 1_000_000
            try e.apply(.update(entity: "contact", id: id, set: set), at: time)
            return e.takeJobs().map(\.rule)
        }
        #expect(try fired("c1", ["score": .int(2)]) == ["b_w1_lead", "c_w1"])
        #expect(try fired("c1", ["status": .text("customer")]) == ["a_w1_customer", "c_w1", "d_customer", "e_any"])
        #expect(try fired("c1", ["first_name": .text("Bo")]) == ["a_w1_customer", "c_w1", "e_any"])
        #expect(try fired("c1", ["status": .text("churned")]) == ["c_w1"])
        #expect(try fired("c2", ["status": .text("customer")]) == ["d_customer", "e_any"])
        #expect(try fired("c2", ["status": .text("lead")]) == ["e_any"])
    }

    @Test func idempotencyKeysAreStableAndDistinct() {
        #expect(IdempotencyKey.md5Hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(IdempotencyKey.md5Hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6")
        // RFC 1321's test suite: two blocks, and a tail of 55 and 56 bytes (one or two last blocks).
        #expect(IdempotencyKey.md5Hex(String(repeating: "1234567890", count: 8)) == "57edf4a22be3c955ac49da2e2107b67a")
        #expect(IdempotencyKey.md5Hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b")
        #expect(IdempotencyKey.md5Hex(String(repeating: "a", count: 55)) == "ef1772b6dff9a122358552954ad0df65")
        #expect(IdempotencyKey.md5Hex(String(repeating: "a", count: 56)) == "3b0c8ac703f828b04c6c197006d17218")
        let a = IdempotencyKey.make(rule: "r", actionIndex: 0, entity: "contact", entityId: "c1", fireTime: 1, params: "{}")
        let b = IdempotencyKey.make(rule: "r", actionIndex: 1, entity: "contact", entityId: "c1", fireTime: 1, params: "{}")
        #expect(a != b)
        #expect(a == IdempotencyKey.make(rule: "r", actionIndex: 0, entity: "contact", entityId: "c1", fireTime: 1, params: "{}"))
        // The key is the MD5 of the documented text, whatever the lengths and signs.
        let long = String(repeating: "é", count: 70)
        for (i, t, id, params) in [(-1, Int64(1_764_000_000_000_000), "c9", "suppressed"), (12, -1, "", "{}"), (0, .min, long, long),
                                   (Int.max, .max, "ü", #"{"body": "x\"y"}"#)] {
            #expect(IdempotencyKey.make(rule: "welcome", actionIndex: i, entity: "contact", entityId: id, fireTime: t, params: params)
                    == IdempotencyKey.md5Hex("rulec:v1|welcome|\(i)|contact|\(id)|\(t)|\(params)"))
        }
    }

    @Test func decimalsAreExactAndDivisionByZeroIsNull() throws {
        let e = try engine("""
            rule ratio
              when workspace updated
              then notify message: "{workspace.storage_used / workspace.storage_quota} {0.1 + 0.2} {workspace.api_calls / 0}"
            """)
        try e.seed(entity: "workspace", row: ["id": .text("w1"), "name": .text("W"), "owner_email": .text("o@x.io"),
                                               "storage_used": .int(1), "storage_quota": .int(3), "api_calls": .int(5), "api_quota": .int(10)])
        try e.apply(.update(entity: "workspace", id: "w1", set: ["name": .text("W2")]))
        #expect(e.jobs.first?.params[0].value == .text("0.3333333333 0.3 "))
    }
}
