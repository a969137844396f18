import RulecDiagnostics
import RulecSchema
import RulecSyntax

/// The checker's output and the only input of both backends: every name resolved against the
/// schema, every expression typed, source ranges kept for run-time messages.
public struct CheckedProgram: Sendable {
    public var schema: Schema
    /// Rules in the order they run for one change: priority (high first), then name.
    public var rules: [CheckedRule]

    public init(schema: Schema, rules: [CheckedRule]) {
        self.schema = schema
        self.rules = rules.sorted { ($0.priority.rank, $0.name) < ($1.priority.rank, $1.name) }
    }
}

/// One rule, resolved.
public struct CheckedRule: Sendable {
    public var name: String
    public var description: String?
    public var params: [CheckedParam]
    public var oncePer: CheckedOncePer?
    public var limit: CheckedLimit?
    public var priority: Priority
    /// The entity all triggers are on; bound by name in the rest of the rule.
    public var entity: String
    public var triggers: [CheckedTrigger]
    public var condition: TypedExpr?
    public var actions: [CheckedAction]
    public var range: SourceRange
    /// Hash of the rule's source text, for the deployed-rules catalog.
    public var sourceHash: String
}

/// `param NAME: TYPE = DEFAULT`; workspaces may override the value in their settings.
public struct CheckedParam: Sendable {
    public var name: String
    public var type: ExprType
    public var defaultValue: Value
}

/// `once per ENTITY [every D]`, resolved to the key the fire is counted by.
public struct CheckedOncePer: Sendable {
    /// The entity named (`contact`).
    public var entity: String
    /// nil when the entity is the rule's own; otherwise the many-to-one relation leading to it.
    public var relation: String?
    /// nil: once ever; otherwise a cooldown in microseconds.
    public var every: Int64?
}

/// `limit N per D`: at most N fires per workspace in fixed windows aligned to the Unix epoch.
public struct CheckedLimit: Sendable {
    public var count: Int64
    /// Window length in microseconds.
    public var window: Int64
}

/// A trigger on the rule's entity.
public enum CheckedTrigger: Sendable {
    case created, updated, deleted
    /// `FIELD changes [from V] [to V]`: on update where the value is distinct.
    case changes(field: String, from: TypedExpr?, to: TypedExpr?)
    /// On insert where true; on update where not true before and true after.
    case meets(TypedExpr)
    /// The value crosses from below the threshold to at least it. When `aggregate` is set, the
    /// value or threshold reads related rows, whose changes are events too.
    case reaches(value: TypedExpr, threshold: TypedExpr, relatedEntities: [RelatedSource])
    /// A timer at `field + offset` (offset negative for `before`), in microseconds.
    case timer(field: String, offset: Int64)

    /// For documentation and dumps.
    public var kindName: String {
        switch self {
        case .created: return "created"
        case .updated: return "updated"
        case .deleted: return "deleted"
        case .changes: return "changes"
        case .meets: return "meets"
        case .reaches: return "reaches"
        case .timer: return "timer"
        }
    }
}

/// A related table read by an aggregate of a `reaches` trigger: its changes re-evaluate the owner.
public struct RelatedSource: Sendable, Hashable {
    /// The related entity (`message`).
    public var entity: String
    /// Its column pointing at the rule's entity (`contact_id`).
    public var foreignKey: String
}

/// An action, resolved.
public enum CheckedAction: Sendable {
    /// A job in the outbox. `arguments` in the action's parameter order (catalog order).
    case external(name: String, arguments: [(name: String, value: TypedExpr)], delay: Int64?, range: SourceRange)
    /// `create ENTITY with …`; `tenantFromTrigger` when the tenant key was left out and is copied.
    case create(entity: String, fields: [(name: String, value: TypedExpr)], range: SourceRange)
    /// `update` of the trigger row (`relation == []`) or of a row reached by many-to-one relations.
    case update(entity: String, relations: [String], assignments: [(name: String, value: TypedExpr)], range: SourceRange)
}

/// A typed expression.
public struct TypedExpr: Sendable {
    public indirect enum Kind: Sendable {
        case literal(Value)
        /// A rule param, read from the workspace's settings or the default.
        case param(String)
        case now
        /// A field reached from a bound row through many-to-one relations: `message.contact.phone`
        /// is binding `message`, relations `[contact]`, field `phone`. A relation of a null key gives null.
        case field(binding: String, relations: [String], field: String)
        /// `old(field)` of the trigger row.
        case old(field: String)
        case call(Function, [TypedExpr])
        case aggregate(TypedAggregate)
        case not(TypedExpr)
        case negate(TypedExpr)
        case binary(BinaryOperator, TypedExpr, TypedExpr)
        case membership(TypedExpr, negated: Bool, TypedExpr)
        case isNull(TypedExpr, negated: Bool)
        case isEmpty(TypedExpr, negated: Bool)
        case list([TypedExpr])
        case template([TypedTemplatePart])
    }

    public var kind: Kind
    public var type: ExprType
    public var range: SourceRange
    /// True when the value can be null (nullable fields, relations, `old`, aggregates like `sum`).
    public var nullable: Bool

    public init(_ kind: Kind, _ type: ExprType, _ range: SourceRange, nullable: Bool) {
        self.kind = kind
        self.type = type
        self.range = range
        self.nullable = nullable
    }
}

/// The scalar functions of LANGUAGE.md §5.
public enum Function: String, Sendable, CaseIterable {
    case coalesce, lower, upper, length
}

/// `count|exists|sum|min|max(ALIAS in binding.relation… [.field] where FILTER)`.
public struct TypedAggregate: Sendable {
    public var function: Aggregate.Function
    /// The row the relation starts from: a binding and many-to-one steps (`message.contact`).
    public var ownerBinding: String
    public var ownerRelations: [String]
    /// The owner entity and the related entity with its foreign key to the owner.
    public var ownerEntity: String
    public var relatedEntity: String
    public var foreignKey: String
    /// The name the related row is bound to inside `filter` (alias or entity name).
    public var binding: String
    /// For sum/min/max: the field of the related row.
    public var field: String?
    public var filter: TypedExpr?
}

/// A piece of a template.
public enum TypedTemplatePart: Sendable {
    case text(String)
    case value(TypedExpr)
}
