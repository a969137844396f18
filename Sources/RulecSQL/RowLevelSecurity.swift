import RulecSchema

/// Row level security on rulec's tables, in Supabase's terms: `authenticated` users see and change
/// only rows of workspaces they are members of (`auth.uid()`), `service_role` sees all. On plain
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
            body += """
                    DROP POLICY IF EXISTS rulec_members ON rulec.\(t);
                    CREATE POLICY rulec_members ON rulec.\(t) FOR ALL TO authenticated
                        USING (\(t == "rate_windows" ? membership.replacingOccurrences(of: "workspace_id IN", with: "nullif(workspace_id, '') IN") : membership)) WITH CHECK (\(t == "rate_windows" ? membership.replacingOccurrences(of: "workspace_id IN", with: "nullif(workspace_id, '') IN") : membership));
                    GRANT SELECT, INSERT, UPDATE, DELETE ON rulec.\(t) TO authenticated;

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
