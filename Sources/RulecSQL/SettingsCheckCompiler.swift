import RulecSchema
import RulecSemantics

/// `rulec.check_settings`: a trigger on `rulec.settings` that refuses an override a rule could not
/// read (not of its param's type, not a value of its enum, a param the rule does not have), with
/// a message naming the rule and the param. Why at write time: the triggers read overrides in
/// the user's transaction, and a bad one would otherwise fail every write to that table in that
/// workspace. Settings of rules this migration does not deploy are not checked (they may be
/// written before their rule is).
enum SettingsCheckCompiler {
    static func sql(_ program: CheckedProgram) -> String {
        var cases = ""
        for rule in program.rules {
            var params = ""
            for p in rule.params {
                params += "                WHEN \(SQLQuoting.literal(p.name)) THEN\n"
                params += "                    PERFORM \(SQLExpressionCompiler.settingValue("v_value", type: p.type));\n"
                if case .enumeration(let name) = p.type, let e = program.schema.enumType(named: name) {
                    let values = e.values.map(SQLQuoting.literal).joined(separator: ", ")
                    params += "                    IF jsonb_typeof(v_value) = 'null' OR NOT (v_value #>> '{}') = ANY(ARRAY[\(values)]::text[]) THEN\n"
                    params += "                        RAISE EXCEPTION 'not a value of %', \(SQLQuoting.literal(name));\n"
                    params += "                    END IF;\n"
                }
            }
            cases += "            WHEN \(SQLQuoting.literal(rule.name)) THEN\n"
            if params.isEmpty { cases += "                v_unknown := true;\n"; continue }
            cases += "                CASE v_key\n\(params)                ELSE v_unknown := true;\n                END CASE;\n"
        }
        let body = cases.isEmpty ? "            NULL;\n" : "            CASE NEW.rule\n\(cases)            ELSE NULL;\n            END CASE;\n"
        let function = """
        CREATE OR REPLACE FUNCTION rulec.check_settings() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, public AS $rulec$
        DECLARE
            v_key text;
            v_value jsonb;
            v_unknown boolean;
        BEGIN
            IF jsonb_typeof(NEW.params) IS DISTINCT FROM 'object' THEN
                RAISE EXCEPTION 'rulec.settings: the params of rule % must be a JSON object, not %', NEW.rule, NEW.params;
            END IF;
            FOR v_key, v_value IN SELECT key, value FROM jsonb_each(NEW.params) LOOP
                v_unknown := false;
                BEGIN
        \(body)        EXCEPTION WHEN OTHERS THEN
                    RAISE EXCEPTION 'rulec.settings: the override % of param `%` of rule `%` cannot be read: %', v_value, v_key, NEW.rule, SQLERRM;
                END;
                IF v_unknown THEN
                    RAISE EXCEPTION 'rulec.settings: rule `%` has no param `%`', NEW.rule, v_key;
                END IF;
            END LOOP;
            RETURN NEW;
        END
        $rulec$;
        CREATE TRIGGER rulec_check_settings BEFORE INSERT OR UPDATE ON rulec.settings
            FOR EACH ROW EXECUTE FUNCTION rulec.check_settings();

        """
        return "-- Param overrides are checked when written (SettingsCheckCompiler).\n" + function
    }
}
