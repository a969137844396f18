import RulecDiagnostics

/// Name and type errors (R3xxx).
extension DiagnosticCode {
    public static let unknownEntity = DiagnosticCode("R3001", "unknown entity", explanation: "The name is not an entity of the schema (`rulec schema show` lists them). Entities are singular: `contact`, not `contacts`.")
    public static let unknownField = DiagnosticCode("R3002", "unknown field", explanation: "The entity has no field or relation of that name (`rulec schema show` lists them).")
    public static let unknownName = DiagnosticCode("R3003", "unknown name", explanation: "A bare name is a param, an alias, the rule's entity, or an enum value where an enum is expected. Fields are always qualified (`contact.status`); text values are written as strings (\"vip\").")
    public static let invalidEnumValue = DiagnosticCode("R3004", "invalid enum value", explanation: "The value is not one of the enum's values; the message lists the valid ones.")
    public static let typeMismatch = DiagnosticCode("R3005", "type mismatch", explanation: "An operator or function was given operands of types it does not accept (LANGUAGE.md §5).")
    public static let conditionNotBool = DiagnosticCode("R3006", "condition is not a boolean", explanation: "`if`, `meets` and `where` take a condition: a comparison, `is null`, `exists(…)`, or a combination with `and`/`or`/`not`.")
    public static let mixedTriggerEntities = DiagnosticCode("R3007", "triggers on different entities", explanation: "All triggers of one rule (joined by `or`) are on the same entity, which the rest of the rule is about. Write two rules instead.")
    public static let oldOutsideUpdate = DiagnosticCode("R3008", "`old` without a previous row", explanation: "`old(FIELD)` is the value before the change; it exists only when every trigger of the rule is `updated` or `changes`.")
    public static let invalidChangesTarget = DiagnosticCode("R3009", "`changes` needs a field", explanation: "`changes` watches one field of the entity: `contact.status changes`.")
    public static let invalidTimerField = DiagnosticCode("R3010", "timer on a non-timestamp", explanation: "`DURATION before|after FIELD` needs a timestamp field of the entity, e.g. `appointment.start_time`.")
    public static let invalidReaches = DiagnosticCode("R3011", "`reaches` needs numbers", explanation: "`EXPR reaches EXPR` compares numbers: a numeric field expression of the entity or an aggregate such as `count(contact.messages)`.")
    public static let invalidAggregate = DiagnosticCode("R3012", "invalid aggregate", explanation: "`count`, `exists`, `sum`, `min` and `max` run over a one-to-many relation such as `contact.messages`; `sum`/`min`/`max` name a field of the related rows: `sum(contact.appointments.duration_minutes)`.")
    public static let shadowedName = DiagnosticCode("R3013", "name shadows another", explanation: "Inside an aggregate the related row is named after its entity (or its alias); that name must not hide one already bound. Add an alias: `exists(m in message.contact.messages where …)`.")
    public static let unknownAction = DiagnosticCode("R3014", "unknown action", explanation: "External actions come from the schema's action catalog (`rulec schema show`). Data actions are `create ENTITY with …` and `update ENTITY set …`.")
    public static let missingArgument = DiagnosticCode("R3015", "missing argument", explanation: "Every required parameter of an action is given.")
    public static let unknownArgument = DiagnosticCode("R3016", "unknown argument", explanation: "The action has no parameter of that name.")
    public static let argumentType = DiagnosticCode("R3017", "argument has the wrong type", explanation: "Action parameters are typed; phone and email are distinct from text so an SMS is never sent to an email address. String literals are accepted for phone and email.")
    public static let nullableArgument = DiagnosticCode("R3018", "required argument may be null", explanation: "The value can be null at run time; the job is then recorded as `skipped` instead of delivered. Add `if FIELD is not null` to the rule, or use `coalesce`.")
    public static let missingColumn = DiagnosticCode("R3019", "required field not set", explanation: "`create` sets every non-null field that has no default. The tenant key, when left out, is copied from the row that fired the rule.")
    public static let invalidUpdateTarget = DiagnosticCode("R3020", "invalid update target", explanation: "`update` changes the trigger's row (`update contact set …`) or a row reached by many-to-one relations (`update message.contact set …`).")
    public static let duplicateRule = DiagnosticCode("R3021", "duplicate rule name", explanation: "Rule names are unique across all files of a program: jobs, settings and deployed triggers are named after them.")
    public static let ruleCycle = DiagnosticCode("R3022", "rules trigger each other in a cycle", explanation: "Rule A writes what rule B listens to and back (or a rule triggers itself). Such cascades would stop at depth 8 at run time; change a trigger or an action to break the cycle.")
    public static let invalidParam = DiagnosticCode("R3023", "invalid param", explanation: "A param has a known type and a default literal of that type, and does not reuse a name.")
    public static let unknownFunction = DiagnosticCode("R3025", "unknown function or wrong arguments", explanation: "Functions are `old(f)`, `coalesce(a, b, …)`, `lower(s)`, `upper(s)`, `length(s)`, and the aggregates `count`, `exists`, `sum`, `min`, `max`.")
    public static let invalidOncePer = DiagnosticCode("R3026", "invalid `once per`", explanation: "`once per ENTITY` names the rule's entity or one reached by a many-to-one relation of it (a message rule may say `once per contact`).")
    public static let invalidLimit = DiagnosticCode("R3027", "invalid `limit`", explanation: "`limit N per DURATION` needs a positive whole N and a positive duration.")
    public static let duplicateArgument = DiagnosticCode("R3028", "argument given twice", explanation: "Each parameter or field is given once per action.")
    public static let nullComparison = DiagnosticCode("R3029", "comparison with null", explanation: "A comparison with `null` is never true (SQL semantics). Write `is null` or `is not null`.")
    public static let invalidDuration = DiagnosticCode("R3030", "invalid duration", explanation: "Durations must be positive and exact to the microsecond.")
    public static let fieldNotAssignable = DiagnosticCode("R3031", "field cannot be set", explanation: "The key of a row cannot be set by `update`, and relations are set through their foreign key field.")
    public static let unorderedComparison = DiagnosticCode("R3032", "values cannot be ordered", explanation: "`<`, `<=`, `>`, `>=` compare numbers, timestamps and durations. Text and enum values have no order that the database and the interpreter agree on.")
    public static let nullableColumnValue = DiagnosticCode("R3035", "value may be null for a required column", explanation: "A `create` or `update` sets a column that does not allow null to a value that can be null at run time (a nullable field, a relation, an aggregate such as `sum`). In a database that enforces the column's NOT NULL constraint, that change fails, and with it the change that fired the rule. Add `if FIELD is not null` to the rule, or use `coalesce(FIELD, default)`.")
    public static let crossTenantWrite = DiagnosticCode("R3037", "row created in another workspace", explanation: "A `create` sets the new row's tenant key to something other than the tenant of the row that fired the rule (a param, a literal, another field). Nothing one workspace does may produce or reveal a job of another (LANGUAGE.md §7), and a row created in another workspace would fire that workspace's rules. Leave the tenant key out (it is copied from the firing row) or write the firing row's own tenant key.")
    public static let relatedChangeNotWatched = DiagnosticCode("R3038", "trigger does not watch a related row", explanation: "`meets` is checked when a row of the rule's entity is inserted or updated, and `reaches` when that row changes or a row one of its aggregates counts changes (LANGUAGE.md §4). A condition or value that reads another row, through a relation (`contact.workspace.plan`) or an aggregate in `meets`, is read then, but a change of that other row alone does not make the rule fire. Write the rule on the entity that changes, or use `reaches` over an aggregate.")
    public static let sqlDefaultInDryRun = DiagnosticCode("R3036", "SQL default not evaluated in dry runs", explanation: "A `create` leaves a column to a default written as SQL (`default: {sql: …}`) that is not a constant, `now()` or a fresh id. PostgreSQL applies it; the interpreter (`rulec test`, `rulec run`) cannot evaluate SQL, so there the column is null, and scenarios that read it differ from the database.")
    public static let relationAsValue = DiagnosticCode("R3034", "relation used as a value", explanation: "A relation names rows, not a value: follow it to a field (`message.contact.phone`) or aggregate it (`count(contact.messages)`).")

    /// Every checker code, for `rulec explain` and the docs.
    public static let semanticCodes: [DiagnosticCode] = [
        .unknownEntity, .unknownField, .unknownName, .invalidEnumValue, .typeMismatch, .conditionNotBool,
        .mixedTriggerEntities, .oldOutsideUpdate, .invalidChangesTarget, .invalidTimerField, .invalidReaches,
        .invalidAggregate, .shadowedName, .unknownAction, .missingArgument, .unknownArgument, .argumentType,
        .nullableArgument, .missingColumn, .invalidUpdateTarget, .duplicateRule, .ruleCycle, .invalidParam,
        .unknownFunction, .invalidOncePer, .invalidLimit, .duplicateArgument, .nullComparison, .invalidDuration,
        .fieldNotAssignable, .unorderedComparison, .relationAsValue, .nullableColumnValue, .sqlDefaultInDryRun, .crossTenantWrite,
        .relatedChangeNotWatched,
    ]
}
