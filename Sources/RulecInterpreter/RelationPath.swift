import RulecSemantics

/// Many-to-one relations followed from a row (`message.contact.phone`). Every step stays in the
/// start row's tenant (LANGUAGE.md §7: nothing one workspace does reveals another's data): a
/// foreign key that points at another tenant's row reads as no row, as in the compiled SQL.
struct RelationPath {
    struct Step {
        var fk: Int
        var target: Int
        /// The target's tenant slot, if it has a tenant key.
        var tenant: Int?
    }

    var steps: [Step]
    var end: Int
    /// The start entity's tenant slot; nil when it has none, and then no step is scoped.
    var startTenant: Int?

    /// The row at the end of the path; nil when a key is null, its row does not exist, or it
    /// belongs to another tenant.
    @inline(__always)
    func follow(_ start: Record, _ world: World) -> Record? {
        var row = start
        let tenant = startTenant.map { start[$0] }
        for s in steps {
            guard let k = row[s.fk].keyText, let next = world.row(s.target, k) else { return nil }
            if let tenant, let t = s.tenant, !Self.sameTenant(tenant, next[t]) { return nil }
            row = next
        }
        return row
    }

    /// SQL's `a = b` on tenant keys: a null tenant matches nothing.
    @inline(__always)
    static func sameTenant(_ a: Value, _ b: Value) -> Bool {
        guard let x = a.keyText, let y = b.keyText else { return false }
        return x == y
    }
}
