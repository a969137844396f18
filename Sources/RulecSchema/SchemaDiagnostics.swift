import RulecDiagnostics

/// The schema errors (R2xxx): problems in a schema YAML file (or the embedded default).
/// Each code names one mistake; `rulec explain` prints the long form. docs/schema.md documents the format.
extension DiagnosticCode {
    public static let schemaInvalidYAML = DiagnosticCode("R2001", "malformed YAML", explanation: """
        The schema file is not well-formed YAML, so rulec cannot read it at all. The message is the YAML \
        parser's own, at the place it stopped; the usual causes are tabs in indentation, a missing space \
        after `:`, an unclosed `[`, `{` or quote, or inconsistent indentation.
        """)
    public static let schemaUnexpectedValue = DiagnosticCode("R2002", "wrong kind of value", explanation: """
        A place in the schema expects a particular kind of YAML value: `entities`, `enums`, `actions`, an \
        entity and `fields` are mappings (`name: value` lines); an enum is a list (`[a, b]`); names, \
        tables and types are single words. The message says what was expected here.
        """)
    public static let schemaUnknownKey = DiagnosticCode("R2003", "unknown key", explanation: """
        The key is not part of the schema format, often a typo (`nulable`). rulec refuses unknown keys \
        rather than ignoring them, so that a misspelt setting never silently does nothing. \
        docs/schema.md lists the keys of each level.
        """)
    public static let schemaMissingKey = DiagnosticCode("R2004", "missing required key", explanation: """
        Some keys are required: an entity needs `fields`, a field in long form needs `type`. Add the key.
        """)
    public static let schemaDuplicateName = DiagnosticCode("R2005", "name declared twice", explanation: """
        Entities, enums, actions, the fields of an entity, the parameters of an action and the values of \
        an enum must each be unique, because rules name them. Remove or rename one of the two.
        """)
    public static let schemaUnknownType = DiagnosticCode("R2006", "unknown type", explanation: """
        Field and parameter types are one of `text int decimal bool timestamp duration uuid phone email \
        json`, the name of an enum declared under `enums:`, or a list of one of these written `[text]`. \
        A trailing `?` makes a field nullable or a parameter optional: `text?`.
        """)
    public static let schemaUnknownEntity = DiagnosticCode("R2007", "reference to an unknown entity", explanation: """
        `references:` names the entity (not the table) that a foreign key points to, and it must be \
        declared under `entities:`.
        """)
    public static let schemaEmptyEnum = DiagnosticCode("R2008", "enum with no values", explanation: """
        An enum lists the values a field can take, e.g. `contact_status: [lead, prospect, customer]`. \
        A field of an enum with no values could never hold anything.
        """)
    public static let schemaInvalidName = DiagnosticCode("R2009", "invalid name", explanation: """
        Entities, fields, relations, enums, actions and parameters are named in rules, so their names are \
        identifiers: a letter or `_`, then letters, digits or `_`. Table and column spellings in the \
        database may differ: use `table:` for the table.
        """)
    public static let schemaUnknownField = DiagnosticCode("R2010", "unknown field", explanation: """
        `key:`, `tenant_key:` and an action's `queue_param:` name a field (or parameter) that must be \
        declared.
        """)
    public static let schemaNullableKey = DiagnosticCode("R2011", "nullable key", explanation: """
        A primary key identifies a row, so it can never be null. Remove `?` or `nullable: true` from the \
        key field.
        """)
    public static let schemaForeignKeyType = DiagnosticCode("R2012", "foreign key type differs from the key it references", explanation: """
        A foreign key holds the key of another row, so it has the type of that key: a `text` id is \
        referenced by a `text` column, a `uuid` id by a `uuid` column.
        """)
    public static let schemaRelationClash = DiagnosticCode("R2013", "relation name already taken", explanation: """
        Relations are named in rules like fields (`message.contact`, `contact.messages`), so on one entity \
        a relation name must differ from every field and from every other relation. A many-to-one \
        relation is named after its foreign key without `_id` (or `relation:`); its one-to-many inverse \
        after the referencing table (or `inverse:`). Give one of them another name with `relation:` or \
        `inverse:`.
        """)
    public static let schemaInvalidDefault = DiagnosticCode("R2014", "invalid default", explanation: """
        `default:` is `generated` (a fresh id: `text`, `uuid` or `int` columns), `now` (the time of the \
        insert: `timestamp` columns), a constant of the field's type (`open`, `0`, `[]`), or \
        `{sql: EXPRESSION}` for anything else.
        """)
    public static let schemaInvalidQueue = DiagnosticCode("R2015", "invalid queue", explanation: """
        An action's jobs go to the queue named by `queue:`, or, with `queue_param: NAME`, to the queue \
        named by the value of its `text` parameter NAME.
        """)
    public static let schemaEmpty = DiagnosticCode("R2016", "empty schema", explanation: """
        The schema file has no content. A schema declares at least `entities:`; see docs/schema.md or \
        `rulec schema show` for the default one.
        """)
    public static let schemaEnumValueNotIdentifier = DiagnosticCode("R2017", "enum value cannot be written in rules", explanation: """
        Rules write enum values as bare words (`status = customer`), so a value that is not an \
        identifier (`in progress`, `3d`) cannot be named in a rule. It stays in the schema, and rules \
        can still compare the field with other fields.
        """)
    public static let schemaTooLarge = DiagnosticCode("R2018", "schema too large", explanation: """
        The schema file has more YAML nodes than rulec reads (often an alias expanding without bound). \
        rulec stops reading instead of running out of memory.
        """)
    public static let schemaEnumShadowsType = DiagnosticCode("R2019", "enum named like a built-in type", explanation: """
        An enum cannot take the name of a built-in type (`text`, `int`, …): fields of that type would \
        become ambiguous. Rename the enum.
        """)
    public static let schemaUnreadable = DiagnosticCode("R2020", "cannot read the schema file", explanation: """
        The file given to `--schema` does not exist, cannot be read, or is not UTF-8 text.
        """)

    public static let schemaSharedTable = DiagnosticCode("R2021", "two entities on one table", explanation: """
        Two entities name the same database table (`db_schema` and `table`). Each table has one set
        of triggers dispatching on one entity's rules, so a table is described by one entity.
        """)
    public static let schemaNameTooLong = DiagnosticCode("R2022", "name longer than PostgreSQL allows", explanation: """
        PostgreSQL keeps the first 63 bytes of a name and drops the rest, so a longer table, schema
        or column name is not the name the database has, and two long names can become one.
        """)

    /// Every schema code, for `rulec explain` and the test that codes are unique.
    public static let schemaCodes: [DiagnosticCode] = [
        .schemaInvalidYAML, .schemaUnexpectedValue, .schemaUnknownKey, .schemaMissingKey,
        .schemaDuplicateName, .schemaUnknownType, .schemaUnknownEntity, .schemaEmptyEnum,
        .schemaInvalidName, .schemaUnknownField, .schemaNullableKey, .schemaForeignKeyType,
        .schemaRelationClash, .schemaInvalidDefault, .schemaInvalidQueue, .schemaEmpty,
        .schemaEnumValueNotIdentifier, .schemaTooLarge, .schemaEnumShadowsType, .schemaUnreadable,
        .schemaSharedTable, .schemaNameTooLong,
    ]
}
