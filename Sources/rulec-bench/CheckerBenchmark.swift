import Foundation
import RulecDiagnostics
import RulecSchema
import RulecSemantics
import RulecSyntax

/// `rulec-bench check [--rules N] [--files F] [--reps K] [--write DIR]`: how long `rulec check` takes on N
/// generated rules (issue 3: 10,000 rules in under a second, release build).
///
/// The rules are generated in memory, deterministic for a given N, in the shapes real CRM
/// automations take (status transitions, inserts with filters, templates, relations, params,
/// once-per, limits, timers, `reaches` on fields and aggregates, data actions), so every phase
/// of the checker works: name resolution, types, triggers, actions, templates and the rule graph.
/// Reading files is not timed (they are in memory); lexing, parsing and checking are, separately.
enum CheckerBenchmark {
    static func run(_ args: [String]) {
        var rules = 10_000, files = 10, reps = 5
        var writeDir: String?
        var i = 0
        while i < args.count {
            let value = i + 1 < args.count ? Int(args[i + 1]) : nil
            switch args[i] {
            case "--rules": rules = value ?? rules
            case "--files": files = value ?? files
            case "--reps": reps = value ?? reps
            case "--write": writeDir = i + 1 < args.count ? args[i + 1] : nil
            default:
                FileHandle.standardError.write(Data("usage: rulec-bench check [--rules N] [--files F] [--reps K] [--write DIR]\n".utf8))
                exit(2)
            }
            i += 2
        }
        let texts = generate(rules: rules, files: files)
        if let writeDir {
            // For timing `rulec check DIR` as a process: write the files and stop.
            try? FileManager.default.createDirectory(atPath: writeDir, withIntermediateDirectories: true)
            for (n, text) in texts.enumerated() {
                FileManager.default.createFile(atPath: "\(writeDir)/gen\(n).crmrule", contents: Data(text.utf8))
            }
            return
        }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        print("checker: \(rules) generated rules in \(files) files, \(bytes / 1024) KiB of source, \(reps) runs")

        var parseTimes: [Double] = [], checkTimes: [Double] = [], totals: [Double] = []
        var diagnosticCount = 0
        for _ in 0..<reps {
            let sources = SourceManager()
            for (n, text) in texts.enumerated() { _ = sources.add(SourceFile(path: "gen\(n).crmrule", text: text)) }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let (tree, syntaxDiagnostics) = Parser.parse(sources)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let (program, checkDiagnostics) = Checker.check(tree, schema: Schema.defaultCRM, sources: sources)
            let t2 = DispatchTime.now().uptimeNanoseconds
            let errors = (syntaxDiagnostics + checkDiagnostics).filter { $0.severity == .error }
            if program == nil || !errors.isEmpty {
                let report = DiagnosticRenderer().report(Array(errors.prefix(5)), sources: sources)
                print("generated rules do not check clean:\n\(report)")
                exit(1)
            }
            diagnosticCount = syntaxDiagnostics.count + checkDiagnostics.count
            parseTimes.append(Double(t1 - t0) / 1e9)
            checkTimes.append(Double(t2 - t1) / 1e9)
            totals.append(Double(t2 - t0) / 1e9)
        }
        func line(_ name: String, _ xs: [Double]) -> String {
            let s = xs.sorted()
            return "\(name): median \(fmt(s[s.count / 2])) s [\(fmt(s.first!))-\(fmt(s.last!))]"
        }
        print(line("  lex+parse", parseTimes))
        print(line("  check    ", checkTimes))
        print(line("  total    ", totals))
        let med = totals.sorted()[totals.count / 2]
        print("  \(Int(Double(rules) / med)) rules/s; \(diagnosticCount) warnings; peak RSS \(peakRSSMiB()) MiB")
    }

    static func fmt(_ x: Double) -> String { String(format: "%.3f", x) }

    /// N rules spread over `files` texts; rule i takes shape i mod 12.
    static func generate(rules: Int, files: Int) -> [String] {
        var texts = Array(repeating: "", count: max(files, 1))
        let statuses = ["lead", "prospect", "customer", "churned"]
        let tags = ["vip", "newsletter", "trial", "hot", "partner", "webinar"]
        for i in 0..<rules {
            let ws = "ws_\(String(format: "%02d", i % 20 + 1))"
            let s1 = statuses[i % 4], s2 = statuses[(i / 4) % 4 == i % 4 ? (i + 1) % 4 : (i / 4) % 4]
            let tag = tags[i % tags.count]
            let n = i % 90 + 5
            let r: String
            switch i % 12 {
            case 0:
                r = """
                rule g\(i) "Status change \(i)"
                  when contact.status changes from \(s1) to \(s2)
                  if contact.workspace_id = "\(ws)" and contact.tags contains "\(tag)" and contact.phone is not null
                  then
                    send_sms to: contact.phone, body: "Hi {contact.first_name}, welcome ({contact.status})"
                """
            case 1:
                r = """
                rule g\(i)
                  when contact updated
                  if old(contact.score) < \(n) and contact.score >= \(n) and contact.workspace_id = "\(ws)"
                  then notify message: "{contact.first_name} {contact.last_name} crossed \(n)"
                """
            case 2:
                r = """
                rule g\(i)
                  limit \(n) per hour
                  when message created
                  if message.direction = inbound and lower(message.body) contains "price" and message.contact.phone is not null
                  then
                    send_sms to: message.contact.phone, body: "Thanks {message.contact.first_name}, our prices: ..."
                """
            case 3:
                r = """
                rule g\(i)
                  param hook: text = "https://hooks.example.com/\(i)"
                  when appointment.status changes to confirmed
                  if appointment.workspace_id = "\(ws)"
                  then webhook url: hook
                """
            case 4:
                r = """
                rule g\(i)
                  when \(n) minutes before appointment.start_time
                  if appointment.status in [scheduled, confirmed] and appointment.contact.phone is not null
                  then
                    send_sms to: appointment.contact.phone, body: "Reminder: {appointment.title} at {appointment.start_time}"
                """
            case 5:
                r = """
                rule g\(i)
                  once per contact
                  when count(contact.messages where message.direction = inbound) reaches \(n % 10 + 2)
                  then notify message: "{contact.first_name} replied \(n % 10 + 2) times"
                """
            case 6:
                r = """
                rule g\(i)
                  when contact created
                  if contact.source = "web" and contact.email is not null
                  then
                    send_email to: contact.email, subject: "Welcome", body: "Hello {contact.first_name}"
                """
            case 7:
                r = """
                rule g\(i)
                  when message.delivery_status changes to failed
                  if message.direction = outbound and message.workspace_id = "\(ws)"
                  then enqueue queue: "retries", name: "retry-\(i)"
                """
            case 8:
                r = """
                rule g\(i)
                  when appointment.status changes to no_show
                  then
                    create task with contact_id: appointment.contact_id, workspace_id: appointment.workspace_id,
                      title: "No-show \(i): {appointment.title}", due_at: now + 1 day, status: open
                """
            case 9:
                r = """
                rule g\(i)
                  priority high
                  when contact.tags changes
                  if contact.tags contains "\(tag)" and not (old(contact.tags) contains "\(tag)") and coalesce(contact.score, 0) > \(n)
                  then notify message: "{contact.first_name} tagged \(tag)"
                """
            case 10:
                r = """
                rule g\(i)
                  when workspace.api_calls reaches 0.9 * workspace.api_quota
                  then send_email to: workspace.owner_email, subject: "Quota", body: "{workspace.name} used {workspace.api_calls} calls"
                """
            default:
                r = """
                rule g\(i)
                  when contact meets contact.score >= \(n) and contact.status = \(s1)
                  if length(contact.first_name) > 1
                  then notify message: "{contact.first_name} qualifies (\(n))"
                """
            }
            texts[i % texts.count] += r + "\n\n"
        }
        return texts
    }
}

/// Peak resident set size of this process (VmHWM), in MiB; 0 where /proc is missing.
func peakRSSMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}
