import RulecDiagnostics

/// Every file of a program, parsed. Rule names are unique across the whole program (checked later).
public struct SyntaxTree: Sendable, Equatable {
    public var files: [RuleFile]
    public init(files: [RuleFile]) { self.files = files }

    /// All rules of all files, in file order then source order.
    public var rules: [RuleDecl] { files.flatMap(\.rules) }
}

/// One `.crmrule` file: its rules and the comments between them.
public struct RuleFile: Sendable, Equatable {
    public var file: Int
    public var rules: [RuleDecl]
    public var comments: [Comment]
    public init(file: Int, rules: [RuleDecl], comments: [Comment]) {
        self.file = file
        self.rules = rules
        self.comments = comments
    }
}

/// A name as written, with where it was written.
public struct Identifier: Sendable, Hashable {
    public var name: String
    public var range: SourceRange
    public init(_ name: String, _ range: SourceRange) {
        self.name = name
        self.range = range
    }
}

/// `rule NAME ["description"] clauses… when … [if …] then …`
public struct RuleDecl: Sendable, Equatable {
    public var name: Identifier
    public var description: String?
    public var params: [ParamDecl]
    public var oncePer: OncePerClause?
    public var limit: LimitClause?
    public var priority: PriorityClause?
    public var triggers: [Trigger]
    public var condition: Expr?
    public var actions: [Action]
    /// From `rule` to the end of the last action.
    public var range: SourceRange
    /// True when the parser had to recover inside this rule; later phases skip such rules
    /// so one typo does not cause a cascade of follow-on errors.
    public var hasSyntaxErrors: Bool

    public init(name: Identifier, description: String?, params: [ParamDecl], oncePer: OncePerClause?,
                limit: LimitClause?, priority: PriorityClause?, triggers: [Trigger], condition: Expr?,
                actions: [Action], range: SourceRange, hasSyntaxErrors: Bool) {
        self.name = name
        self.description = description
        self.params = params
        self.oncePer = oncePer
        self.limit = limit
        self.priority = priority
        self.triggers = triggers
        self.condition = condition
        self.actions = actions
        self.range = range
        self.hasSyntaxErrors = hasSyntaxErrors
    }
}

/// `param NAME: TYPE = LITERAL` — a value each workspace may override in its settings.
public struct ParamDecl: Sendable, Equatable {
    public var name: Identifier
    public var type: TypeRef
    public var defaultValue: Expr
    public var range: SourceRange
    public init(name: Identifier, type: TypeRef, defaultValue: Expr, range: SourceRange) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.range = range
    }
}

/// A type as written in a `param`: a name (`text`, `int`, an enum) or a list `[T]`.
public indirect enum TypeRef: Sendable, Equatable {
    case named(Identifier)
    case list(TypeRef, SourceRange)

    public var range: SourceRange {
        switch self {
        case .named(let id): return id.range
        case .list(_, let r): return r
        }
    }
}

/// `once per ENTITY [every DURATION]`
public struct OncePerClause: Sendable, Equatable {
    public var entity: Identifier
    public var every: Expr?
    public var range: SourceRange
    public init(entity: Identifier, every: Expr?, range: SourceRange) {
        self.entity = entity
        self.every = every
        self.range = range
    }
}

/// `limit N per DURATION`
public struct LimitClause: Sendable, Equatable {
    public var count: Expr
    public var window: Expr
    public var range: SourceRange
    public init(count: Expr, window: Expr, range: SourceRange) {
        self.count = count
        self.window = window
        self.range = range
    }
}

/// The order in which rules matching the same change run: high first.
public enum Priority: String, Sendable, CaseIterable, Comparable {
    case high, normal, low

    /// Lower runs first.
    public var rank: Int {
        switch self {
        case .high: return 0
        case .normal: return 1
        case .low: return 2
        }
    }

    public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
}

/// `priority high|normal|low`
public struct PriorityClause: Sendable, Equatable {
    public var level: Priority
    public var range: SourceRange
    public init(level: Priority, range: SourceRange) {
        self.level = level
        self.range = range
    }
}

/// `created`, `updated`, `deleted`
public enum LifecycleEvent: String, Sendable, CaseIterable {
    case created, updated, deleted
}

/// `before` or `after` in a timer trigger.
public enum TimerDirection: String, Sendable {
    case before, after
}

/// One trigger after `when` (several are joined by `or`).
public struct Trigger: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `contact created`
        case lifecycle(entity: Identifier, event: LifecycleEvent)
        /// `contact.status changes [from V] [to V]`
        case changes(field: Expr, from: Expr?, to: Expr?)
        /// `contact meets COND`
        case meets(entity: Identifier, condition: Expr)
        /// `EXPR reaches EXPR`
        case reaches(value: Expr, threshold: Expr)
        /// `24 hours before appointment.start_time`
        case timer(offset: Expr, direction: TimerDirection, field: Expr)
    }

    public var kind: Kind
    public var range: SourceRange
    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// An action after `then`.
public struct Action: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `send_sms to: …, body: … [delay D]`: a job in the outbox.
        case external(name: Identifier, arguments: [Argument], delay: Expr?)
        /// `create ENTITY with field: EXPR, …`
        case create(entity: Identifier, fields: [Argument])
        /// `update TARGET set field = EXPR, …` where TARGET is the trigger's entity or a relation of it.
        case update(target: Expr, assignments: [Argument])
    }

    public var kind: Kind
    public var range: SourceRange
    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// `key: EXPR` in an action call or `create`, `field = EXPR` in `update`.
public struct Argument: Sendable, Equatable {
    public var key: Identifier
    public var value: Expr
    public var range: SourceRange
    public init(key: Identifier, value: Expr, range: SourceRange) {
        self.key = key
        self.value = value
        self.range = range
    }
}
