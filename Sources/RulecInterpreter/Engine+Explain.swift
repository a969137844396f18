import RulecSemantics

/// `rulec run --explain`: for each change, the rules considered and why each fired or not, with
/// the values their triggers and conditions saw. Lines go to `Engine.explain`; nothing is
/// computed for them when it is nil, so runs without `--explain` pay nothing.
extension Engine {
    /// `update contact c1` (and the cascade depth, below the user's change).
    func explainChange(_ change: Change, depth: Int) {
        guard let explain else { return }
        let op = switch change.op { case .insert: "insert"; case .update: "update"; case .delete: "delete" }
        explain("\(String(repeating: "  ", count: depth))\(op) \(world.entities[change.entity].name) \(change.key)"
                + (depth > 0 ? " (cascade depth \(depth))" : ""))
    }

    /// One rule of the change's entity: whether a trigger matched, with the values it compared.
    func explainTriggers(_ rule: CompiledRule, _ change: Change, matched: Bool, depth: Int) {
        guard let explain else { return }
        var seen: [String] = []
        let row = change.new ?? change.old!
        var now = frame(rule, row: row, old: change.old, time: clock)
        for (t, trigger) in rule.triggers.enumerated() {
            switch (trigger, change.op) {
            case (.created, .insert), (.updated, .update), (.deleted, .delete):
                seen.append(rule.rule.triggers[t].kindName)
            case let (.changes(slot?, _, _), .update):
                let field = world.entities[change.entity].fields[slot].name
                seen.append("\(field): \(shown(change.old![slot])) → \(shown(change.new![slot]))")
            case let (.meets(c), .insert):
                seen.append("meets: \(shown(c(&now)))")
            case let (.meets(c), .update):
                var was = frame(rule, row: change.old!, old: nil, time: clock)
                seen.append("meets: \(shown(c(&was))) → \(shown(c(&now)))")
            case let (.reaches(value, threshold, _), .update):
                var was = frame(rule, row: change.old!, old: nil, time: clock)
                seen.append("reaches: \(shown(value(&was))) → \(shown(value(&now))) (threshold \(shown(threshold(&now))))")
            default:
                continue
            }
        }
        let values = seen.isEmpty ? "" : " (" + seen.joined(separator: "; ") + ")"
        if !matched { explain("\(indent(depth))rule \(rule.name): not fired, no trigger matched\(values)") }
        else { explain("\(indent(depth))rule \(rule.name): trigger matched\(values)") }
    }

    /// Why a fire that got past its trigger did or did not make jobs.
    func explainFire(_ rule: CompiledRule, depth: Int, _ outcome: String) {
        explain?("\(indent(depth))  \(rule.name): \(outcome)")
    }

    /// The condition's value on the frame, for the explanation.
    func explainCondition(_ rule: CompiledRule, _ c: Compiled, _ f: inout Frame, depth: Int) {
        guard explain != nil else { return }
        explainFire(rule, depth: depth, "condition is \(shown(c(&f))): not fired")
    }

    private func indent(_ depth: Int) -> String { String(repeating: "  ", count: depth + 1) }

    private func shown(_ v: Value) -> String { v.isNull ? "null (unknown)" : ValueFormatting.json(v) }
}
