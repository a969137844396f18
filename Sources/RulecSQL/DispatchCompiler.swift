import RulecSchema
import RulecSemantics

/// One trigger function per table and operation: it runs, in program order, every rule whose
/// trigger matches the change, including `reaches` rules whose aggregates read this table.
///
/// The function is shaped for the common case, a row that no rule fires on, which must cost next
/// to nothing (docs/performance.md, Triggers):
/// - the trigger's `WHEN` clause names the columns whose change can matter, when every rule says
///   (`changes`, `meets`/`reaches` over the row's own fields, `updated` with a condition that
///   needs a change), so PostgreSQL skips the function for other updates. It stays that small on
///   purpose: PostgreSQL prepares a `WHEN` clause again for every statement;
/// - inside, one expression evaluates the row-local prefilters (`RowLocalPrefilter`) of the
///   global rules and of the row's tenant's rules at once, in C, into the list of rules that may
///   fire; only those are then tested in full, in program order, and their fire functions
///   (settings, `once per`, limits, actions) called.
struct DispatchCompiler {
    let program: CheckedProgram
    let entity: Entity

    enum Op: String, CaseIterable {
        case insert, update, delete
        var sql: String { rawValue.uppercased() }
        /// The row a rule is bound to: the row after the change, or before it for a delete.
        var row: String { self == .delete ? "OLD" : "NEW" }
    }

    /// Up to this many rules, the function tests each in turn; beyond, it evaluates every
    /// prefilter in one expression first.
    static let maxSequentialBlocks = 4

    /// The per-tenant prefilter expressions repeat the global rules in each; beyond this many
    /// items in all, one expression for every tenant is smaller.
    static let maxTenantItems = 20_000

    var schema: Schema { program.schema }

    /// One rule's part in a dispatch function.
    private struct RuleBlock {
        /// The plpgsql that fires the rule when its trigger and condition hold.
        var code: String
        /// True exactly when the rule would fire (for the cascade-stopped record beyond depth 8).
        var wouldFire: String
        /// A row-local necessary condition; nil when any row may fire the rule.
        var prefilter: String?
        /// For updates: the columns whose change can make the rule fire; nil when any update can.
        var watched: [String]?
        /// The tenant the rule's condition requires (`contact.workspace_id = "ws_03"`), if any.
        var tenant: String?
    }

    private func expressionCompiler(row: String, rule: CheckedRule, entity e: Entity) -> SQLExpressionCompiler {
        let workspace = e.tenantKey.flatMap { e.field(named: $0) }.map { "(\(row).\(SQLQuoting.identifier($0.name)))::text" } ?? "NULL::text"
        return SQLExpressionCompiler(schema: schema, bindings: [rule.entity: (rule.entity, row)], oldRow: (rule.entity, "OLD"), now: "v_now",
                                     workspace: workspace, ruleName: rule.name,
                                     params: Dictionary(uniqueKeysWithValues: rule.params.map { ($0.name, $0) }), aliases: AliasCounter())
    }

    /// The condition under which an own trigger of `rule` matches, or nil if none can for `op`.
    /// With `prefilter` set, parts that read more than the row are replaced by `true`.
    private func ownMatch(_ rule: CheckedRule, _ op: Op, prefilter: RowLocalPrefilter? = nil) -> String? {
        guard rule.entity == entity.name else { return nil }
        var parts: [String] = []
        let new = expressionCompiler(row: op.row, rule: rule, entity: entity)
        let old = expressionCompiler(row: "OLD", rule: rule, entity: entity)
        func local(_ exprs: TypedExpr...) -> Bool { prefilter.map { p in exprs.allSatisfy(p.isRowLocal) } ?? true }
        for trigger in rule.triggers {
            switch (trigger, op) {
            case (.created, .insert), (.updated, .update), (.deleted, .delete):
                parts.append("true")
            case let (.changes(field, from, to), .update):
                let f = entity.field(named: field)!
                let was = new.read("OLD", f), now = new.read("NEW", f)
                var c = ["\(was) IS DISTINCT FROM \(now)"]
                // `from`/`to` match like `IS NOT DISTINCT FROM`, as the interpreter: `changes from null` means "was null".
                // Cast to the field's type: a bare `null` literal is typed text.
                let type = new.sqlType(ExprType(f.type))
                if let from, local(from) { c.append("\(was) IS NOT DISTINCT FROM (\(new.compile(from)))::\(type)") }
                if let to, local(to) { c.append("\(now) IS NOT DISTINCT FROM (\(new.compile(to)))::\(type)") }
                parts.append("(" + c.joined(separator: " AND ") + ")")
            case (.meets(let cond), .insert):
                parts.append(local(cond) ? "coalesce(\(new.compile(cond)), false)" : "true")
            case (.meets(let cond), .update):
                parts.append(local(cond) ? "(NOT coalesce(\(old.compile(cond)), false) AND coalesce(\(new.compile(cond)), false))" : "true")
            case let (.reaches(value, threshold, _), .update):
                parts.append(local(value, threshold)
                    ? "(NOT coalesce(\(old.compile(value)) >= \(old.compile(threshold)), false) AND coalesce(\(new.compile(value)) >= \(new.compile(threshold)), false))"
                    : "true")
            default:
                continue
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " OR ")
    }

    /// The rule's trigger and the row-local conjuncts of its condition, nil when nothing of them
    /// is row-local.
    private func prefilter(_ rule: CheckedRule, _ op: Op) -> String? {
        let filter = RowLocalPrefilter(entity: rule.entity)
        guard let trigger = ownMatch(rule, op, prefilter: filter) else { return nil }
        let c = expressionCompiler(row: op.row, rule: rule, entity: entity)
        let parts = filter.conjuncts(of: rule.condition).map(c.compile) + (trigger == "true" ? [] : ["(\(trigger))"])
        return parts.isEmpty ? nil : parts.joined(separator: " AND ")
    }

    /// The columns whose change can make `rule` fire on an update; nil when any update can
    /// (`updated` without a condition that needs a change, a `meets`/`reaches` reading more than
    /// the row).
    private func watchedColumns(_ rule: CheckedRule) -> [String]? {
        let filter = RowLocalPrefilter(entity: rule.entity)
        var columns: [String] = []
        for trigger in rule.triggers {
            switch trigger {
            case .updated:
                let c = expressionCompiler(row: "NEW", rule: rule, entity: entity)
                guard let implied = filter.impliedChanges(rule.condition, key: c.compile) else { return nil }
                columns += implied
            case .changes(let field, _, _): columns.append(field)
            case .meets(let c):
                guard filter.isRowLocal(c) else { return nil }
                columns += filter.columns(c)
            case let .reaches(value, threshold, _):
                guard filter.isRowLocal(value), filter.isRowLocal(threshold) else { return nil }
                columns += filter.columns(value) + filter.columns(threshold)
            case .created, .deleted, .timer: continue
            }
        }
        return columns
    }

    /// `reaches` triggers of `rule` whose aggregates read this table.
    private func relatedSources(_ rule: CheckedRule) -> [RelatedSource] {
        var out: [RelatedSource] = []
        for case .reaches(_, _, let related) in rule.triggers {
            for r in related where r.entity == entity.name && !out.contains(r) { out.append(r) }
        }
        return out
    }

    /// Fires `rule` for each owner row whose aggregate crossed its threshold; and the test of
    /// whether any owner would fire.
    private func relatedBlock(_ rule: CheckedRule, index: Int) -> (code: String, wouldFire: String)? {
        let sources = relatedSources(rule)
        guard !sources.isEmpty, let owner = schema.entity(named: rule.entity) else { return nil }
        let table = SQLQuoting.qualified(entity.dbSchema, entity.table)
        let ownerTable = SQLQuoting.qualified(owner.dbSchema, owner.table)
        let key = SQLQuoting.identifier(entity.key)
        let alias = "o\(index)"
        // The table as it was before this change: without the new row, with the old one.
        let before = "(SELECT x.* FROM \(table) x WHERE (x.\(key))::text IS DISTINCT FROM (NEW.\(key))::text UNION ALL SELECT (OLD).* WHERE TG_OP <> 'INSERT')"
        var pre = expressionCompiler(row: alias, rule: rule, entity: owner)
        pre.tableOverrides[entity.name] = before
        var post = expressionCompiler(row: alias, rule: rule, entity: owner)
        var crossings: [String] = []
        for case let .reaches(value, threshold, related) in rule.triggers where related.contains(where: { $0.entity == entity.name }) {
            crossings.append("(NOT coalesce(\(pre.compile(value)) >= \(pre.compile(threshold)), false) AND coalesce(\(post.compile(value)) >= \(post.compile(threshold)), false))")
        }
        let keys = sources.flatMap { s in ["((OLD.\(SQLQuoting.identifier(s.foreignKey)))::text)", "((NEW.\(SQLQuoting.identifier(s.foreignKey)))::text)"] }
        let ownerKey = "(\(alias).\(SQLQuoting.identifier(owner.key)))::text"
        let crossed = crossings.joined(separator: " OR ")
        let code = """
        FOR v_owner IN SELECT DISTINCT k COLLATE "C" AS k FROM (VALUES \(keys.map { "(\($0))" }.joined(separator: ", "))) v(k) WHERE k IS NOT NULL ORDER BY 1 LOOP
                PERFORM \(SQLNames.fireFunction(rule.name))(\(alias), NULL, v_now, false) FROM \(ownerTable) \(alias)
                    WHERE \(ownerKey) = v_owner AND (\(crossed));
            END LOOP;
        """
        // A fire from a related row has no old row: `old()` reads null, as in the fire function.
        post.oldRow = nil
        let condition = rule.condition.map { " AND coalesce(\(post.compile($0)), false)" } ?? ""
        let wouldFire = "EXISTS (SELECT 1 FROM \(ownerTable) \(alias) WHERE \(ownerKey) IN (\(keys.joined(separator: ", "))) AND (\(crossed))\(condition))"
        return (code, wouldFire)
    }

    /// The blocks of every rule that listens to `op` on this table, in program order.
    private func blocks(_ op: Op) -> [RuleBlock] {
        var out: [RuleBlock] = []
        for (i, rule) in program.rules.enumerated() {
            var code: [String] = [], wouldFire: [String] = []
            var filter: String?
            var watched: [String]? = []
            if let match = ownMatch(rule, op) {
                let args = op == .delete ? "OLD, OLD" : "NEW, OLD"
                let c = expressionCompiler(row: op.row, rule: rule, entity: entity)
                let holds = "(\(match))" + (rule.condition.map { " AND coalesce(\(c.compile($0)), false)" } ?? "")
                code.append("IF \(holds) THEN PERFORM \(SQLNames.fireFunction(rule.name))(\(args), v_now, true); END IF;")
                wouldFire.append("(\(holds))")
                filter = prefilter(rule, op)
                watched = watchedColumns(rule)
            }
            var tenant: String?
            if let related = relatedBlock(rule, index: i) {
                code.append(related.code)
                wouldFire.append(related.wouldFire)
                filter = nil
                watched = nil
            } else {
                tenant = RowLocalPrefilter.tenantConstant(rule.condition, entity: rule.entity, tenantKey: entity.tenantKey)
            }
            guard !code.isEmpty else { continue }
            out.append(RuleBlock(code: "-- rule \(rule.name)\n" + code.joined(separator: "\n"),
                                 wouldFire: wouldFire.joined(separator: " OR "), prefilter: filter, watched: watched, tenant: tenant))
        }
        return out
    }

    /// The blocks in program order: each tested in turn, or, for more than a few, the prefilters
    /// evaluated at once into `v_hits` and only the rules hit run.
    private func body(_ blocks: [RuleBlock]) -> String {
        guard blocks.count > Self.maxSequentialBlocks else { return indent(blocks.map(\.code).joined(separator: "\n"), 1) }
        // Binary search on the hit's number: a plpgsql CASE would test every branch in turn.
        func dispatch(_ range: Range<Int>, _ depth: Int) -> String {
            if range.count == 1 { return indent(blocks[range.lowerBound].code, depth) }
            let mid = range.lowerBound + range.count / 2
            return indent("IF v_hit <= \(mid) THEN", depth) + "\n" + dispatch(range.lowerBound..<mid, depth + 1) + "\n"
                + indent("ELSE", depth) + "\n" + dispatch(mid..<range.upperBound, depth + 1) + "\n" + indent("END IF;", depth)
        }
        return """
            -- Every rule's row-local prefilter at once; the rules hit, in program order.
        \(indent(hitsSelection(blocks), 1))
            FOREACH v_hit IN ARRAY v_hits LOOP
        \(dispatch(0..<blocks.count, 2))
            END LOOP;
        """
    }

    /// The statement that sets `v_hits`. PostgreSQL prepares each plpgsql expression again in every
    /// transaction, when it is first evaluated, at a cost that grows with its size: where rules
    /// require a tenant, the row's tenant picks (by binary search) the one expression holding the
    /// global rules and that tenant's rules, so a change pays for those only.
    private func hitsSelection(_ blocks: [RuleBlock]) -> String {
        /// `v_hits` over the blocks `include` keeps, numbered by their place among all blocks.
        func assign(_ include: (RuleBlock) -> Bool) -> String {
            let items = blocks.enumerated().filter { include($0.element) }.map { i, b in
                b.prefilter.map { "CASE WHEN \($0) THEN \(i + 1) END" } ?? "\(i + 1)"
            }
            return "v_hits := array_remove(ARRAY[\n    " + items.joined(separator: ",\n    ") + "\n]::integer[], NULL);"
        }
        func of(_ tenant: String?) -> String { assign { $0.tenant == nil || $0.tenant == tenant } }
        // Sorted as COLLATE "C" compares: by UTF-8 bytes.
        let tenants = Set(blocks.compactMap(\.tenant)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let globals = blocks.filter { $0.tenant == nil }.count
        guard tenants.count >= 2, (globals + 1) * tenants.count <= Self.maxTenantItems else { return assign { _ in true } }
        func select(_ ts: ArraySlice<String>) -> String {
            if ts.count == 1 {
                return "IF v_ws = \(SQLQuoting.literal(ts.first!)) THEN\n\(indent(of(ts.first!), 1))\nELSE\n\(indent(of(nil), 1))\nEND IF;"
            }
            let mid = ts.startIndex + ts.count / 2
            return "IF v_ws < \(SQLQuoting.literal(ts[mid])) COLLATE \"C\" THEN\n\(indent(select(ts[..<mid]), 1))\nELSE\n\(indent(select(ts[mid...]), 1))\nEND IF;"
        }
        return "IF v_ws IS NULL THEN\n\(indent(of(nil), 1))\nELSE\n\(indent(select(tenants[...]), 1))\nEND IF;"
    }

    private func indent(_ text: String, _ depth: Int) -> String {
        let pad = String(repeating: "    ", count: depth)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
    }

    /// The function and trigger for one operation, or "" when no rule listens to it.
    func sql(_ op: Op) -> String {
        let blocks = blocks(op)
        guard !blocks.isEmpty else { return "" }
        let table = SQLQuoting.qualified(entity.dbSchema, entity.table)
        let row = op.row
        let ws = entity.tenantKey.map { "(\(row).\(SQLQuoting.identifier($0)))::text" } ?? "NULL"
        let function = SQLNames.dispatchFunction(entity, op.rawValue)
        var when = ""
        let watched = blocks.compactMap(\.watched)
        if op == .update, watched.count == blocks.count {
            var columns: [String] = []
            for c in watched.joined() where !columns.contains(c) { columns.append(c) }
            if !columns.isEmpty {
                when = " WHEN (" + columns.map { "OLD.\(SQLQuoting.identifier($0)) IS DISTINCT FROM NEW.\(SQLQuoting.identifier($0))" }.joined(separator: " OR ") + ")"
            }
        }
        let text = """
        CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET "TimeZone" = 'UTC' AS $rulec$
        DECLARE
            v_now timestamptz := rulec.now();
            v_ws text := \(ws);
            v_owner text;
            v_cause text;
            v_hits integer[];
            v_hit integer;
        BEGIN
            IF rulec.depth() > 8 THEN
                -- Changes deeper than 8 are kept but fire nothing; a change that would have fired a rule
                -- is recorded as the cascade stopped, never raised.
                v_cause := current_setting('rulec.cause', true);
                IF coalesce(v_cause, '') <> '' AND (\(blocks.map(\.wouldFire).joined(separator: "\n                OR "))) THEN
                    PERFORM rulec.record_job(v_ws, split_part(v_cause, '|', 1), split_part(v_cause, '|', 2)::integer, NULL,
                        \(SQLQuoting.literal(entity.name)), (\(row).\(SQLQuoting.identifier(entity.key)))::text, '{}'::jsonb, 'cascade_stopped',
                        rulec.from_micros(split_part(v_cause, '|', 4)::bigint), NULL, split_part(v_cause, '|', 3), 'cascade_stopped', NULL);
                END IF;
                RETURN NULL;
            END IF;
        \(body(blocks))
            RETURN NULL;
        END
        $rulec$;
        CREATE TRIGGER \(SQLNames.dispatchTrigger(op.rawValue)) AFTER \(op.sql) ON \(table)
            FOR EACH ROW\(when) EXECUTE FUNCTION \(function)();

        """
        return SQLNames.dollarQuoted(text)
    }
}
