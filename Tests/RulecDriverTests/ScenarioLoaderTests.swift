import RulecDiagnostics
import RulecInterpreter
import RulecScenario
import RulecSemantics
import Testing

/// Test files are read like rule files: every mistake a coded diagnostic at its place.
struct ScenarioLoaderTests {
    /// The one diagnostic of a file, as `CODE line:col`, with its message and help.
    func only(_ yaml: String) throws -> (String, String, String?) {
        let (scenarios, diagnostics, sources) = try loadScenarios(yaml)
        #expect(scenarios.isEmpty, "a scenario with errors is not run")
        try #require(diagnostics.count == 1, "\(diagnostics.map(\.message))")
        return (placed(diagnostics[0], sources), diagnostics[0].message, diagnostics[0].help)
    }

    @Test func languageExampleLoads() throws {
        let (scenarios, diagnostics, _) = try loadScenarios(languageExampleScenario)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let s = try #require(scenarios.first)
        #expect(s.name == "welcome sms on conversion")
        #expect(s.now == 1_795_510_800_000_000)
        #expect(s.settings["w1"]?["welcome_new_customer"]?.params["campaign_id"] == .text("c-42"))
        #expect(s.given.count == 1)
        #expect(s.given[0].row["phone"] == .text("+15550001"))
        #expect(s.given[0].row["status"] == .text("lead"))
        #expect(s.events.count == 4)
        if case .update(let entity, let id, let set) = s.events[0].event {
            #expect(entity == "contact" && id == "c1" && set == ["status": .text("customer")])
        } else { Issue.record("the first event is an update") }
        #expect(s.events[0].at == 1_795_514_400_000_000)
        if case .advance(let t) = s.events[3].event { #expect(t == 1_795_773_600_000_000) } else { Issue.record("advance") }
        #expect(s.expect?.count == 1)
        #expect(s.expect?[0].status == .pending)
        #expect(s.expectRows.count == 1)
        #expect(s.expectRows[0].values.map(\.name) == ["contact_id", "title", "start_time"])
    }

    @Test func unknownKeySuggests() throws {
        let (place, message, help) = try only("name: x\nnow: 2026-11-24T09:00:00Z\nexpext: []\n")
        #expect(place == "R5003 3:1")
        #expect(message == "unknown key `expext` in a scenario")
        #expect(help == "did you mean `expect`?")
    }

    @Test func badTimestamp() throws {
        let (place, message, _) = try only("now: 2026-11-24T09:00:00Z\nevents:\n  - {at: 2026-11-31T10:00:00Z, advance: 2026-12-01T00:00:00Z}\n")
        #expect(place == "R5009 3:10")
        #expect(message == "`2026-11-31T10:00:00Z` is not a timestamp")
    }

    @Test func timestampFinerThanAMicrosecondSaysSo() throws {
        let (place, message, help) = try only("now: 2026-11-24T09:00:00Z\nevents:\n  - {advance: 2026-12-01T00:00:00.0000005Z}\n")
        #expect(place == "R5009 3:15")
        #expect(message == "`2026-12-01T00:00:00.0000005Z` is finer than a microsecond")
        #expect(help?.contains("at most 6 fractional digits") == true)
    }

    @Test func unknownField() throws {
        let (place, message, help) = try only("""
            now: 2026-11-24T09:00:00Z
            given:
              contact:
                - {id: c1, workspace_id: w1, first_nam: Ana, status: lead}
            """)
        #expect(place == "R5006 4:34")
        #expect(message == "entity `contact` has no field `first_nam`")
        #expect(help == "did you mean `first_name`?")
    }

    @Test func unknownEntityNamedLikeATable() throws {
        let (place, message, help) = try only("now: 2026-11-24T09:00:00Z\nevents:\n  - {delete: contacts, id: c1}\n")
        #expect(place == "R5005 3:14")
        #expect(message == "the schema has no entity `contacts`")
        #expect(help == "did you mean `contact`?")
    }

    @Test func invalidEnumValue() throws {
        let (place, message, help) = try only("""
            now: 2026-11-24T09:00:00Z
            events:
              - {update: contact, id: c1, set: {status: custmer}}
            """)
        #expect(place == "R5011 3:45")
        #expect(message == "`custmer` is not a value of enum `contact_status`")
        #expect(help?.hasPrefix("did you mean `customer`?") == true)
    }

    @Test func wrongValueType() throws {
        let (place, message, _) = try only("now: 2026-11-24T09:00:00Z\nevents:\n  - {update: contact, id: c1, set: {score: high}}\n")
        #expect(place == "R5010 3:44")
        #expect(message == "expected an int, found `high`")
    }

    @Test func malformedYAML() throws {
        let (place, message, _) = try only("name: x\nnow: 2026-11-24T09:00:00Z\ngiven: {contact: [{id: c1}\n")
        #expect(place.hasPrefix("R5001 "))
        #expect(message.hasPrefix("malformed YAML"))
    }

    @Test func missingNow() throws {
        let (place, message, _) = try only("name: x\nexpect: []\n")
        #expect(place == "R5004 1:1")
        #expect(message == "the scenario has no `now`")
    }

    @Test func clockGoesBackwards() throws {
        let (place, _, _) = try only("now: 2026-11-24T09:00:00Z\nevents:\n  - {advance: 2026-11-24T08:00:00Z}\n")
        #expect(place == "R5013 3:15")
    }

    @Test func unknownRuleAndParamInSettings() throws {
        let (_, diagnostics, sources) = try loadScenarios("""
            now: 2026-11-24T09:00:00Z
            settings:
              w1: {welcome_new_customr: {active: false}, welcome_new_customer: {params: {campain_id: x}}}
            """)
        #expect(diagnostics.map { placed($0, sources) } == ["R5007 3:8", "R5008 3:78"])
        #expect(diagnostics.map(\.help) == ["did you mean `welcome_new_customer`?", "did you mean `campaign_id`?"])
    }

    @Test func unknownExpectationParamAndStatus() throws {
        let (_, diagnostics, sources) = try loadScenarios("""
            now: 2026-11-24T09:00:00Z
            expect:
              - {action: send_sms, status: skiped, params: {boddy: hi}}
            """)
        #expect(diagnostics.map { placed($0, sources) } == ["R5002 3:32", "R5008 3:49"])
    }

    @Test func listOfScenarios() throws {
        let (scenarios, diagnostics, _) = try loadScenarios("""
            - name: first
              now: 2026-11-24T09:00:00Z
              expect: []
            - now: 2026-11-24T09:00:00+02:00
              expect:
                - {status: suppressed, action: null, priority: high, run_at: 2026-11-24T09:00:00.5Z}
            - name: third has an error
              now: 2026-11-24T09:00:00Z
              given: {contact: [{id: c1, status: nope}]}
            """)
        #expect(diagnostics.count == 1)
        #expect(scenarios.map(\.name) == ["first", "t #2"])
        #expect(scenarios[1].now == 1_795_503_600_000_000)
        let e = try #require(scenarios[1].expect?.first)
        #expect(e.status == .suppressed)
        #expect(e.action == .some(nil))
        #expect(e.priority == "high")
        #expect(e.runAt == 1_795_510_800_500_000)
    }

    @Test func valuesTypedBySchema() throws {
        let (scenarios, diagnostics, _) = try loadScenarios("""
            now: 2026-11-24T09:00:00Z
            given:
              contact:
                - {id: 7, workspace_id: w1, first_name: "true", status: lead, tags: [a, b], score: -3, phone: ~}
              workspace:
                - {id: w1, name: W, owner_email: o@x.io, settings: {b: 1.50, a: [true, null]}, storage_used: 0, storage_quota: 10, api_calls: 0, api_quota: 5}
            """)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let rows = try #require(scenarios.first).given
        #expect(rows[0].row["id"] == .text("7"))
        #expect(rows[0].row["first_name"] == .text("true"))
        #expect(rows[0].row["tags"] == .list([.text("a"), .text("b")]))
        #expect(rows[0].row["score"] == .int(-3))
        #expect(rows[0].row["phone"] == .null)
        // Numbers keep their written scale, as `jsonb` does.
        #expect(rows[1].row["settings"] == .json(#"{"a":[true,null],"b":1.50}"#))
    }
}

struct ValueTextTests {
    @Test func timestamps() {
        #expect(Timestamps.parse("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamps.parse("2026-11-24T09:00:00Z") == 1_795_510_800_000_000)
        #expect(Timestamps.parse("2026-11-24T11:00:00+02:00") == 1_795_510_800_000_000)
        #expect(Timestamps.parse("2026-11-24 09:00:00.123456+00") == 1_795_510_800_123_456)
        #expect(Timestamps.parse("2024-02-29") == 1_709_164_800_000_000)
        #expect(Timestamps.parse("2023-02-29") == nil)
        #expect(Timestamps.parse("2026-11-24T09:00:00.1234567Z") == nil)
        #expect(Timestamps.parse("2026-11-24T25:00:00Z") == nil)
        #expect(Timestamps.format(1_795_510_800_500_000) == "2026-11-24T09:00:00.5Z")
        #expect(Timestamps.format(-1) == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamps.parseDuration("3 days") == 259_200_000_000)
        #expect(Timestamps.parseDuration("1 hour 30 minutes") == 5_400_000_000)
        #expect(Timestamps.formatDuration(90_000_000) == "90 seconds")
    }

    @Test func decimalsStayExact() throws {
        let (program, _) = try checkedProgram()
        let c = ValueConverter(schema: program.schema)
        let v = try c.convert(.number("0.1"), to: .decimal)
        #expect(ValueConverter.canonical(v) == "0.1")
        #expect(ValueConverter.canonical(try c.convert(.plain("12.50"), to: .decimal)) == "12.5")
        #expect(throws: ConversionError.self) { try c.convert(.plain("1,5"), to: .decimal) }
    }
}
