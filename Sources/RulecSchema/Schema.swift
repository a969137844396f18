import Foundation
import RulecDiagnostics

/// The CRM schema that rules are checked against: entities (tables), their fields and relations,
/// and the catalog of external actions. Loaded from YAML, the embedded default, or a live database.
public struct Schema: Sendable, Equatable {
    /// Entities by name (`contact`), in a deterministic order (as declared).
    public var entities: [Entity]
    /// Enum types by name; fields refer to them with `FieldType.enumeration`.
    public var enums: [EnumType]
    /// External actions by name (`send_sms`).
    public var actions: [ActionSpec]

    public init(entities: [Entity], enums: [EnumType], actions: [ActionSpec]) {
        self.entities = entities
        self.enums = enums
        self.actions = actions
    }

    public func entity(named name: String) -> Entity? { entities.first { $0.name == name } }
    public func enumType(named name: String) -> EnumType? { enums.first { $0.name == name } }
    public func action(named name: String) -> ActionSpec? { actions.first { $0.name == name } }
}

/// A table the rules can react to and read.
public struct Entity: Sendable, Equatable {
    /// Singular name used in rules: `contact`.
    public var name: String
    /// The database schema of the table: `public`.
    public var dbSchema: String
    /// The table name: `contacts`.
    public var table: String
    /// The primary key column (single column).
    public var key: String
    /// The tenant column (`workspace_id`), or nil for single-tenant schemas.
    public var tenantKey: String?
    public var fields: [Field]
    /// Many-to-one relations (this row's foreign keys) and their one-to-many inverses.
    public var relations: [Relation]

    public init(name: String, dbSchema: String = "public", table: String, key: String = "id",
                tenantKey: String? = "workspace_id", fields: [Field], relations: [Relation] = []) {
        self.name = name
        self.dbSchema = dbSchema
        self.table = table
        self.key = key
        self.tenantKey = tenantKey
        self.fields = fields
        self.relations = relations
    }

    public func field(named name: String) -> Field? { fields.first { $0.name == name } }
    public func relation(named name: String) -> Relation? { relations.first { $0.name == name } }
}

/// A column.
public struct Field: Sendable, Equatable {
    public var name: String
    public var type: FieldType
    public var nullable: Bool
    /// True when the database fills the column when an insert leaves it out
    /// (generated ids, `created_at` defaults), so `create` need not give it.
    public var hasDefault: Bool
    /// What the default is, when the schema says (YAML `default:`); `rulec schema ddl` writes it.
    /// May be nil while `hasDefault` is true: a pulled schema knows a default exists, not always what it is.
    public var defaultValue: FieldDefault?

    public init(name: String, type: FieldType, nullable: Bool = false, hasDefault: Bool = false,
                defaultValue: FieldDefault? = nil) {
        self.name = name
        self.type = type
        self.nullable = nullable
        // INVARIANT: a field with a known default has a default.
        self.hasDefault = hasDefault || defaultValue != nil
        self.defaultValue = defaultValue
    }
}

/// The type of a column or parameter.
public indirect enum FieldType: Sendable, Equatable, Hashable, CustomStringConvertible {
    case text, int, decimal, bool, timestamp, duration, uuid, phone, email, json
    /// An enum declared in the schema, by name.
    case enumeration(String)
    case list(FieldType)

    public var description: String {
        switch self {
        case .text: return "text"
        case .int: return "int"
        case .decimal: return "decimal"
        case .bool: return "bool"
        case .timestamp: return "timestamp"
        case .duration: return "duration"
        case .uuid: return "uuid"
        case .phone: return "phone"
        case .email: return "email"
        case .json: return "json"
        case .enumeration(let n): return n
        case .list(let t): return "[\(t)]"
        }
    }

    /// Parses the spelling used in schema YAML and params: `text`, `[text]`, `list<text>`, or an enum name.
    public init(spelling: String, enums: Set<String>) throws(SchemaTypeError) {
        let s = spelling.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("[") && s.hasSuffix("]") {
            self = .list(try FieldType(spelling: String(s.dropFirst().dropLast()), enums: enums))
            return
        }
        if s.hasPrefix("list<") && s.hasSuffix(">") {
            self = .list(try FieldType(spelling: String(s.dropFirst(5).dropLast()), enums: enums))
            return
        }
        switch s {
        case "text", "string": self = .text
        case "int", "integer", "bigint": self = .int
        case "decimal", "numeric": self = .decimal
        case "bool", "boolean": self = .bool
        case "timestamp", "timestamptz": self = .timestamp
        case "duration", "interval": self = .duration
        case "uuid": self = .uuid
        case "phone": self = .phone
        case "email": self = .email
        case "json", "jsonb": self = .json
        default:
            guard enums.contains(s) else { throw SchemaTypeError(spelling: s) }
            self = .enumeration(s)
        }
    }
}

/// An unknown type name in a schema or param.
public struct SchemaTypeError: Error, Sendable {
    public var spelling: String
}

/// A named set of values, e.g. `contact_status: [lead, prospect, customer, churned]`.
public struct EnumType: Sendable, Equatable {
    public var name: String
    public var values: [String]
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}

/// A navigable link between two entities.
public struct Relation: Sendable, Equatable {
    public enum Cardinality: String, Sendable {
        /// `message.contact`: follows this row's foreign key; may be null.
        case manyToOne = "many_to_one"
        /// `contact.messages`: rows whose foreign key points here; used by aggregates.
        case oneToMany = "one_to_many"
    }

    /// The name used in rules: `contact`, `messages`.
    public var name: String
    public var cardinality: Cardinality
    /// The other entity.
    public var target: String
    /// The foreign key column: on this entity for many-to-one, on the target for one-to-many.
    public var foreignKey: String

    public init(name: String, cardinality: Cardinality, target: String, foreignKey: String) {
        self.name = name
        self.cardinality = cardinality
        self.target = target
        self.foreignKey = foreignKey
    }
}

/// An external action of the catalog: `send_sms(to: phone, body: text)`.
public struct ActionSpec: Sendable, Equatable {
    public var name: String
    public var parameters: [ActionParameter]
    /// The queue the relay delivers its jobs to (when `queueParameter` is set: only when that
    /// parameter is null).
    public var queue: String
    /// The parameter whose value names the queue, for actions such as `enqueue(queue: text, …)`
    /// that let the rule choose it; nil when every job goes to `queue`.
    public var queueParameter: String?

    public init(name: String, parameters: [ActionParameter], queue: String, queueParameter: String? = nil) {
        self.name = name
        self.parameters = parameters
        self.queue = queue
        self.queueParameter = queueParameter
    }

    /// The queue one job goes to, given the value of `queueParameter` when there is one.
    public func queue(forParameterValue value: String?) -> String {
        guard queueParameter != nil, let value, !value.isEmpty else { return queue }
        return value
    }

    public func parameter(named name: String) -> ActionParameter? { parameters.first { $0.name == name } }
}

/// A typed parameter of an external action.
public struct ActionParameter: Sendable, Equatable {
    public var name: String
    public var type: FieldType
    /// Optional parameters may be omitted or null; a null required one makes the job `skipped`.
    public var optional: Bool

    public init(name: String, type: FieldType, optional: Bool = false) {
        self.name = name
        self.type = type
        self.optional = optional
    }
}
