import RulecSchema

/// Row level security on rulec's tables, in Supabase's terms: `authenticated` users see only rows
/// of workspaces they are members of (`auth.uid()`) and change only their settings; the jobs,
/// timers, once-per and rate-limit state are written by rulec alone (a member who could write them
/// could forge jobs, fire another workspace's timers or use up its once-per); `service_role` sees
/// and changes all. On plain
/// PostgreSQL, where those roles or `auth.uid()` do not exist, RLS is enabled and only the table
/// owner (and superusers) see rows; policies are created only where the roles exist. No role but
/// the owner may call rulec's functions (`service_role` may call `rulec.tick()`).
enum RowLevelSecurity {
    static let tables = ["jobs", "timers", "once_per", "rate_windows", "settings"]

    static func sql(schema: Schema) -> String {
        // rulec's functions run as their owner (SECURITY DEFINER, past row level security) and only
        // triggers, timers and relays need them: a user calling one could write jobs into any workspace.
        var out = "-- Privileges: only the triggers call rulec's functions; the clock stays readable (column defaults).\n"
        out += "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA rulec FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION rulec.now() TO PUBLIC;\n\n"
        out += "-- Row level security\n"
        for t in tables { out += "ALTER TABLE rulec.\(t) ENABLE ROW LEVEL SECURITY;\n" }
        // Membership: the entity linking users to workspaces, when the schema has one.
        var membership = "false"
        if let m = schema.entity(named: "workspace_member"), m.field(named: "user_id") != nil, m.field(named: "workspace_id") != nil {
            membership = "workspace_id IN (SELECT (m.\"workspace_id\")::text FROM \(SQLQuoting.qualified(m.dbSchema, m.table)) m WHERE (m.\"user_id\")::text = (auth.uid())::text)"
        }
        var body = ""
        for t in tables {
            let member = t == "rate_windows" ? membership.replacingOccurrences(of: "workspace_id IN", with: "nullif(workspace_id, '') IN") : membership
            // Earlier migrations granted writes on every table: taken back on each apply.
            let access = t == "settings"
                ? "FOR ALL TO authenticated\n            USING (\(member)) WITH CHECK (\(member));\n        GRANT SELECT, INSERT, UPDATE, DELETE ON rulec.\(t) TO authenticated;"
                : "FOR SELECT TO authenticated\n            USING (\(member));\n        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON rulec.\(t) FROM authenticated;\n        GRANT SELECT ON rulec.\(t) TO authenticated;"
            body += """
                    DROP POLICY IF EXISTS rulec_members ON rulec.\(t);
                    CREATE POLICY rulec_members ON rulec.\(t) \(access)

            """
        }
        out += """
        DO $rulec$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') AND to_regprocedure('auth.uid()') IS NOT NULL THEN
                GRANT USAGE ON SCHEMA rulec TO authenticated;
        \(body)    END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
                GRANT USAGE ON SCHEMA rulec TO service_role;
                GRANT EXECUTE ON FUNCTION rulec.tick(timestamptz) TO service_role;
        \(tables.map { "        DROP POLICY IF EXISTS rulec_service ON rulec.\($0);\n        CREATE POLICY rulec_service ON rulec.\($0) FOR ALL TO service_role USING (true) WITH CHECK (true);\n        GRANT ALL ON rulec.\($0) TO service_role;\n" }.joined())    END IF;
        END
        $rulec$;

        """
        return out
    }
}
