import Foundation
import RulecDiagnostics
import RulecDriver
import RulecScenario
import RulecSemantics

/// The rules most scenario tests run: LANGUAGE.md §1's first rule, without the campaign.
let welcomeRules = """
    rule welcome_new_customer "Welcome SMS and a follow-up call on conversion"
      param campaign_id: text = "welcome"
      once per contact
      when contact.status changes from lead to customer
      if contact.phone is not null
      then
        send_sms to: contact.phone, body: "Welcome to our service, {contact.first_name}!"
        create appointment with contact_id: contact.id, workspace_id: contact.workspace_id,
          title: "Welcome Follow-up Call", start_time: now + 3 days, duration_minutes: 30,
          status: scheduled

    """

/// LANGUAGE.md §8's example scenario, word for word.
let languageExampleScenario = """
    name: welcome sms on conversion
    now: 2026-11-24T09:00:00Z            # the clock before the first event
    settings:                            # optional, per workspace and rule
      w1: {welcome_new_customer: {params: {campaign_id: c-42}}}
    given:                               # rows that exist before; no rule fires
      contact:
        - {id: c1, workspace_id: w1, first_name: Ana, phone: "+15550001", status: lead}
    events:                              # in order; `at` moves the clock forward
      - {at: 2026-11-24T10:00:00Z, update: contact, id: c1, set: {status: customer}}
      - {at: 2026-11-24T10:05:00Z, insert: message, row: {id: m1, workspace_id: w1, contact_id: c1, direction: inbound, body: hi}}
      - {delete: message, id: m1}
      - {advance: 2026-11-27T10:00:00Z}  # timers due by then fire
    expect:                              # the jobs, in order; params listed must match
      - {rule: welcome_new_customer, action: send_sms, params: {to: "+15550001", body: "Welcome to our service, Ana!"}}
    expect_rows:                         # optional: rows that must exist afterwards
      appointment:
        - {contact_id: c1, title: Welcome Follow-up Call, start_time: 2026-11-27T10:00:00Z}

    """

/// A fresh temporary directory holding the given files (name → text).
func makeDirectory(_ files: [String: String]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-driver-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files {
        let path = (dir as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    return dir
}

/// The checked program of some rule text, and the source manager it was loaded into.
func checkedProgram(_ rules: String = welcomeRules) throws -> (CheckedProgram, SourceManager) {
    let dir = try makeDirectory(["rules.crmrule": rules])
    let loaded = try ProgramLoader(paths: [dir]).load()
    guard let program = loaded.program else {
        throw FixtureError(description: "rules do not check: \(loaded.diagnostics.map(\.message))")
    }
    return (program, loaded.sources)
}

struct FixtureError: Error, CustomStringConvertible { var description: String }

/// Loads scenario YAML against the welcome rules.
func loadScenarios(_ yaml: String, rules: String = welcomeRules) throws -> (scenarios: [Scenario], diagnostics: [Diagnostic], sources: SourceManager) {
    let (program, sources) = try checkedProgram(rules)
    let (s, d) = ScenarioLoader(program: program, sources: sources).load(yaml: yaml, path: "t.test.yaml")
    return (s, d, sources)
}

/// A diagnostic as `CODE line:col`, the parts position tests check.
func placed(_ d: Diagnostic, _ sources: SourceManager) -> String {
    guard let r = d.range else { return "\(d.code.id) -" }
    let (l, c) = sources[r.file].lineAndColumn(of: r.start)
    return "\(d.code.id) \(l):\(c)"
}
