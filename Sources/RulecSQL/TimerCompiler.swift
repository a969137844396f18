import RulecSchema
import RulecSemantics

/// Timers: a trigger per table arms, re-arms and drops them (before the rules run, as the
/// interpreter does); `rulec.run_timer` fires one; `rulec.tick()` fires every due one in order,
/// each with its own time as `now`.
struct TimerCompiler {
    let program: CheckedProgram

    struct Spec {
        var rule: CheckedRule
        var trigger: Int
        var field: String
        var offset: Int64
    }

    func specs(of entity: Entity) -> [Spec] {
        program.rules.flatMap { rule -> [Spec] in
            guard rule.entity == entity.name else { return [] }
            return rule.triggers.enumerated().compactMap { (i, t) in
                if case let .timer(field, offset) = t { return Spec(rule: rule, trigger: i, field: field, offset: offset) }
                return nil
            }
        }
    }

    func armingSQL(_ entity: Entity) -> String {
        let specs = specs(of: entity)
        guard !specs.isEmpty else { return "" }
        let table = SQLQuoting.qualified(entity.dbSchema, entity.table)
        let key = SQLQuoting.identifier(entity.key)
        let ws = entity.tenantKey.map { "(NEW.\(SQLQuoting.identifier($0)))::text" } ?? "NULL"
        var blocks: [String] = []
        for s in specs {
            let f = SQLQuoting.identifier(s.field)
            let rule = SQLQuoting.literal(s.rule.name)
            let fireAt = "rulec.add_time((NEW.\(f))::timestamptz, \(SQLQuoting.literal("\(s.offset) microseconds"))::interval)"
            blocks.append("""
            IF TG_OP = 'INSERT' OR (OLD.\(f))::timestamptz IS DISTINCT FROM (NEW.\(f))::timestamptz THEN
                    DELETE FROM rulec.timers WHERE rule = \(rule) AND trigger_index = \(s.trigger) AND entity_id = (NEW.\(key))::text;
                    -- A timer whose time has already passed when armed does not fire.
                    IF NEW.\(f) IS NOT NULL AND \(fireAt) >= rulec.now() THEN
                        INSERT INTO rulec.timers (rule, trigger_index, entity, entity_id, workspace_id, fire_at)
                        VALUES (\(rule), \(s.trigger), \(SQLQuoting.literal(entity.name)), (NEW.\(key))::text, \(ws), \(fireAt))
                        ON CONFLICT (rule, trigger_index, entity_id) DO UPDATE SET fire_at = EXCLUDED.fire_at;
                    END IF;
                END IF;
            """)
        }
        let function = SQLNames.timerFunction(entity)
        let rules = Set(specs.map(\.rule.name)).sorted().map(SQLQuoting.literal).joined(separator: ", ")
        return """
        CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET "TimeZone" = 'UTC' AS $rulec$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM rulec.timers WHERE rule IN (\(rules)) AND entity_id = (OLD.\(key))::text;
                RETURN NULL;
            END IF;
            \(blocks.joined(separator: "\n    "))
            RETURN NULL;
        END
        $rulec$;
        CREATE TRIGGER \(SQLNames.timerTrigger) AFTER INSERT OR UPDATE OR DELETE ON \(table)
            FOR EACH ROW EXECUTE FUNCTION \(function)();

        """
    }

    /// Brings the armed timers in line with this rule set, when a migration is applied: a timer
    /// of a trigger that is no longer a timer (or of another entity now) is dropped, and the others
    /// are re-computed from their rows, so a changed offset or field takes effect for rows armed
    /// before (a time that has moved into the past is dropped, as a timer already past when armed
    /// does not fire; a time left as it was is kept, due or not). Timers of rules that are gone are
    /// dropped with the catalog.
    func rearmSQL() -> String {
        var out = "-- Armed timers re-computed for this rule set (TimerCompiler.rearmSQL).\n"
        var kept: [String] = []
        for entity in program.schema.entities {
            let table = SQLQuoting.qualified(entity.dbSchema, entity.table)
            let key = SQLQuoting.identifier(entity.key)
            for s in specs(of: entity) {
                let rule = SQLQuoting.literal(s.rule.name)
                kept.append("(\(rule), \(s.trigger), \(SQLQuoting.literal(entity.name)))")
                let fireAt = "rulec.add_time((x.\(SQLQuoting.identifier(s.field)))::timestamptz, \(SQLQuoting.literal("\(s.offset) microseconds"))::interval)"
                let timer = "t.rule = \(rule) AND t.trigger_index = \(s.trigger)"
                out += """
                DELETE FROM rulec.timers t WHERE \(timer) AND NOT EXISTS (
                    SELECT 1 FROM \(table) x WHERE (x.\(key))::text = t.entity_id AND \(fireAt) IS NOT DISTINCT FROM t.fire_at)
                    AND coalesce((SELECT \(fireAt) FROM \(table) x WHERE (x.\(key))::text = t.entity_id), '-infinity') < rulec.now();
                UPDATE rulec.timers t SET fire_at = n.fire_at
                    FROM (SELECT (x.\(key))::text AS id, \(fireAt) AS fire_at FROM \(table) x) n
                    WHERE \(timer) AND n.id = t.entity_id AND n.fire_at IS DISTINCT FROM t.fire_at;

                """
            }
        }
        let keep = kept.isEmpty ? "" : " WHERE (rule, trigger_index, entity) NOT IN (\(kept.joined(separator: ", ")))"
        out += "DELETE FROM rulec.timers\(keep);\n"
        return out
    }

    /// `rulec.run_timer(rule, id, at)`: fires one timer on the row as it is now.
    func runTimerSQL() -> String {
        var cases: [String] = []
        var seen = Set<String>()
        for rule in program.rules where rule.triggers.contains(where: { if case .timer = $0 { return true }; return false }) {
            guard seen.insert(rule.name).inserted, let e = program.schema.entity(named: rule.entity) else { continue }
            let table = SQLQuoting.qualified(e.dbSchema, e.table)
            cases.append("WHEN \(SQLQuoting.literal(rule.name)) THEN PERFORM \(SQLNames.fireFunction(rule.name))(x, NULL, p_at, false) FROM \(table) x WHERE (x.\(SQLQuoting.identifier(e.key)))::text = p_id;")
        }
        let body = cases.isEmpty ? "NULL;" : "CASE p_rule\n        \(cases.joined(separator: "\n        "))\n        ELSE NULL;\n    END CASE;"
        return """
        CREATE OR REPLACE FUNCTION rulec.run_timer(p_rule text, p_id text, p_at timestamptz) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET "TimeZone" = 'UTC' AS $rulec$
        BEGIN
            \(body)
        END
        $rulec$;

        -- Fires every timer due by `p_until` (default: now), earliest first, each at its own time.
        CREATE OR REPLACE FUNCTION rulec.tick(p_until timestamptz DEFAULT NULL) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET "TimeZone" = 'UTC' AS $rulec$
        DECLARE
            v_target timestamptz := coalesce(p_until, rulec.now());
            v_saved text := current_setting('rulec.now', true);
            v_timer record;
            v_fired integer := 0;
        BEGIN
            LOOP
                SELECT t.* INTO v_timer FROM rulec.timers t LEFT JOIN rulec.rules r ON r.name = t.rule
                    WHERE t.fire_at <= v_target
                    ORDER BY t.fire_at, r.run_order, t.entity_id COLLATE "C", t.trigger_index
                    LIMIT 1 FOR UPDATE OF t SKIP LOCKED;
                EXIT WHEN NOT FOUND;
                DELETE FROM rulec.timers WHERE rule = v_timer.rule AND trigger_index = v_timer.trigger_index AND entity_id = v_timer.entity_id;
                PERFORM set_config('rulec.now', v_timer.fire_at::text, true);
                PERFORM set_config('rulec.depth_offset', '1', true);
                -- A fire that fails (a settings override that is not of its param's type, say) is
                -- dropped with a warning: it must not hold up the timers due after it.
                BEGIN
                    PERFORM rulec.run_timer(v_timer.rule, v_timer.entity_id, v_timer.fire_at);
                EXCEPTION WHEN transaction_rollback THEN
                    RAISE;
                WHEN OTHERS THEN
                    RAISE WARNING 'rulec: the timer of rule % for % `%` at % failed and was dropped: %',
                        v_timer.rule, v_timer.entity, v_timer.entity_id, v_timer.fire_at, SQLERRM;
                END;
                PERFORM set_config('rulec.depth_offset', '', true);
                v_fired := v_fired + 1;
            END LOOP;
            PERFORM set_config('rulec.now', coalesce(v_saved, ''), true);
            RETURN v_fired;
        END
        $rulec$;

        """
    }
}
