import RulecSchema
import RulecSemantics

/// Names of everything rulec creates, so a migration can find and replace its own objects.
/// PostgreSQL truncates identifiers at 63 bytes; long rule names keep a hash suffix to stay unique.
enum SQLNames {
    static func fireFunction(_ rule: String) -> String { "rulec." + SQLQuoting.identifier("rule_" + bounded(rule)) }
    static func dispatchFunction(_ e: Entity, _ op: String) -> String { "rulec." + SQLQuoting.identifier("on_\(op)_" + bounded(e.dbSchema + "_" + e.table)) }
    static func timerFunction(_ e: Entity) -> String { "rulec." + SQLQuoting.identifier("timers_" + bounded(e.dbSchema + "_" + e.table)) }
    /// Triggers sort by name: timers are armed before rules run, as the interpreter does.
    static let timerTrigger = "rulec_0_timers"
    static func dispatchTrigger(_ op: String) -> String { "rulec_1_\(op)" }

    private static func bounded(_ s: String) -> String {
        if s.utf8.count <= 40 { return s }
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(decoding: Array(s.utf8.prefix(30)), as: UTF8.self) + "_" + String(h, radix: 16).suffix(8)
    }

    /// Function bodies are written between `$rulec$` quotes. Rule text (a literal holding
    /// `$rulec$`) must never end the quote early: when the body holds the tag, a fresh one
    /// (`$rulec1$`, …) that it does not hold replaces it around the body.
    static func dollarQuoted(_ function: String) -> String {
        let open = "AS $rulec$\n", close = "\n$rulec$;"
        guard let a = function.range(of: open), let b = function.range(of: close, options: .backwards), a.upperBound <= b.lowerBound else {
            return function
        }
        let body = function[a.upperBound..<b.lowerBound]
        guard body.contains("$rulec$") else { return function }
        var n = 1
        while body.contains("$rulec\(n)$") { n += 1 }
        let tag = "$rulec\(n)$"
        return String(function[..<a.lowerBound]) + "AS \(tag)\n" + body + "\n\(tag);" + String(function[b.upperBound...])
    }
}
