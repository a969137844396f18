/// Quoting for generated PostgreSQL, in one place, so that no name or value from a schema file can
/// change the meaning of a statement: every identifier is double-quoted and every literal
/// single-quoted, with embedded quotes doubled.
public enum SQLQuoting {
    /// `contacts` → `"contacts"`, `a"b` → `"a""b"`. Quoting always keeps the case as written.
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"public"."contacts"`.
    public static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }

    /// `it's` → `'it''s'`. Backslashes are literal (`standard_conforming_strings` is on in PostgreSQL 15).
    public static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
