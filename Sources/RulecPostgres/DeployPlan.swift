/// A row of `rulec.rules`: a rule as it is deployed now.
public struct DeployedRule: Sendable, Equatable {
    public var name: String
    public var entity: String
    public var runOrder: Int
    public var sourceHash: String
    /// ISO 8601 UTC, as the database reports it.
    public var deployedAt: String

    public init(name: String, entity: String, runOrder: Int, sourceHash: String, deployedAt: String) {
        self.name = name
        self.entity = entity
        self.runOrder = runOrder
        self.sourceHash = sourceHash
        self.deployedAt = deployedAt
    }
}

/// What a deploy will do, computed from the catalog in the database and the rules being
/// deployed, before anything changes. A rule is identified by its name; it has changed when its
/// source hash differs. Settings are never deleted by a deploy, so the plan only counts them.
public struct DeployPlan: Sendable, Equatable {
    /// Rule names, each list sorted.
    public var added: [String]
    public var changed: [String]
    public var removed: [String]
    public var unchanged: [String]
    /// False when the database has no `rulec.rules` yet: the first deploy.
    public var catalogExisted: Bool
    /// All rows of `rulec.settings`; they survive every deploy.
    public var settingsKept: Int
    /// Of `settingsKept`, the rows of rules that are not in the new rule set (kept for a comeback).
    public var settingsOfRemovedRules: Int
    /// Armed timers of rules that are not in the new rule set: the migration deletes them.
    public var timersDropped: Int

    public init(deploying rules: [(name: String, sourceHash: String)], deployed: [DeployedRule]?,
                settingsKept: Int = 0, settingsOfRemovedRules: Int = 0, timersDropped: Int = 0) {
        let old = Dictionary((deployed ?? []).map { ($0.name, $0.sourceHash) }, uniquingKeysWith: { a, _ in a })
        let new = Set(rules.map(\.name))
        var added: [String] = [], changed: [String] = [], unchanged: [String] = []
        for r in rules {
            switch old[r.name] {
            case nil: added.append(r.name)
            case r.sourceHash?: unchanged.append(r.name)
            default: changed.append(r.name)
            }
        }
        self.added = added.sorted()
        self.changed = changed.sorted()
        self.unchanged = unchanged.sorted()
        self.removed = old.keys.filter { !new.contains($0) }.sorted()
        self.catalogExisted = deployed != nil
        self.settingsKept = settingsKept
        self.settingsOfRemovedRules = settingsOfRemovedRules
        self.timersDropped = timersDropped
    }

    /// True when no rule is added, changed or removed.
    public var isNoOp: Bool { added.isEmpty && changed.isEmpty && removed.isEmpty }

    /// The plan as `rulec deploy` prints it:
    ///
    ///     plan: 1 added, 1 changed, 1 removed, 28 unchanged
    ///       + new_rule
    ///       ~ edited_rule
    ///       - old_rule
    ///     settings kept: 3 rows (1 of removed rules)
    public func render() -> String {
        var out = "plan: \(added.count) added, \(changed.count) changed, \(removed.count) removed, \(unchanged.count) unchanged"
        if !catalogExisted { out += " (first deploy: no rulec catalog in the database yet)" }
        out += "\n"
        for n in added { out += "  + \(n)\n" }
        for n in changed { out += "  ~ \(n)\n" }
        for n in removed { out += "  - \(n)\n" }
        if isNoOp && catalogExisted { out += "  no rule changes\n" }
        out += "settings kept: \(settingsKept) row\(settingsKept == 1 ? "" : "s")"
        if settingsOfRemovedRules > 0 { out += " (\(settingsOfRemovedRules) of removed rules)" }
        out += "\n"
        if timersDropped > 0 { out += "timers dropped: \(timersDropped) (of removed rules)\n" }
        return out
    }
}
