import RulecSchema
import RulecSemantics

/// One trigger function per table and operation: it runs, in program order, every rule whose
/// trigger matches the change, including `reaches` rules whose aggregates read this table.
/// `WHEN` clauses let PostgreSQL skip the function when only unwatched columns change.
struct DispatchCompiler {
    let program: CheckedProgram
    let entity: Entity
    let ruleOrder: [String: Int]

    enum Op: String, CaseIterable {
        case insert, update, delete
        var sql: String { rawValue.uppercased() }
    }

    var schema: Schema { program.schema }

    private func expressionCompiler(row: String, rule: CheckedRule, entity e: Entity) -> SQLExpressionCompiler {
        let workspace = e.tenantKey.flatMap { e.field(named: $0) }.map { "(\(row).\(SQLQuoting.identifier($0.name)))::text" } ?? "NULL::text"
        return SQLExpressionCompiler(schema: schema, bindings: [rule.entity: (rule.entity, row)], oldRow: "OLD", now: "v_now",
                                     workspace: workspace, ruleName: rule.name,
                                     params: Dictionary(uniqueKeysWithValues: rule.params.map { ($0.name, $0) }), aliases: AliasCounter())
    }

    /// The condition under which an own trigger of `rule` matches, or nil if none can for `op`.
    private func ownMatch(_ rule: CheckedRule, _ op: Op) -> String? {
        guard rule.entity == entity.name else { return nil }
        var parts: [String] = []
        let new = expressionCompiler(row: "NEW", rule: rule, entity: entity)
        let old = expressionCompiler(row: "OLD", rule: rule, entity: entity)
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
                if let from { c.append("\(was) IS NOT DISTINCT FROM (\(new.compile(from)))::\(type)") }
                if let to { c.append("\(now) IS NOT DISTINCT FROM (\(new.compile(to)))::\(type)") }
                parts.append("(" + c.joined(separator: " AND ") + ")")
            case (.meets(let cond), .insert):
                parts.append("coalesce(\(new.compile(cond)), false)")
            case (.meets(let cond), .update):
                parts.append("(NOT coalesce(\(old.compile(cond)), false) AND coalesce(\(new.compile(cond)), false))")
            case let (.reaches(value, threshold, _), .update):
                parts.append("(NOT coalesce(\(old.compile(value)) >= \(old.compile(threshold)), false) AND coalesce(\(new.compile(value)) >= \(new.compile(threshold)), false))")
            default:
                continue
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " OR ")
    }

    /// `reaches` triggers of `rule` whose aggregates read this table.
    private func relatedSources(_ rule: CheckedRule) -> [RelatedSource] {
        var out: [RelatedSource] = []
        for case .reaches(_, _, let related) in rule.triggers {
            for r in related where r.entity == entity.name && !out.contains(r) { out.append(r) }
        }
        return out
    }

    /// The code that fires `rule` for each owner row whose aggregate crossed its threshold.
    private func relatedBlock(_ rule: CheckedRule, index: Int) -> String? {
        let sources = relatedSources(rule)
        guard !sources.isEmpty, let owner = schema.entity(named: rule.entity) else { return nil }
        let table = SQLQuoting.qualified(entity.dbSchema, entity.table)
        let ownerTable = SQLQuoting.qualified(owner.dbSchema, owner.table)
        let key = SQLQuoting.identifier(entity.key)
        // The table as it was before this change: without the new row, with the old one.
        let before = "(SELECT x.* FROM \(table) x WHERE (x.\(key))::text IS DISTINCT FROM (NEW.\(key))::text UNION ALL SELECT (OLD).* WHERE TG_OP <> 'INSERT')"
        var pre = expressionCompiler(row: "o\(index)", rule: rule, entity: owner)
        pre.tableOverrides[entity.name] = before
        let post = expressionCompiler(row: "o\(index)", rule: rule, entity: owner)
        var crossings: [String] = []
        for case let .reaches(value, threshold, related) in rule.triggers where related.contains(where: { $0.entity == entity.name }) {
            crossings.append("(NOT coalesce(\(pre.compile(value)) >= \(pre.compile(threshold)), false) AND coalesce(\(post.compile(value)) >= \(post.compile(threshold)), false))")
        }
        let keys = sources.flatMap { s in ["((OLD.\(SQLQuoting.identifier(s.foreignKey)))::text)", "((NEW.\(SQLQuoting.identifier(s.foreignKey)))::text)"] }
        return """
        FOR v_owner IN SELECT DISTINCT k COLLATE "C" AS k FROM (VALUES \(keys.map { "(\($0))" }.joined(separator: ", "))) v(k) WHERE k IS NOT NULL ORDER BY 1 LOOP
                PERFORM \(SQLNames.fireFunction(rule.name))(o\(index), NULL, v_now) FROM \(ownerTable) o\(index)
                    WHERE (o\(index).\(SQLQuoting.identifier(owner.key)))::text = v_owner AND (\(crossings.joined(separator: " OR ")));
            END LOOP;
        """
    }

    /// Columns whose change can matter to an update, or nil when any update can.
    private func watchedColumns(_ rules: [CheckedRule]) -> [String]? {
        var columns: [String] = []
        for rule in rules {
            if !relatedSources(rule).isEmpty { return nil }
            guard rule.entity == entity.name else { continue }
            for t in rule.triggers {
                switch t {
                case .updated, .meets, .reaches: return nil
                case .changes(let f, _, _): if !columns.contains(f) { columns.append(f) }
                default: continue
                }
            }
        }
        return columns
    }

    /// The function and trigger for one operation, or "" when no rule listens to it.
    func sql(_ op: Op) -> String {
        var blocks: [String] = []
        var involved: [CheckedRule] = []
        for (i, rule) in program.rules.enumerated() {
            var block: [String] = []
            if let match = ownMatch(rule, op) {
                let args = op == .delete ? "OLD, OLD" : "NEW, OLD"
                block.append("IF \(match) THEN PERFORM \(SQLNames.fireFunction(rule.name))(\(args), v_now); END IF;")
            }
            if let related = relatedBlock(rule, index: i) { block.append(related) }
            if !block.isEmpty {
                blocks.append("-- rule \(rule.name)\n    " + block.joined(separator: "\n    "))
                involved.append(rule)
            }
        }
        guard !blocks.isEmpty else { return "" }
        let table = SQLQuoting.qualified(entity.dbSchema, entity.table)
        let row = op == .delete ? "OLD" : "NEW"
        let ws = entity.tenantKey.map { "(\(row).\(SQLQuoting.identifier($0)))::text" } ?? "NULL"
        let function = SQLNames.dispatchFunction(entity, op.rawValue)
        var when = ""
        if op == .update, let columns = watchedColumns(involved) {
            when = " WHEN (" + columns.map { "OLD.\(SQLQuoting.identifier($0)) IS DISTINCT FROM NEW.\(SQLQuoting.identifier($0))" }.joined(separator: " OR ") + ")"
        }
        let text = """
        CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET "TimeZone" = 'UTC' AS $rulec$
        DECLARE
            v_now timestamptz := rulec.now();
            v_owner text;
            v_cause text;
        BEGIN
            IF rulec.depth() > 8 THEN
                -- Changes deeper than 8 are kept but fire nothing; the cascade is recorded, never raised.
                v_cause := current_setting('rulec.cause', true);
                IF coalesce(v_cause, '') <> '' THEN
                    PERFORM rulec.record_job(\(ws), split_part(v_cause, '|', 1), split_part(v_cause, '|', 2)::integer, NULL,
                        \(SQLQuoting.literal(entity.name)), (\(row).\(SQLQuoting.identifier(entity.key)))::text, '{}'::jsonb, 'cascade_stopped',
                        rulec.from_micros(split_part(v_cause, '|', 4)::bigint), NULL, split_part(v_cause, '|', 3), 'cascade_stopped', NULL);
                END IF;
                RETURN NULL;
            END IF;
            \(blocks.joined(separator: "\n    "))
            RETURN NULL;
        END
        $rulec$;
        CREATE TRIGGER \(SQLNames.dispatchTrigger(op.rawValue)) AFTER \(op.sql) ON \(table)
            FOR EACH ROW\(when) EXECUTE FUNCTION \(function)();

        """
        return SQLNames.dollarQuoted(text)
    }
}
