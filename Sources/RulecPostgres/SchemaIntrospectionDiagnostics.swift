import RulecDiagnostics

/// The schema-pull diagnostics (R21xx): what `rulec schema pull` found in a live database that a
/// rulec schema cannot say, or could not find at all. They carry no source range: the "source" is
/// the database, and the message names the table and column instead.
extension DiagnosticCode {
    public static let pullNoTables = DiagnosticCode("R2101", "no tables to pull", explanation: """
        The database schemas given to `rulec schema pull` (`--db-schema`, default `public`) hold no \
        table with a single-column primary key, so there is nothing rules could react to. Check the \
        database in the URL and the schema names; `\\dt *.*` in psql lists every table.
        """)
    public static let pullUnknownDatabaseSchema = DiagnosticCode("R2102", "unknown database schema", explanation: """
        A schema named with `--db-schema` does not exist in the database. The message lists the \
        schemas that do.
        """)
    public static let pullUnsupportedType = DiagnosticCode("R2103", "column type rules do not know", explanation: """
        The column has a PostgreSQL type with no rulec equivalent (for example `point`, `date`, \
        `bytea`, `inet`). It is pulled as `text`: rules can read it and compare it with text, but \
        comparisons follow text order. Edit the pulled YAML if another type fits better.
        """)
    public static let pullUnsupportedKey = DiagnosticCode("R2104", "table without a usable primary key", explanation: """
        rulec identifies rows by a single-column primary key. A table with no primary key or with a \
        composite one is left out of the pulled schema; add a single-column key (for example an \
        identity `id`) to make it available to rules.
        """)
    public static let pullUnsupportedForeignKey = DiagnosticCode("R2105", "foreign key that is not a relation", explanation: """
        Relations follow single-column foreign keys that reference the primary key of a pulled table. \
        A composite foreign key, one that references another unique column, or one whose table was \
        left out gives no relation; the column stays a plain field.
        """)
    public static let pullUnsupportedName = DiagnosticCode("R2106", "name rules cannot write", explanation: """
        Field names are written in rules as they are in the database, so a column whose name is not \
        an identifier (letters, digits and `_`, not starting with a digit) is left out. Rename the \
        column, or reach it through a view.
        """)
    public static let pullGeneratedColumn = DiagnosticCode("R2107", "generated column", explanation: """
        The column is computed by PostgreSQL (`GENERATED ALWAYS AS … STORED`). Rules can read it, but \
        data actions must not set it; its expression is kept as the field's SQL default.
        """)
    public static let pullInternal = DiagnosticCode("R2108", "pulled schema does not load", explanation: """
        The YAML that `rulec schema pull` wrote does not load back into the same schema. This is a \
        bug in rulec; please report it with the message and the output of `pg_dump --schema-only`.
        """)

    /// Every schema-pull code, for `rulec explain` and the test that codes are unique.
    public static let pullCodes: [DiagnosticCode] = [
        .pullNoTables, .pullUnknownDatabaseSchema, .pullUnsupportedType, .pullUnsupportedKey,
        .pullUnsupportedForeignKey, .pullUnsupportedName, .pullGeneratedColumn, .pullInternal,
    ]
}
