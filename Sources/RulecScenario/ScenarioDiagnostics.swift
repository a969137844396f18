import RulecDiagnostics

/// The test and stream errors (R5xxx): problems in a scenario file (`*.test.yaml`, LANGUAGE.md §8)
/// or in a line of an event stream (`rulec run`, LANGUAGE.md §9). docs/testing.md documents the format.
extension DiagnosticCode {
    public static let scenarioInvalidYAML = DiagnosticCode("R5001", "malformed YAML in a test file", explanation: """
        The test file is not well-formed YAML. The message is the YAML parser's own, at the place it \
        stopped; the usual causes are tabs in indentation, a missing space after `:`, an unclosed `[`, \
        `{` or quote, or a value containing `: ` that is not quoted.
        """)
    public static let scenarioUnexpectedValue = DiagnosticCode("R5002", "wrong kind of value in a test file", explanation: """
        Each place of a scenario expects a kind of YAML value: a scenario, `settings`, `given`, a row and \
        an expectation are mappings (`key: value`); `events`, `expect` and the rows of an entity are \
        lists (`- …`); names, ids and times are single values. The message says what was expected.
        """)
    public static let scenarioUnknownKey = DiagnosticCode("R5003", "unknown key in a test file", explanation: """
        The key is not part of the scenario format, often a typo (`expext`). rulec refuses unknown keys \
        rather than ignoring them, so that a misspelt expectation never silently checks nothing. \
        docs/testing.md lists the keys of each level.
        """)
    public static let scenarioMissingKey = DiagnosticCode("R5004", "missing key in a test file", explanation: """
        Some keys are required: a scenario needs `now` (the clock before the first event), an event \
        needs one of `insert`, `update`, `delete` or `advance`, an `insert` needs `row`, an `update` \
        needs `id` and `set`, a `delete` needs `id`.
        """)
    public static let scenarioUnknownEntity = DiagnosticCode("R5005", "unknown entity in a test file", explanation: """
        `given`, `expect_rows`, events and expectations name entities of the schema by their singular \
        name (`contact`, not the table `contacts`). `rulec schema show` lists them.
        """)
    public static let scenarioUnknownField = DiagnosticCode("R5006", "unknown field in a test file", explanation: """
        A row names a column that the entity does not have in the schema.
        """)
    public static let scenarioUnknownRule = DiagnosticCode("R5007", "unknown rule in a test file", explanation: """
        `settings` and expectations name rules of the program under test. The program is every \
        `.crmrule` file under the tested directory, or those given with `--rules`.
        """)
    public static let scenarioUnknownParam = DiagnosticCode("R5008", "unknown parameter in a test file", explanation: """
        `settings` override a rule's declared `param`s, and an expectation's `params` are those of the \
        action in the schema's catalog (`send_sms` has `to` and `body`).
        """)
    public static let scenarioInvalidTimestamp = DiagnosticCode("R5009", "invalid timestamp", explanation: """
        Timestamps are ISO 8601: `2026-11-24T09:00:00Z`, optionally with fractional seconds \
        (`09:00:00.250Z`) or an offset (`11:00:00+02:00`). A time without an offset is UTC.
        """)
    public static let scenarioWrongValueType = DiagnosticCode("R5010", "value of the wrong type", explanation: """
        Values in rows, settings and expectations are read by the type of their field or parameter: an \
        `int` is a whole number, a `decimal` a number such as `12.50` (kept exact), a `bool` `true` or \
        `false`, a `timestamp` ISO 8601, a `duration` like `3 days`, a list `[a, b]`, a `json` field any \
        YAML value. `null` (or `~`) is allowed only where the field is nullable.
        """)
    public static let scenarioInvalidEnumValue = DiagnosticCode("R5011", "invalid enum value", explanation: """
        The field is an enum of the schema, and the value is not one of its values. The message lists \
        them; `rulec schema show` prints every enum.
        """)
    public static let scenarioEventRefused = DiagnosticCode("R5012", "event refused", explanation: """
        The engine could not apply the event: an `update` or `delete` of a row that does not exist, an \
        `insert` of an id that is already taken, and the like. The event is refused whole; in a \
        scenario this is an error in the test file, in a stream the line is counted as refused.
        """)
    public static let scenarioClockBackwards = DiagnosticCode("R5013", "time goes backwards", explanation: """
        Events happen in order and the clock only moves forward: an event's `at` and an `advance` must \
        not be earlier than `now` or than the time of the events before it.
        """)
    public static let scenarioUnreadable = DiagnosticCode("R5014", "cannot read a test file", explanation: """
        The test file does not exist, cannot be read, is empty, or is not UTF-8 text.
        """)
    public static let streamMalformedLine = DiagnosticCode("R5015", "malformed stream line", explanation: """
        A line of the event stream given to `rulec run` is not a JSON object of the Supabase database \
        webhook shape: `{"type": "INSERT"|"UPDATE"|"DELETE", "table": …, "schema": …, "record": {…}, \
        "old_record": {…}, "commit_timestamp": "…"}`, or one of its values does not fit the column's \
        type. The line is reported with its number and counted; the stream goes on.
        """)
    public static let streamUnknownTable = DiagnosticCode("R5016", "unknown table in a stream line", explanation: """
        The line's `table` (and `schema`, when given) is not the table of any entity of the schema. \
        Tables map to entities through the schema (`contacts` → `contact`).
        """)
    public static let scenarioDuplicateKey = DiagnosticCode("R5017", "key given twice in a test file", explanation: """
        A mapping of the test file has the same key twice; YAML keeps one of them, so the other would \
        silently do nothing. Remove one.
        """)

    /// Every scenario and stream code, for `rulec explain` and the test that codes are unique.
    public static let scenarioCodes: [DiagnosticCode] = [
        .scenarioInvalidYAML, .scenarioUnexpectedValue, .scenarioUnknownKey, .scenarioMissingKey,
        .scenarioUnknownEntity, .scenarioUnknownField, .scenarioUnknownRule, .scenarioUnknownParam,
        .scenarioInvalidTimestamp, .scenarioWrongValueType, .scenarioInvalidEnumValue, .scenarioEventRefused,
        .scenarioClockBackwards, .scenarioUnreadable, .streamMalformedLine, .streamUnknownTable,
        .scenarioDuplicateKey,
    ]
}
