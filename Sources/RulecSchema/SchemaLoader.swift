import Foundation
import RulecDiagnostics
import RulecSyntax
import Yams

/// Reads a schema from YAML (the format of docs/schema.md) into a `Schema`.
///
/// A schema file is written by hand, so its mistakes are reported like rule mistakes: every
/// diagnostic has a code (R2xxx), a file:line:col range and says what was expected, and reading
/// goes on after an error so one run shows them all. No input makes it crash.
public enum SchemaLoader {
    /// Parses `yaml`, registering it in `sources` under `path` so diagnostics can point into it.
    ///
    /// Returns the schema when there is no error (warnings may come with it), else nil; the
    /// diagnostics are sorted by position.
    public static func load(yaml: String, path: String, sources: SourceManager) -> (Schema?, [Diagnostic]) {
        let file = sources.add(SourceFile(path: path, text: yaml))
        var reader = SchemaReader(map: YAMLSourceMap(file: file, bytes: Array(yaml.utf8)))
        let schema = reader.read(yaml)
        let diagnostics = Diagnostic.sorted(reader.diagnostics)
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (schema, diagnostics)
    }

    /// Reads and parses the file at `path`; a file that cannot be read is one diagnostic without a range.
    public static func load(fileAt path: String, sources: SourceManager) -> (Schema?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [.error(.schemaUnreadable, "cannot read the schema file `\(path)`", at: nil,
                                 help: "check the path given to `--schema`")])
        }
        let bytes = [UInt8](data)
        if let bad = Parser.firstInvalidUTF8(bytes) {
            let file = sources.add(SourceFile(path: path, bytes: bytes))
            return (nil, [.error(.schemaUnreadable, "the schema file `\(path)` is not UTF-8 text",
                                 at: SourceRange(file: file, start: bad, end: bad + 1), help: "save the file as UTF-8")])
        }
        return load(yaml: String(decoding: bytes, as: UTF8.self), path: path, sources: sources)
    }
}

/// Built-in type spellings in the order they are suggested; enum names may not take them.
let builtinTypeNames = ["text", "int", "decimal", "bool", "timestamp", "duration", "uuid", "phone", "email", "json"]
/// Synonyms `FieldType(spelling:)` also accepts (`integer`, `jsonb`, …): reserved as well.
let builtinTypeSynonyms: Set<String> = ["string", "integer", "bigint", "numeric", "boolean", "timestamptz",
                                         "interval", "jsonb"]

/// True for `[A-Za-z_][A-Za-z0-9_]*`: the names rules can write.
func isIdentifier(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, first.isASCII,
          first == "_" || (first.properties.isAlphabetic) else { return false }
    return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
}

/// The walk over the YAML tree. Internal: `SchemaLoader` is the API.
struct SchemaReader {
    let map: YAMLSourceMap
    var diagnostics: [Diagnostic] = []

    init(map: YAMLSourceMap) { self.map = map }

    // MARK: - Raw declarations, before cross-references are resolved

    enum InverseSpec { case derived, none, named(String, SourceRange) }

    struct RawField {
        var name: String
        var nameRange: SourceRange
        var type: FieldType?
        var typeRange: SourceRange
        var nullable: Bool
        var defaultNode: Node?
        var references: (String, SourceRange)?
        var relationName: (String, SourceRange)?
        var inverse: InverseSpec = .derived
    }

    enum TenantSpec { case derived, none, named(String, SourceRange) }

    struct RawEntity {
        var name: String
        var nameRange: SourceRange
        var table: String
        var dbSchema: String
        var key: String
        var keyRange: SourceRange?
        var tenant: TenantSpec = .derived
        var fields: [RawField] = []
    }

    // MARK: - Entry

    mutating func read(_ yaml: String) -> Schema? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            report(yamlError: error, yaml: yaml)
            return nil
        }
        guard let root else {
            error(.schemaEmpty, "the schema file is empty", at: SourceRange(file: map.file, start: 0, end: 0),
                  help: "declare at least `entities:`; `rulec schema show` prints the default schema")
            return nil
        }
        guard YAMLNodeBudget.fits(root) else {
            error(.schemaTooLarge, "the schema has more than \(YAMLNodeBudget.nodes) YAML nodes", at: map.range(of: root),
                  help: "aliases (`*name`) that expand into themselves many times are a common cause")
            return nil
        }
        guard let top = mapping(root, expected: "a mapping with `entities:`, `enums:` and `actions:`") else { return nil }
        let unknownTopKeys = checkKeys(top, allowed: ["entities", "enums", "actions"], in: "a schema")

        var enums: [EnumType] = []
        if let node = top["enums"], !isNull(node) { enums = readEnums(node) }
        let enumNames = Set(enums.map(\.name))

        var raw: [RawEntity] = []
        if let node = top["entities"], !isNull(node) {
            raw = readEntities(node, enumNames: enumNames)
        } else if unknownTopKeys == 0 {  // else the misspelt key was probably `entities`: said already
            error(.schemaMissingKey, "the schema declares no `entities`", at: map.range(of: root),
                  help: "add `entities:` with one entry per table rules react to")
        }
        let entities = resolve(raw, enums: enums)

        var actions: [ActionSpec] = []
        if let node = top["actions"], !isNull(node) { actions = readActions(node, enumNames: enumNames) }
        return Schema(entities: entities, enums: enums, actions: actions)
    }

    // MARK: - YAML syntax errors

    private mutating func report(yamlError: Error, yaml: String) {
        guard let e = yamlError as? YamlError else {
            error(.schemaInvalidYAML, "malformed YAML: \(yamlError)", at: SourceRange(file: map.file, start: 0, end: 0))
            return
        }
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let range = map.range(at: mark)
            var notes: [String] = []
            if let context { notes.append("\(context.text) starting at line \(context.mark.line), column \(context.mark.column)") }
            var help: String?
            if range.start < map.bytes.count, map.bytes[range.start] == UInt8(ascii: "\t") {
                help = "YAML indents with spaces, never tabs"
            } else if problem.contains("mapping values are not allowed") {
                help = "a value containing `: ` must be quoted"
            } else if problem.contains("could not find expected ':'") {
                help = "each line of a mapping is `name: value`; check the indentation and for a missing `:`"
            }
            error(.schemaInvalidYAML, "malformed YAML: \(problem)", at: range, notes: notes, help: help)
        case let .reader(problem, offset, _, _):
            var start = 0
            if let offset, let index = yaml.index(yaml.startIndex, offsetBy: offset, limitedBy: yaml.endIndex) {
                start = yaml.utf8.distance(from: yaml.utf8.startIndex, to: index)
            }
            error(.schemaInvalidYAML, "malformed YAML: \(problem)",
                  at: SourceRange(file: map.file, start: start, end: min(map.bytes.count, start + 1)))
        case let .duplicatedKeysInMapping(duplicates, context):
            let name = duplicates.first ?? ""
            let first = map.range(at: context.mark)
            let second = map.secondOccurrence(of: name, after: context.mark)
            let others = duplicates.dropFirst().map { "`\($0)`" }
            error(.schemaDuplicateName, "`\(name)` is declared twice", at: second ?? first,
                  labels: second == nil ? [] : [DiagnosticLabel(first, "first declared here")],
                  notes: others.isEmpty ? [] : ["also declared twice in the same mapping: \(others.joined(separator: ", "))"],
                  help: "names in one mapping (entities, fields, enums, actions, parameters) must be unique; remove or rename one")
        default:
            error(.schemaInvalidYAML, "malformed YAML: \(e)", at: SourceRange(file: map.file, start: 0, end: 0))
        }
    }

    // MARK: - Enums

    private mutating func readEnums(_ node: Node) -> [EnumType] {
        guard let m = mapping(node, expected: "a mapping from enum names to their values, e.g. `status: [open, done]`")
        else { return [] }
        var enums: [EnumType] = []
        for (keyNode, valueNode) in m {
            guard let name = self.name(keyNode, what: "an enum") else { continue }
            if builtinTypeNames.contains(name) || builtinTypeSynonyms.contains(name) {
                error(.schemaEnumShadowsType, "enum `\(name)` has the name of a built-in type", at: map.range(of: keyNode),
                      help: "rename it, e.g. `\(name)_kind`")
                continue
            }
            guard case .sequence(let seq) = valueNode else {
                if isNull(valueNode) {
                    error(.schemaEmptyEnum, "enum `\(name)` has no values", at: map.range(of: keyNode),
                          help: "list its values: `\(name): [first, second]`")
                } else {
                    unexpected(valueNode, expected: "the list of the values of enum `\(name)`, e.g. `[open, done]`")
                }
                continue
            }
            if seq.isEmpty {
                error(.schemaEmptyEnum, "enum `\(name)` has no values", at: map.range(of: valueNode),
                      help: "list its values: `\(name): [first, second]`")
                continue
            }
            var values: [String] = []
            var seen: [String: SourceRange] = [:]
            for v in seq {
                guard case .scalar(let s) = v, !isNull(v) || s.style != .plain else {
                    unexpected(v, expected: "a value of enum `\(name)`")
                    continue
                }
                let value = s.string
                let range = map.range(of: v)
                if let first = seen[value] {
                    error(.schemaDuplicateName, "enum `\(name)` lists `\(value)` twice", at: range,
                          labels: [DiagnosticLabel(first, "first listed here")])
                    continue
                }
                if !isIdentifier(value) {
                    diagnostics.append(.warning(.schemaEnumValueNotIdentifier,
                        "value `\(value)` of enum `\(name)` is not an identifier, so rules cannot write it", at: range))
                } else if Keyword(rawValue: value) != nil {
                    diagnostics.append(.warning(.schemaEnumValueNotIdentifier,
                        "value `\(value)` of enum `\(name)` is a keyword of the rules language, so rules cannot write it", at: range))
                }
                seen[value] = range
                values.append(value)
            }
            enums.append(EnumType(name: name, values: values))
        }
        return enums
    }

    // MARK: - Entities

    private mutating func readEntities(_ node: Node, enumNames: Set<String>) -> [RawEntity] {
        guard let m = mapping(node, expected: "a mapping from entity names to their tables and fields") else { return [] }
        var out: [RawEntity] = []
        for (keyNode, valueNode) in m {
            guard let name = self.name(keyNode, what: "an entity"), notKeyword(name, keyNode, what: "an entity") else { continue }
            guard let body = mapping(valueNode, expected: "the table and `fields:` of entity `\(name)`") else { continue }
            checkKeys(body, allowed: ["table", "db_schema", "key", "tenant_key", "fields"], in: "entity `\(name)`")
            var entity = RawEntity(name: name, nameRange: map.range(of: keyNode), table: name, dbSchema: "public", key: "id")
            if let t = body["table"], let s = text(t, expected: "the table name of `\(name)`") { entity.table = s }
            if let t = body["db_schema"], let s = text(t, expected: "the database schema of `\(name)`, e.g. `public`") {
                entity.dbSchema = s
            }
            if let t = body["key"], let s = text(t, expected: "the name of the key field of `\(name)`") {
                entity.key = s
                entity.keyRange = map.range(of: t)
            }
            if let t = body["tenant_key"] {
                if isNull(t) {
                    entity.tenant = .none
                } else if let s = text(t, expected: "the tenant field of `\(name)` (e.g. `workspace_id`), or `null`") {
                    entity.tenant = .named(s, map.range(of: t))
                }
            }
            if let f = body["fields"] {
                entity.fields = readFields(f, entity: name, enumNames: enumNames)
            } else {
                error(.schemaMissingKey, "entity `\(name)` has no `fields`", at: map.range(of: keyNode),
                      help: "list its columns under `fields:`, e.g. `fields: {id: text, name: text}`")
            }
            out.append(entity)
        }
        return out
    }

    private mutating func readFields(_ node: Node, entity: String, enumNames: Set<String>) -> [RawField] {
        guard let m = mapping(node, expected: "a mapping from the field names of `\(entity)` to their types") else { return [] }
        var fields: [RawField] = []
        for (keyNode, valueNode) in m {
            guard let name = self.name(keyNode, what: "a field") else { continue }
            var field = RawField(name: name, nameRange: map.range(of: keyNode), type: nil,
                                 typeRange: map.range(of: valueNode), nullable: false)
            if case .mapping(let body) = valueNode {
                checkKeys(body, allowed: ["type", "nullable", "default", "references", "relation", "inverse"],
                          in: "field `\(entity).\(name)`")
                if let t = body["type"] {
                    field.typeRange = map.range(of: t)
                    if let (type, optional) = readType(t, enumNames: enumNames, allowOptional: true) {
                        field.type = type
                        field.nullable = optional
                    }
                } else {
                    error(.schemaMissingKey, "field `\(entity).\(name)` has no `type`", at: map.range(of: keyNode),
                          help: "add `type:`, e.g. `{type: text, nullable: true}`")
                }
                if let n = body["nullable"], let b = bool(n, expected: "`true` or `false`") { field.nullable = field.nullable || b }
                field.defaultNode = body["default"]
                if let r = body["references"], let s = text(r, expected: "the name of the entity this field refers to") {
                    field.references = (s, map.range(of: r))
                }
                if let r = body["relation"], let s = self.name(r, what: "a relation") { field.relationName = (s, map.range(of: r)) }
                if let r = body["inverse"] {
                    if isNull(r) {
                        field.inverse = .none
                    } else if let s = self.name(r, what: "a relation") {
                        field.inverse = .named(s, map.range(of: r))
                    }
                }
                if field.references == nil {
                    for k in ["relation", "inverse"] {
                        if let (kn, _) = body.first(where: { $0.key.string == k }) {
                            error(.schemaMissingKey, "`\(k)` names a relation, but `\(entity).\(name)` has no `references`",
                                  at: map.range(of: kn), help: "add `references: ENTITY` to make the field a foreign key")
                        }
                    }
                }
            } else if isNull(valueNode) {
                error(.schemaUnknownType, "field `\(entity).\(name)` has no type", at: map.range(of: keyNode),
                      help: "write a type after the colon, e.g. `\(name): text`")
            } else if let (type, optional) = readType(valueNode, enumNames: enumNames, allowOptional: true) {
                field.type = type
                field.nullable = optional
            }
            fields.append(field)
        }
        return fields
    }

    /// `text`, `text?`, `[text]`, `"[text]?"`, `list<text>`, an enum name. Reports and returns nil otherwise.
    private mutating func readType(_ node: Node, enumNames: Set<String>, allowOptional: Bool) -> (FieldType, Bool)? {
        switch node {
        case .sequence(let seq):
            guard seq.count == 1, case .scalar = seq[0] else {
                unexpected(node, expected: "a list type with one element type, e.g. `[text]`")
                return nil
            }
            guard let (element, optional) = readType(seq[0], enumNames: enumNames, allowOptional: false) else { return nil }
            _ = optional
            return (.list(element), false)
        case .scalar(let s) where !isNull(node) || s.style != .plain:
            var spelling = s.string.trimmingCharacters(in: .whitespaces)
            var optional = false
            if spelling.hasSuffix("?") {
                optional = true
                spelling.removeLast()
                if !allowOptional {
                    error(.schemaUnknownType, "a list element cannot be optional", at: map.range(of: node),
                          help: "write `[\(spelling)]`; the list itself may be nullable: `{type: [\(spelling)], nullable: true}`")
                    return nil
                }
            }
            do {
                let type = try FieldType(spelling: spelling, enums: enumNames)
                if case .list(let element) = type, case .list = element {
                    error(.schemaUnknownType, "lists of lists are not supported", at: map.range(of: node),
                          help: "use `json` for nested data")
                    return nil
                }
                return (type, optional)
            } catch {
                let bad = error.spelling
                let candidates = builtinTypeNames + enumNames.sorted()
                var help: String
                if let guess = closestMatch(to: bad, in: candidates) {
                    help = "did you mean `\(guess)`?"
                } else {
                    help = "a type is one of \(builtinTypeNames.map { "`\($0)`" }.joined(separator: " ")), an enum declared under `enums:`, or a list such as `[text]`"
                }
                self.error(.schemaUnknownType, "unknown type `\(bad)`", at: map.range(of: node), help: help)
                return nil
            }
        default:
            unexpected(node, expected: "a type such as `text`, `int?`, `[text]` or an enum name")
            return nil
        }
    }

    // MARK: - Actions

    private mutating func readActions(_ node: Node, enumNames: Set<String>) -> [ActionSpec] {
        guard let m = mapping(node, expected: "a mapping from action names to their `queue` and `params`") else { return [] }
        var actions: [ActionSpec] = []
        for (keyNode, valueNode) in m {
            guard let name = self.name(keyNode, what: "an action"), notKeyword(name, keyNode, what: "an action") else { continue }
            var spec = ActionSpec(name: name, parameters: [], queue: name)
            if isNull(valueNode) { actions.append(spec); continue }
            guard let body = mapping(valueNode, expected: "the `queue` and `params` of action `\(name)`") else { continue }
            checkKeys(body, allowed: ["queue", "queue_param", "params"], in: "action `\(name)`")
            if let q = body["queue"], let s = text(q, expected: "the name of the queue of `\(name)`") { spec.queue = s }
            if let p = body["params"], !isNull(p),
               let params = mapping(p, expected: "a mapping from the parameter names of `\(name)` to their types") {
                for (pk, pv) in params {
                    guard let pname = self.name(pk, what: "a parameter") else { continue }
                    var type: FieldType?
                    var optional = false
                    if case .mapping(let long) = pv {
                        checkKeys(long, allowed: ["type", "optional"], in: "parameter `\(name).\(pname)`")
                        if let t = long["type"] {
                            if let (ft, o) = readType(t, enumNames: enumNames, allowOptional: true) { type = ft; optional = o }
                        } else {
                            error(.schemaMissingKey, "parameter `\(pname)` of `\(name)` has no `type`", at: map.range(of: pk),
                                  help: "add `type:`, e.g. `{type: text, optional: true}`")
                        }
                        if let o = long["optional"], let b = bool(o, expected: "`true` or `false`") { optional = optional || b }
                    } else if isNull(pv) {
                        error(.schemaUnknownType, "parameter `\(pname)` of `\(name)` has no type", at: map.range(of: pk),
                              help: "write a type after the colon, e.g. `\(pname): text` (`text?` when optional)")
                    } else if let (ft, o) = readType(pv, enumNames: enumNames, allowOptional: true) {
                        type = ft
                        optional = o
                    }
                    if let type { spec.parameters.append(ActionParameter(name: pname, type: type, optional: optional)) }
                }
            }
            if let qp = body["queue_param"], let s = text(qp, expected: "the name of the parameter that names the queue") {
                if let p = spec.parameter(named: s) {
                    if p.type == .text {
                        spec.queueParameter = s
                        if body["queue"] == nil { spec.queue = name }
                    } else {
                        error(.schemaInvalidQueue, "`queue_param` `\(s)` of `\(name)` is `\(p.type)`, not `text`",
                              at: map.range(of: qp), help: "the parameter that names the queue must be `text`")
                    }
                } else {
                    let guess = closestMatch(to: s, in: spec.parameters.map(\.name))
                    error(.schemaUnknownField, "action `\(name)` has no parameter `\(s)`", at: map.range(of: qp),
                          help: guess.map { "did you mean `\($0)`?" } ?? "add it under `params:` as `\(s): text`")
                }
            }
            actions.append(spec)
        }
        return actions
    }

    // MARK: - Node helpers

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    mutating func mapping(_ node: Node, expected: String) -> Node.Mapping? {
        if case .mapping(let m) = node { return m }
        unexpected(node, expected: expected)
        return nil
    }

    /// A plain non-empty string value (a table, a queue).
    mutating func text(_ node: Node, expected: String) -> String? {
        if case .scalar(let s) = node, !isNull(node), !s.string.isEmpty { return s.string }
        unexpected(node, expected: expected)
        return nil
    }

    mutating func bool(_ node: Node, expected: String) -> Bool? {
        if case .scalar(let s) = node {
            switch s.string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        unexpected(node, expected: expected)
        return nil
    }

    /// Entities and actions are written bare in rules (`when contact created`, `then send_sms …`),
    /// where a keyword of the language (LANGUAGE.md §2) would be read as the keyword: refused.
    mutating func notKeyword(_ name: String, _ node: Node, what: String) -> Bool {
        guard Keyword(rawValue: name) != nil else { return true }
        error(.schemaInvalidName, "`\(name)` is a keyword of the rules language and cannot name \(what)", at: map.range(of: node),
              help: "rules would read `\(name)` as the keyword; choose another name"
                + (what == "an entity" ? " (the table keeps its name with `table: \(name)`)" : ""))
        return false
    }

    /// A name that rules will write: reports non-identifiers.
    mutating func name(_ node: Node, what: String) -> String? {
        guard case .scalar(let s) = node, !isNull(node) || s.style != .plain else {
            unexpected(node, expected: "the name of \(what)")
            return nil
        }
        guard isIdentifier(s.string) else {
            error(.schemaInvalidName, "`\(s.string)` cannot name \(what)", at: map.range(of: node),
                  help: "names are letters, digits and `_`, starting with a letter or `_`")
            return nil
        }
        return s.string
    }

    /// Reports keys of `m` not in `allowed`, with a did-you-mean; returns how many there were.
    @discardableResult
    mutating func checkKeys(_ m: Node.Mapping, allowed: [String], in context: String) -> Int {
        var unknown = 0
        for (k, _) in m {
            guard case .scalar(let s) = k else {
                unexpected(k, expected: "a key of \(context) (one of \(allowed.map { "`\($0)`" }.joined(separator: ", ")))")
                unknown += 1
                continue
            }
            if allowed.contains(s.string) { continue }
            let help: String
            if let guess = closestMatch(to: s.string, in: allowed) {
                help = "did you mean `\(guess)`?"
            } else {
                help = "the keys of \(context) are \(allowed.map { "`\($0)`" }.joined(separator: ", "))"
            }
            error(.schemaUnknownKey, "unknown key `\(s.string)` in \(context)", at: map.range(of: k), help: help)
            unknown += 1
        }
        return unknown
    }

    mutating func unexpected(_ node: Node, expected: String) {
        let found: String
        switch node {
        case .mapping: found = "a mapping"
        case .sequence: found = "a list"
        case .alias: found = "an alias"
        case .scalar(let s): found = isNull(node) ? "nothing" : "`\(s.string)`"
        }
        error(.schemaUnexpectedValue, "expected \(expected), found \(found)", at: map.range(of: node))
    }

    mutating func error(_ code: DiagnosticCode, _ message: String, at range: SourceRange,
                        labels: [DiagnosticLabel] = [], notes: [String] = [], help: String? = nil) {
        diagnostics.append(.error(code, message, at: range, labels: labels, notes: notes, help: help))
    }
}
