import RulecSchema
import RulecSemantics

/// One plpgsql function per rule: given the row (and the row before the change), it applies
/// settings, the condition (unless the caller has tested it: `p_checked`), `once per` and `limit`,
/// then runs the actions in source order. Trigger matching happens in the dispatch functions;
/// timers call it from `rulec.tick()`.
struct FireFunctionCompiler {
    let schema: Schema
    let rule: CheckedRule

    var entity: Entity { schema.entity(named: rule.entity)! }

    func compiler() -> SQLExpressionCompiler {
        let e = entity
        let workspace = e.tenantKey.flatMap { e.field(named: $0) }.map { "(r.\(SQLQuoting.identifier($0.name)))::text" } ?? "NULL::text"
        return SQLExpressionCompiler(schema: schema, bindings: [rule.entity: (rule.entity, "r")], oldRow: (rule.entity, "o"), now: "v_now",
                                     workspace: workspace, ruleName: rule.name,
                                     params: Dictionary(uniqueKeysWithValues: rule.params.map { ($0.name, $0) }), aliases: AliasCounter())
    }

    func sql() -> String {
        let e = entity
        let c = compiler()
        let rowType = SQLQuoting.qualified(e.dbSchema, e.table)
        let name = SQLQuoting.literal(rule.name)
        let entityName = SQLQuoting.literal(e.name)
        let priority = SQLQuoting.literal(rule.priority.rawValue)
        var body: [String] = []
        body.append("IF v_ws IS NOT NULL AND EXISTS (SELECT 1 FROM rulec.settings s WHERE s.workspace_id = v_ws AND s.rule = \(name) AND NOT s.active) THEN RETURN; END IF;")
        if let cond = rule.condition {
            body.append("IF NOT p_checked AND NOT coalesce(\(c.compile(cond)), false) THEN RETURN; END IF;")
        }
        func refused(_ status: String) -> String {
            "PERFORM rulec.record_job(v_ws, \(name), -1, NULL, \(entityName), v_id, '{}'::jsonb, '\(status)', v_now, NULL, \(priority), '\(status)', NULL); RETURN;"
        }
        if let once = rule.oncePer {
            var subject = "v_id"
            if let rel = once.relation, let r = e.relation(named: rel) {
                subject = OncePerSubject.relatedSQL(fk: "(\(c.read("r", e.field(named: r.foreignKey)!)))::text", workspace: "v_ws")
            }
            body.append("v_subject := \(subject);")
            let within = once.every.map { "v_now - v_last < \(SQLQuoting.literal("\($0) microseconds"))::interval" } ?? "true"
            body.append("IF v_subject IS NOT NULL THEN SELECT p.last_fire INTO v_last FROM rulec.once_per p WHERE p.rule = \(name) AND p.subject = v_subject; IF FOUND AND \(within) THEN \(refused("suppressed")) END IF; END IF;")
        }
        if let limit = rule.limit {
            body.append("v_window := floor(rulec.micros(v_now)::numeric / \(limit.window))::bigint;")
            body.append("SELECT w.fires INTO v_fires FROM rulec.rate_windows w WHERE w.rule = \(name) AND w.workspace_id = coalesce(v_ws, '') AND w.window_index = v_window;")
            body.append("IF coalesce(v_fires, 0) >= \(limit.count) THEN \(refused("rate_limited")) END IF;")
        }
        if rule.oncePer != nil {
            body.append("IF v_subject IS NOT NULL THEN INSERT INTO rulec.once_per (rule, subject, workspace_id, last_fire) VALUES (\(name), v_subject, v_ws, v_now) ON CONFLICT (rule, subject) DO UPDATE SET last_fire = EXCLUDED.last_fire; END IF;")
        }
        if rule.limit != nil {
            body.append("INSERT INTO rulec.rate_windows (rule, workspace_id, window_index, fires) VALUES (\(name), coalesce(v_ws, ''), v_window, 1) ON CONFLICT (rule, workspace_id, window_index) DO UPDATE SET fires = rulec.rate_windows.fires + 1;")
        }
        for (i, action) in rule.actions.enumerated() {
            body.append("-- action \(i + 1)")
            switch action {
            case let .external(actionName, arguments, delay, _):
                let spec = schema.action(named: actionName)
                let pairs = arguments.map { "\(SQLQuoting.literal($0.name)), \(c.jsonValue($0.value))" }
                body.append("v_params := jsonb_build_object(\(pairs.joined(separator: ", ")));")
                let required = arguments.filter { !(spec?.parameter(named: $0.name)?.optional ?? true) }
                let skip = required.isEmpty ? "false" : required.map { "jsonb_typeof(v_params -> \(SQLQuoting.literal($0.name))) = 'null'" }.joined(separator: " OR ")
                // The queue a rule names through the action's queue parameter, else the catalog's.
                let queue = spec.map { spec in
                    spec.queueParameter.map { "coalesce(v_params ->> \(SQLQuoting.literal($0)), \(SQLQuoting.literal(spec.queue)))" }
                        ?? SQLQuoting.literal(spec.queue)
                } ?? "NULL"
                let job = JobInsertSQL(workspace: "v_ws", rule: name, action: SQLQuoting.literal(actionName), entity: entityName, entityId: "v_id",
                                       params: "v_params", status: "CASE WHEN \(skip) THEN 'skipped' ELSE 'pending' END",
                                       runAt: delay.map { "v_now + \(SQLQuoting.literal("\($0) microseconds"))::interval" } ?? "v_now", priority: priority,
                                       keyPrefix: JobInsertSQL.keyPrefix(rule: rule.name, actionIndex: i, entity: e.name), fireTime: "v_now",
                                       keyParams: "v_params::text", queue: queue)
                body.append(job.statement.replacingOccurrences(of: "\n", with: "\n    "))
            case let .create(target, fields, _):
                let t = schema.entity(named: target)!
                let table = SQLQuoting.qualified(t.dbSchema, t.table)
                let columns = fields.map { SQLQuoting.identifier($0.name) }.joined(separator: ", ")
                let object = fields.map { "\(SQLQuoting.literal($0.name)), \(c.storableJSON($0.value))" }.joined(separator: ", ")
                body.append(cause(i))
                // A row whose key exists already is left as it is, as the interpreter does: a
                // data action never fails the user's change.
                body.append(Self.guarded("INSERT INTO \(table) (\(columns)) SELECT \(columns) FROM jsonb_populate_record(NULL::\(table), jsonb_build_object(\(object))) ON CONFLICT DO NOTHING;",
                                         rule: rule.name, action: "create \(target)"))
            case let .update(target, relations, assignments, _):
                let t = schema.entity(named: target)!
                let table = SQLQuoting.qualified(t.dbSchema, t.table)
                // The target's key, read from the row as it is now (earlier actions may have changed it).
                // Each row on the way in the fired row's tenant, as relations are read.
                let tenant = e.tenantKey == nil ? nil : "v_ws"
                var key = "v_id"
                var current = e
                for rel in relations {
                    let r = current.relation(named: rel)!
                    let a = c.aliases.next()
                    key = "(SELECT (\(c.read(a, current.field(named: r.foreignKey)!)))::text FROM \(SQLQuoting.qualified(current.dbSchema, current.table)) \(a) WHERE \(c.keyOf(a, current)) = \(key)\(c.sameTenant(a, current, tenant)))"
                    current = schema.entity(named: r.target)!
                }
                let columns = assignments.map { SQLQuoting.identifier($0.name) }.joined(separator: ", ")
                let object = assignments.map { "\(SQLQuoting.literal($0.name)), \(c.storableJSON($0.value))" }.joined(separator: ", ")
                body.append(cause(i))
                body.append(Self.guarded("UPDATE \(table) u SET (\(columns)) = (SELECT \(columns) FROM jsonb_populate_record(NULL::\(table), jsonb_build_object(\(object)))) WHERE (u.\(SQLQuoting.identifier(t.key)))::text = \(key)\(relations.isEmpty ? "" : c.sameTenant("u", t, tenant));",
                                         rule: rule.name, action: "update \(target)"))
            }
        }
        let ws = c.workspace
        let text = """
        CREATE OR REPLACE FUNCTION \(SQLNames.fireFunction(rule.name))(r \(rowType), o \(rowType), v_now timestamptz, p_checked boolean) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET "TimeZone" = 'UTC' AS $rulec$
        DECLARE
            v_ws text := \(ws);
            v_id text := \(c.keyOf("r", e));
            v_subject text;
            v_last timestamptz;
            v_window bigint;
            v_fires integer;
            v_params jsonb;
        BEGIN
            \(body.joined(separator: "\n    "))
        END
        $rulec$;

        """
        return SQLNames.dollarQuoted(text)
    }

    /// A data action in a block of its own: when the user's database refuses it (a NOT NULL, a
    /// foreign key or a CHECK it would break, a value too long for a `varchar(n)`, an error raised
    /// by one of the user's own triggers), it and what it cascaded into are undone, a warning goes
    /// to the server log, and the user's change goes on. Test databases relax those constraints,
    /// as the interpreter knows none of them; this guards production only. A serialization
    /// failure or deadlock (class 40) still rolls the user's transaction back, to be retried.
    private static func guarded(_ statement: String, rule: String, action: String) -> String {
        """
        BEGIN
                \(statement)
            EXCEPTION WHEN transaction_rollback THEN
                RAISE;
            WHEN OTHERS THEN
                RAISE WARNING 'rulec: rule % skipped its %: %', \(SQLQuoting.literal(rule)), \(SQLQuoting.literal(action)), SQLERRM;
            END;
        """
    }

    /// Marks the data action about to run, so a cascade stopped below it names its cause.
    private func cause(_ i: Int) -> String {
        "PERFORM set_config('rulec.cause', \(SQLQuoting.literal(rule.name + "|\(i)|\(rule.priority.rawValue)|")) || rulec.micros(v_now), true);"
    }
}
