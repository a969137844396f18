import Foundation
import Testing
import RulecDiagnostics
import RulecSyntax

/// The front end must end on any input with a tree, diagnostics, or both: never a crash, a
/// hang or a stack overflow. Two kinds of evidence: thousands of seeded mutants of every corpus
/// file (deterministic, so a failure reproduces from its seed), and hand-made pathological inputs.
/// The libFuzzer target (`Fuzz/FuzzParser.swift`, `scripts/fuzz.sh`) explores further.
@Suite("Robustness")
struct RobustnessTests {

    // MARK: Mutation of the corpus

    /// Every corpus file, mutated in many seeded ways, ends in a result with diagnostics inside the file.
    @Test("mutated corpus files never crash the parser", arguments: RobustnessCorpus.all())
    func mutatedCorpus(_ sample: CorpusSample) {
        var rng = SplitMix64(seed: sample.seed)
        let mutants = sample.bytes.count > 20_000 ? 100 : sample.embedded ? 400 : RobustnessCorpus.mutantsPerFile
        for n in 0..<mutants {
            var bytes = sample.bytes
            let steps = 1 + Int(rng.next(below: 4))
            for _ in 0..<steps { Mutator.mutate(&bytes, &rng) }
            let where_ = "\(sample.name), mutant \(n) of seed \(sample.seed)"
            checkParse(bytes, context: where_, render: n % 8 == 0)
        }
    }

    /// Every corpus file parses; the embedded samples (from LANGUAGE.md) parse cleanly, which makes
    /// their mutants start from valid programs.
    @Test("embedded samples parse without diagnostics", arguments: RobustnessCorpus.embedded)
    func embeddedSamplesAreValid(_ sample: CorpusSample) {
        let (_, diagnostics, _) = Parser.parse(SourceFile(path: sample.name, bytes: sample.bytes), fileIndex: 0)
        #expect(diagnostics.isEmpty, "\(sample.name): \(diagnostics.map(\.message))")
    }

    // MARK: Pathological inputs

    /// Deep nesting, huge files and broken encodings end in a diagnostic or a clean result.
    @Test("pathological inputs end in a result", arguments: Pathology.allCases)
    func pathological(_ p: Pathology) {
        let bytes = p.source
        let (file, diagnostics) = checkParse(bytes, context: "\(p)", render: true)
        switch p.expectation {
        case .clean:
            #expect(diagnostics.isEmpty, "\(p): \(diagnostics.prefix(5).map(\.message))")
        case .diagnostic:
            #expect(!diagnostics.isEmpty, "\(p) should be reported")
        case .either:
            break
        }
        if case .rules(let n) = p.ruleCount {
            #expect(file.rules.count == n, "\(p): \(file.rules.count) rules")
        }
    }

    /// One hostile construct costs the user at most one screenful: the parser reports at most
    /// `Parser.maxDiagnostics` per file, then one R1026 saying how many more there were
    /// (STYLE.md: cap the count). Cascades below the cap (one report per unclosed level) remain.
    @Test("one hostile construct gives a capped number of diagnostics", arguments: Pathology.allCases.filter(\.isSingleConstruct))
    func noFlood(_ p: Pathology) {
        let (_, diagnostics, _) = Parser.parse(SourceFile(path: "\(p)", bytes: p.source), fileIndex: 0)
        #expect(diagnostics.count <= Parser.maxDiagnostics + 1, "\(p): \(diagnostics.count) diagnostics")
        if diagnostics.count > Parser.maxDiagnostics {
            #expect(diagnostics.last?.code == .tooManyErrors)
        }
    }

    /// The deepest expression the parser accepts, parsed on a thread with a stack of known size:
    /// the depth cap must bound stack use wherever the front end runs (test threads, async tasks,
    /// a language server's workers).
    ///
    /// Measured (debug build, Linux): about 10 KiB of stack per nesting level (some 12 frames of
    /// ~830 bytes: the precedence levels from `parseExpression` down to `parsePrimary`), so 256
    /// levels take about 2.5 MiB. A 512 KiB stack (macOS secondary threads, Swift Testing's
    /// workers there) overflows at about 50 levels; Linux threads get 8 MiB. Hence 4 MiB here.
    @Test("maximum nesting fits on a 4 MiB stack")
    func maximumNestingOnSmallStack() {
        let depth = Parser.maxDepth - 2
        let inputs: [(String, String)] = [
            ("parens", ruleWith(condition: String(repeating: "(", count: depth) + "a = 1" + String(repeating: ")", count: depth))),
            ("not", ruleWith(condition: String(repeating: "not ", count: depth) + "a")),
            ("minus", ruleWith(condition: String(repeating: "-", count: depth) + "1 = a")),
            ("lists", ruleWith(condition: "a in " + String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth))),
            ("calls", ruleWith(condition: String(repeating: "f(", count: depth) + "a" + String(repeating: ")", count: depth) + " = 1")),
            ("chain", ruleWith(condition: "a = " + Array(repeating: "a", count: depth).joined(separator: " + "))),
            ("over the cap", ruleWith(condition: String(repeating: "(", count: 100_000) + "a")),
        ]
        for (name, source) in inputs {
            let bytes = Array(source.utf8)
            let finished = runOnSmallStack(bytes: 4 * 1024 * 1024) {
                let (file, diagnostics, _) = Parser.parse(SourceFile(path: name, bytes: bytes), fileIndex: 0)
                _ = ASTDump().dump(file)
                _ = diagnostics.count
            }
            #expect(finished, "\(name): the parser thread did not finish")
        }
    }

    // MARK: Helpers

    /// Parses, dumps and (optionally) renders; checks every range lies within the file.
    @discardableResult
    private func checkParse(_ bytes: [UInt8], context: String, render: Bool) -> (RuleFile, [Diagnostic]) {
        let source = SourceFile(path: "mutant.crmrule", bytes: bytes)
        let (file, diagnostics, _) = Parser.parse(source, fileIndex: 0)
        let n = bytes.count
        func inFile(_ r: SourceRange?) -> Bool {
            guard let r else { return true }
            return r.file == 0 && 0 <= r.start && r.start <= r.end && r.end <= n
        }
        for d in diagnostics {
            #expect(inFile(d.range), "\(context): \(d.code) `\(d.message)` at \(String(describing: d.range)) outside 0..<\(n)")
            for l in d.labels { #expect(inFile(l.range), "\(context): label of `\(d.message)` outside the file") }
            for f in d.fixIts { #expect(inFile(f.range), "\(context): fix-it of `\(d.message)` outside the file") }
        }
        for rule in file.rules {
            #expect(inFile(rule.range), "\(context): rule `\(rule.name.name)` range \(rule.range) outside the file")
        }
        _ = ASTDump().dump(file)
        _ = ASTDump(ranges: false).dump(file)
        // Rendering costs (diagnostics × line length); keep floods of diagnostics on huge lines out.
        if render && !diagnostics.isEmpty && diagnostics.count * bytes.count <= 20_000_000 {
            let sources = SourceManager()
            sources.add(source)
            _ = DiagnosticRenderer(format: .text).render(diagnostics, sources: sources)
            _ = DiagnosticRenderer(format: .json).render(diagnostics, sources: sources)
        }
        return (file, diagnostics)
    }
}

/// A rule whose `if` is `condition`, everything else minimal.
func ruleWith(condition: String) -> String {
    "rule deep\n  when contact created\n  if \(condition)\n  then notify message: \"x\"\n"
}

/// Runs `body` on a new thread with a stack of `bytes` and waits for it. Returns false if it
/// did not finish within a minute (a hang); a stack overflow crashes the test process, which
/// is the failure this exists to expose.
func runOnSmallStack(bytes: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.stackSize = bytes
    thread.start()
    return done.wait(timeout: .now() + 60) == .success
}

// MARK: - Corpus

/// One file to mutate: its name, bytes, and the seed its mutants derive from.
struct CorpusSample: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let seed: UInt64
    var embedded = false
    var testDescription: String { name }
}

enum RobustnessCorpus {
    static let mutantsPerFile = 250

    /// The repository root, found from this file's path (Tests/RulecSyntaxTests/…).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Embedded samples plus every `.crmrule` under rules/ and grammar/, in a stable order.
    static func all() -> [CorpusSample] {
        embedded + files()
    }

    static func files() -> [CorpusSample] {
        var paths: [String] = []
        let fm = FileManager.default
        for dir in ["rules", "grammar"] {
            let base = root.appendingPathComponent(dir).resolvingSymlinksInPath()
            guard let walker = fm.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where url.pathExtension == "crmrule" {
                paths.append(dir + "/" + url.path.dropFirst(base.path.count + 1))
            }
        }
        return paths.sorted().compactMap { rel in
            guard let data = fm.contents(atPath: root.appendingPathComponent(rel).path) else { return nil }
            return CorpusSample(name: rel, bytes: Array(data), seed: fnv1a(rel))
        }
    }

    /// Always mutated, whatever rules/ holds: LANGUAGE.md §1 and a sample using every construct.
    static let embedded: [CorpusSample] = [
        CorpusSample(name: "<LANGUAGE.md §1>", bytes: Array(languageFirstLook.utf8), seed: 0x5EED_0001, embedded: true),
        CorpusSample(name: "<every construct>", bytes: Array(everyConstruct.utf8), seed: 0x5EED_0002, embedded: true),
        CorpusSample(name: "<templates>", bytes: Array(templates.utf8), seed: 0x5EED_0003, embedded: true),
    ]

    static let languageFirstLook = #"""
    # rules/onboarding.crmrule
    rule welcome_new_customer "Welcome SMS, follow-up call and campaign on conversion"
      param campaign_id: text = "welcome"
      once per contact
      when contact.status changes from lead to customer
      if contact.phone is not null
      then
        send_sms to: contact.phone, body: "Welcome to our service, {contact.first_name}!"
        create appointment with contact_id: contact.id, workspace_id: contact.workspace_id,
          title: "Welcome Follow-up Call", start_time: now + 3 days, duration_minutes: 30,
          status: scheduled
        create campaign_member with campaign_id: campaign_id, contact_id: contact.id,
          workspace_id: contact.workspace_id, status: active

    rule appointment_reminder_24h
      when 24 hours before appointment.start_time
      if appointment.status = scheduled
      then
        send_sms to: appointment.contact.phone,
          body: "Reminder: {appointment.title} at {appointment.start_time}"

    rule nudge_after_silence
      when 3 days after message.created_at
      if message.direction = outbound
         and not exists(m in message.contact.messages
                        where m.direction = inbound and m.created_at > message.created_at)
      then
        create task with contact_id: message.contact_id, workspace_id: message.workspace_id,
          title: "No reply in 3 days: follow up with {message.contact.first_name}"

    rule engaged_contact
      when count(contact.messages where message.direction = inbound) reaches 5
      then notify message: "{contact.first_name} is engaged (5 replies)"

    rule storage_almost_full
      when workspace.storage_used reaches 0.9 * workspace.storage_quota
      then send_email to: workspace.owner_email, subject: "Storage 90% full",
             body: "Workspace {workspace.name} has used 90% of its storage."

    """#

    static let everyConstruct = #"""
    # Every clause, trigger form and operator at least once.
    rule kitchen_sink "all of it"
      param threshold: int = -3
      param statuses: [text] = [lead, "prospect"]
      param window: duration = 2 weeks
      once per contact every 1 day
      limit 100 per hour
      priority high
      when contact created or contact updated or contact deleted
        or contact.email changes
        or contact.status changes to customer
        or contact meets contact.score >= 10 and contact.status != lost
        or sum(d.amount where d.amount > 0) reaches 1000
        or 90 seconds after contact.created_at
      if (contact.score + 1) * 2 / 3 - -1 > threshold
         and contact.status in [lead, prospect] and contact.status not in statuses
         and (contact.email contains "@" or contact.email starts with "a" or contact.email ends with ".org")
         and contact.tags is not empty and contact.notes is empty and contact.phone is null
         and old(contact.status) = lead and coalesce(contact.name, "") != lower(upper("X"))
         and length(contact.name) <= 3 and min(contact.deals.amount) < max(contact.deals.amount)
         and not (true or false) and contact.updated_at < now - 5 minutes
      then
        webhook url: "https://example.com/{contact.id}", body: null delay 30 minutes
        enqueue queue: "q", name: "n"
        update contact set score = contact.score + 1, status = customer
        create note with contact_id: contact.id, body: "score {contact.score}"

    rule low_priority
      priority low
      when 1 week before appointment.start_time
      then notify message: "soon", user_id: appointment.owner_id
    """#

    static let templates = #"""
    rule templates
      when message created
      then
        notify message: "braces {{literal}} and {message.body} and \"quotes\" \\ \n \t \u{1F600}"
        notify message: "nested {coalesce(message.subject, "none: {message.id}")} done"
        notify message: "Müller {message.contact.first_name} — ünïcödé {1 + 2 * 3}"
    """#

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

// MARK: - Mutation

/// SplitMix64: tiny, fast, and the same on every platform, so a seed names a mutant forever.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform enough in 0..<n for testing (n > 0).
    mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }
}

enum Mutator {
    /// Tokens of the language, and fragments that stress its delimiters.
    static let tokens: [String] = Keyword.allCases.map(\.rawValue) + [
        "(", ")", "[", "]", "{", "}", "\"", "\"{", "}\"", "{{", "}}", ",", ":", ".", "+", "-", "*", "/",
        "=", "!=", "<", "<=", ">", ">=", "<>", "!", "&", "|", "'", "\\", "\\u{", "#", "# comment\n", "\n",
        "0", "42", "3.5", "1.2.3", "3days", "99999999999999999999999", "3 days", "24 hours", "90 seconds",
        "2 weeks", "1 month", "5 fortnights", "contact", "contact.status", "x", "_", "rule r when contact created then notify",
    ]

    /// Bytes that are interesting on their own: NUL, controls, invalid and partial UTF-8.
    static let oddBytes: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1B, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]

    static func mutate(_ b: inout [UInt8], _ rng: inout SplitMix64) {
        let n = b.count
        func pos() -> Int { rng.next(below: n + 1) }
        func insertToken() {
            let t = tokens[rng.next(below: tokens.count)]
            let text = rng.next(below: 2) == 0 ? t : " \(t) "
            b.insert(contentsOf: Array(text.utf8), at: pos())
        }
        guard n > 1 else { return insertToken() }
        switch rng.next(below: 10) {
        case 0, 1: // delete a short range
            let s = rng.next(below: n)
            b.removeSubrange(s..<min(n, s + 1 + rng.next(below: 8)))
        case 2: // duplicate a range in place
            let s = rng.next(below: n)
            let e = min(n, s + 1 + rng.next(below: 64))
            b.insert(contentsOf: Array(b[s..<e]), at: e)
        case 3, 4, 5: // insert a token, with or without surrounding spaces
            insertToken()
        case 6: // insert an odd byte (about half of them make the file invalid UTF-8)
            b.insert(oddBytes[rng.next(below: oddBytes.count)], at: pos())
        case 7: // replace a byte with a random ASCII byte
            b[rng.next(below: n)] = UInt8(rng.next(below: 128))
        case 8: // truncate
            b.removeSubrange(pos()..<n)
        default: // move a range elsewhere
            let s = rng.next(below: n)
            let e = min(n, s + 1 + rng.next(below: 32))
            let chunk = Array(b[s..<e])
            b.removeSubrange(s..<e)
            b.insert(contentsOf: chunk, at: rng.next(below: b.count + 1))
        }
    }
}

// MARK: - Pathological inputs

enum Pathology: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case nestedParens, nestedNot, nestedMinus, longAdditionChain, longOrChain, nestedLists, nestedCalls,
         longFieldPath, deepTemplates, deepTemplatesClosed, unclosedTemplateFlood, manyUnclosedStrings,
         fiftyMegabytes, invalidUTF8, invalidUTF8Late, overlongUTF8, surrogateUTF8, nulBytes, nulInString,
         emptyFile, onlyComments, onlyWhitespace, commentWithoutNewline, hugeNumber, millionTokens,
         manyRulesHeaderOnly, bracketsOnly

    var testDescription: String { rawValue }

    /// One broken construct, as opposed to many independent errors (10,000 unterminated rules).
    var isSingleConstruct: Bool {
        switch self {
        case .nestedParens, .nestedNot, .nestedMinus, .longAdditionChain, .longOrChain, .nestedLists, .nestedCalls,
             .longFieldPath, .deepTemplates, .unclosedTemplateFlood, .invalidUTF8, .invalidUTF8Late, .overlongUTF8,
             .surrogateUTF8, .nulBytes, .hugeNumber, .bracketsOnly:
            return true
        default:
            return false
        }
    }

    enum Expectation { case clean, diagnostic, either }
    enum RuleCount { case any, rules(Int) }

    var expectation: Expectation {
        switch self {
        case .fiftyMegabytes, .emptyFile, .onlyComments, .onlyWhitespace, .commentWithoutNewline, .deepTemplatesClosed:
            return .clean
        case .millionTokens, .manyRulesHeaderOnly:
            return .either
        default:
            return .diagnostic
        }
    }

    var ruleCount: RuleCount {
        switch self {
        case .fiftyMegabytes: return .rules(Pathology.fiftyMegabyteRules)
        case .emptyFile, .onlyComments, .onlyWhitespace, .commentWithoutNewline, .invalidUTF8, .overlongUTF8, .surrogateUTF8:
            return .rules(0)
        default: return .any
        }
    }

    static let big = 100_000
    static let fiftyMegabyteRule = Array(RobustnessCorpus.languageFirstLook.utf8)
    static var fiftyMegabyteRules: Int { (50_000_000 / fiftyMegabyteRule.count + 1) * 5 }

    var source: [UInt8] {
        let n = Pathology.big
        switch self {
        case .nestedParens: return Array(ruleWith(condition: String(repeating: "(", count: n) + "a = 1").utf8)
        case .nestedNot: return Array(ruleWith(condition: String(repeating: "not ", count: n) + "a").utf8)
        case .nestedMinus: return Array(ruleWith(condition: String(repeating: "-", count: n) + "1 = a").utf8)
        case .longAdditionChain: return Array(ruleWith(condition: "x = " + Array(repeating: "a", count: n).joined(separator: " + ")).utf8)
        case .longOrChain: return Array(ruleWith(condition: Array(repeating: "a = 1", count: n).joined(separator: " or ")).utf8)
        case .nestedLists: return Array(ruleWith(condition: "a in " + String(repeating: "[", count: n)).utf8)
        case .nestedCalls: return Array(ruleWith(condition: String(repeating: "f(", count: n) + "a").utf8)
        case .longFieldPath: return Array(ruleWith(condition: "contact" + String(repeating: ".a", count: n) + " = 1").utf8)
        case .deepTemplates:
            // "{"{"{"{… never closed: each interpolation opens another string.
            return Array(ruleWith(condition: "a = " + String(repeating: "\"{", count: n)).utf8)
        case .deepTemplatesClosed:
            // Properly closed nesting, 20 deep: within the lexer's limit, parses cleanly.
            let d = 20
            return Array(ruleWith(condition: "a = " + String(repeating: "\"{", count: d) + "1" + String(repeating: "}\"", count: d)).utf8)
        case .unclosedTemplateFlood:
            return Array(("rule t when c created then notify message: " + String(repeating: "\"{{{{{ {", count: n)).utf8)
        case .manyUnclosedStrings:
            return Array(String(repeating: "rule s \"unterminated\n", count: n / 10).utf8)
        case .fiftyMegabytes:
            let unit = Pathology.fiftyMegabyteRule
            let copies = 50_000_000 / unit.count + 1
            var bytes: [UInt8] = []
            bytes.reserveCapacity(copies * unit.count)
            // Rule names must be unique in a program, not in the parser's eyes; repetition is fine.
            for _ in 0..<copies { bytes.append(contentsOf: unit) }
            return bytes
        case .invalidUTF8: return [0xFF, 0xFE] + Array("rule r when contact created then notify".utf8)
        case .invalidUTF8Late: return Array(RobustnessCorpus.languageFirstLook.utf8) + [0xC3]
        case .overlongUTF8: return Array("rule r \"".utf8) + [0xC0, 0xAF] + Array("\" when c created then n".utf8)
        case .surrogateUTF8: return Array("# ".utf8) + [0xED, 0xA0, 0x80] + [0x0A]
        case .nulBytes: return Array(repeating: 0, count: 1000) + Array(ruleWith(condition: "a\0= 1").utf8)
        case .nulInString: return Array(ruleWith(condition: "a = \"x\0y\"").utf8) + [0] + Array("rule".utf8)
        case .emptyFile: return []
        case .onlyComments: return Array(String(repeating: "# just a comment, { \" ( [ rule when\n", count: 1000).utf8)
        case .onlyWhitespace: return Array(String(repeating: " \t\r\n", count: 10_000).utf8)
        case .commentWithoutNewline: return Array("# the end".utf8)
        case .hugeNumber: return Array(ruleWith(condition: "a = " + String(repeating: "9", count: n) + "." + String(repeating: "9", count: n) + " days x").utf8)
        case .millionTokens:
            return Array(("rule many when contact created then\n" + String(repeating: "notify message: \"m\"\n", count: n)).utf8)
        case .manyRulesHeaderOnly: return Array(String(repeating: "rule r\n", count: n).utf8)
        case .bracketsOnly: return Array(String(repeating: ")]}", count: n).utf8)
        }
    }
}
