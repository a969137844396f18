import Foundation
import RulecDiagnostics
import RulecInterpreter
import RulecSchema
import RulecSemantics
import Yams

/// Reads test files (`*.test.yaml`, LANGUAGE.md §8; docs/testing.md) into typed `Scenario`s.
///
/// Values are typed by the schema (a row's fields), the program (a rule's params) and the action
/// catalog (a job's params), so a mistake in a test file is found before anything runs and is
/// reported like a mistake in a rule: a code (R5xxx), file:line:col and, for names, a "did you mean".
/// Reading goes on after an error, so one run shows them all; only scenarios without errors are
/// returned.
public struct ScenarioLoader {
    public let program: CheckedProgram
    /// Test files are registered here, next to the rule files, so diagnostics render alike.
    public let sources: SourceManager

    public init(program: CheckedProgram, sources: SourceManager) {
        self.program = program
        self.sources = sources
    }

    /// Reads and parses the file at `path`.
    public func load(path: String) -> (scenarios: [Scenario], diagnostics: [Diagnostic]) {
        let file = read(path: path)
        return (file.scenarios, file.diagnostics)
    }

    /// Reads the file at `path`: the scenarios that can run, and those that cannot with their
    /// errors, in file order.
    public func read(path: String) -> TestFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            return TestFile(path: path, entries: [], fileDiagnostics: [.error(.scenarioUnreadable, "cannot read the test file `\(path)`", at: nil)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return TestFile(path: path, entries: [], fileDiagnostics: [.error(.scenarioUnreadable, "the test file `\(path)` is not UTF-8 text", at: nil)])
        }
        return read(yaml: text, path: path)
    }

    /// Parses `yaml`, registering it in `sources` under `path`.
    public func load(yaml: String, path: String) -> (scenarios: [Scenario], diagnostics: [Diagnostic]) {
        let file = read(yaml: yaml, path: path)
        return (file.scenarios, file.diagnostics)
    }

    /// Parses `yaml`, registering it in `sources` under `path`.
    public func read(yaml: String, path: String) -> TestFile {
        let file = sources.add(SourceFile(path: path, text: yaml))
        var reader = ScenarioReader(map: YAMLSourceMap(file: file, bytes: Array(yaml.utf8)), path: path, program: program)
        let entries = reader.read(yaml)
        return TestFile(path: path, entries: entries, fileDiagnostics: Diagnostic.sorted(reader.diagnostics))
    }
}

/// The walk over one file's YAML tree. Internal: `ScenarioLoader` is the API.
struct ScenarioReader {
    let map: YAMLSourceMap
    let path: String
    let program: CheckedProgram
    let converter: ValueConverter
    /// The diagnostics of the file as a whole, and of the scenario being read until it is done.
    var diagnostics: [Diagnostic] = []
    /// Errors so far in the scenario being read; a scenario with any is returned as unreadable.
    private var scenarioErrors = 0

    static let scenarioKeys = ["name", "now", "settings", "given", "events", "expect", "expect_rows"]
    static let expectKeys = ["rule", "action", "entity", "entity_id", "workspace_id", "status", "run_at", "priority", "params"]
    static let eventKinds = ["insert", "update", "delete", "advance"]

    init(map: YAMLSourceMap, path: String, program: CheckedProgram) {
        self.map = map
        self.path = path
        self.program = program
        self.converter = ValueConverter(schema: program.schema)
    }

    var schema: Schema { program.schema }

    // MARK: - Entry

    mutating func read(_ yaml: String) -> [TestFileEntry] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            report(yamlError: error, yaml: yaml)
            return []
        }
        guard let root else {
            error(.scenarioUnreadable, "the test file is empty", at: SourceRange(file: map.file, start: 0, end: 0),
                  help: "write a scenario: `name`, `now`, `given`, `events` and `expect`; see docs/testing.md")
            return []
        }
        guard YAMLNodeBudget.fits(root) else {
            error(.scenarioUnreadable, "the test file has more than \(YAMLNodeBudget.nodes) YAML nodes", at: map.range(of: root),
                  help: "aliases (`*name`) that expand into themselves many times are a common cause")
            return []
        }
        let base = ((path as NSString).lastPathComponent as String).replacingOccurrences(of: ".test.yaml", with: "")
        switch root {
        case .sequence(let seq):
            return seq.enumerated().map { i, node in entry(node, defaultName: "\(base) #\(i + 1)") }
        default:
            return [entry(root, defaultName: base)]
        }
    }

    /// One scenario, with the diagnostics it raised taken out of the file's into its own.
    private mutating func entry(_ node: Node, defaultName: String) -> TestFileEntry {
        let start = diagnostics.count
        let (scenario, name) = readScenario(node, defaultName: defaultName)
        guard let scenario else {
            let own = Array(diagnostics[start...])
            diagnostics.removeSubrange(start...)
            return .unreadable(UnreadableScenario(name: name, path: path, range: map.range(of: node), diagnostics: Diagnostic.sorted(own)))
        }
        return .scenario(scenario)
    }

    // MARK: - Scenario

    /// The scenario (nil when it has errors) and its name.
    private mutating func readScenario(_ node: Node, defaultName: String) -> (Scenario?, String) {
        scenarioErrors = 0
        guard let m = mapping(node, expected: "a scenario: a mapping with `name`, `now`, `given`, `events` and `expect`") else {
            return (nil, defaultName)
        }
        checkKeys(m, allowed: Self.scenarioKeys, in: "a scenario")
        var name = defaultName
        if let n = m["name"], let s = scalar(n, what: "the scenario's name") { name = s }
        var now: Int64 = 0
        if let n = m["now"] {
            now = timestamp(n) ?? 0
        } else {
            error(.scenarioMissingKey, "the scenario has no `now`", at: map.range(of: node),
                  help: "add the clock before the first event, e.g. `now: 2026-11-24T09:00:00Z`")
        }
        var scenario = Scenario(name: name, path: path, range: map.range(of: node), now: now)
        if let n = m["settings"], !isNull(n) { scenario.settings = readSettings(n) }
        if let n = m["given"], !isNull(n) { scenario.given = readGiven(n) }
        if let n = m["events"], !isNull(n) { scenario.events = readEvents(n, now: now) }
        if let n = m["expect"] { scenario.expect = isNull(n) ? [] : readExpect(n) }
        if let n = m["expect_rows"], !isNull(n) { scenario.expectRows = readExpectRows(n) }
        return (scenarioErrors == 0 ? scenario : nil, name)
    }

    // MARK: - Settings

    private mutating func readSettings(_ node: Node) -> WorkspaceSettings {
        guard let m = mapping(node, expected: "a mapping from workspace ids to rule settings, e.g. `w1: {my_rule: {active: false}}`") else { return [:] }
        var out: WorkspaceSettings = [:]
        for (wsNode, rulesNode) in m {
            guard let written = scalar(wsNode, what: "a workspace id"), let ws = workspaceID(written, at: wsNode),
                  let rules = mapping(rulesNode, expected: "a mapping from rule names to `{active: …, params: {…}}`") else { continue }
            var perRule: [String: RuleSettings] = [:]
            for (ruleNode, settingsNode) in rules {
                guard let ruleName = scalar(ruleNode, what: "a rule name") else { continue }
                guard let rule = findRule(ruleName, at: ruleNode) else { continue }
                guard let s = mapping(settingsNode, expected: "`{active: true|false, params: {…}}`") else { continue }
                checkKeys(s, allowed: ["active", "params"], in: "rule settings")
                var settings = RuleSettings()
                if let a = s["active"] {
                    if case .bool(let b)? = typed(a, as: .bool) { settings.active = b }
                }
                if let p = s["params"], !isNull(p), let params = mapping(p, expected: "a mapping from param names to values") {
                    for (pn, pv) in params {
                        guard let pname = scalar(pn, what: "a param name") else { continue }
                        guard let decl = rule.params.first(where: { $0.name == pname }) else {
                            let known = rule.params.map(\.name)
                            error(.scenarioUnknownParam, "rule `\(rule.name)` has no param `\(pname)`", at: map.range(of: pn),
                                  help: known.isEmpty ? "the rule declares no params"
                                      : closestName(pname, in: known).map { "did you mean `\($0)`?" } ?? "its params are \(names(known))")
                            continue
                        }
                        guard let type = ValueConverter.fieldType(decl.type) else { continue }
                        if let v = typed(pv, as: type) { settings.params[pname] = v }
                    }
                }
                perRule[rule.name] = settings
            }
            out[ws] = perRule
        }
        return out
    }

    // MARK: - Given

    private mutating func readGiven(_ node: Node) -> [GivenRow] {
        guard let m = mapping(node, expected: "a mapping from entities to lists of rows, e.g. `contact: [{id: c1, …}]`") else { return [] }
        var out: [GivenRow] = []
        for (entityNode, rowsNode) in m {
            guard let entity = entity(entityNode) else { continue }
            guard let rows = sequence(rowsNode, expected: "a list of rows of `\(entity.name)`") else { continue }
            for rowNode in rows {
                if let row = readRow(rowNode, entity: entity, isData: true) {
                    out.append(GivenRow(entity: entity.name, row: Row(uniqueKeysWithValues: row.map { ($0.name, $0.value) }),
                                        range: map.range(of: rowNode)))
                }
            }
        }
        return out
    }

    /// A row's columns, typed by the entity's fields. Data rows (given, insert, set) refuse null in a
    /// non-nullable field; expectations may check for null anywhere.
    private mutating func readRow(_ node: Node, entity: Entity, isData: Bool) -> [(name: String, value: Value)]? {
        guard let m = mapping(node, expected: "a row: a mapping from fields of `\(entity.name)` to values") else { return nil }
        var out: [(name: String, value: Value)] = []
        for (keyNode, valueNode) in m {
            guard let fieldName = scalar(keyNode, what: "a field name") else { continue }
            guard let field = entity.field(named: fieldName) else {
                let known = entity.fields.map(\.name)
                error(.scenarioUnknownField, "entity `\(entity.name)` has no field `\(fieldName)`", at: map.range(of: keyNode),
                      help: closestName(fieldName, in: known).map { "did you mean `\($0)`?" } ?? "its fields are \(names(known))")
                continue
            }
            guard let v = typed(valueNode, as: field.type) else { continue }
            if isData, v.isNull, !field.nullable {
                error(.scenarioWrongValueType, "field `\(entity.name).\(fieldName)` cannot be null", at: map.range(of: valueNode),
                      help: "give it a value of type \(field.type), or leave it out if it has a default")
                continue
            }
            out.append((fieldName, v))
        }
        return out
    }

    // MARK: - Events

    private mutating func readEvents(_ node: Node, now: Int64) -> [ScenarioEvent] {
        guard let items = sequence(node, expected: "a list of events (`- {insert: …}`, `- {update: …}`, `- {delete: …}`, `- {advance: …}`)") else { return [] }
        var clock = now
        var out: [ScenarioEvent] = []
        for item in items {
            guard let m = mapping(item, expected: "an event: `{insert: ENTITY, row: {…}}`, `{update: ENTITY, id: X, set: {…}}`, `{delete: ENTITY, id: X}` or `{advance: TIME}`") else { continue }
            let kinds = Self.eventKinds.filter { m[$0] != nil }
            guard let kind = kinds.first else {
                checkKeys(m, allowed: Self.eventKinds + ["at", "row", "id", "set"], in: "an event")
                error(.scenarioMissingKey, "the event says neither `insert`, `update`, `delete` nor `advance`", at: map.range(of: item),
                      help: "start it with `insert: ENTITY`, `update: ENTITY`, `delete: ENTITY` or `advance: TIME`")
                continue
            }
            if kinds.count > 1 {
                error(.scenarioUnexpectedValue, "one event cannot both \(kinds[0]) and \(kinds[1])",
                      at: keyRange(m, kinds[1]) ?? map.range(of: item), help: "write two events, one after the other")
                continue
            }
            let allowed: [String]
            switch kind {
            case "insert": allowed = ["insert", "row", "at"]
            case "update": allowed = ["update", "id", "set", "at"]
            case "delete": allowed = ["delete", "id", "at"]
            default: allowed = ["advance", "at"]
            }
            checkKeys(m, allowed: allowed, in: "`\(kind)` event")
            var at: Int64?
            if let a = m["at"], let t = timestamp(a) {
                if t < clock {
                    error(.scenarioClockBackwards, "this event is at \(Timestamps.format(t)), before the clock (\(Timestamps.format(clock)))",
                          at: map.range(of: a), help: "events happen in order; the clock only moves forward")
                } else {
                    clock = t
                }
                at = t
            }
            let range = map.range(of: item)
            switch kind {
            case "advance":
                guard let t = timestamp(m["advance"]!) else { continue }
                if t < clock {
                    error(.scenarioClockBackwards, "cannot advance to \(Timestamps.format(t)), before the clock (\(Timestamps.format(clock)))",
                          at: map.range(of: m["advance"]!), help: "the clock only moves forward")
                    continue
                }
                clock = t
                out.append(ScenarioEvent(event: .advance(to: t), at: at, range: range))
            case "insert":
                guard let entity = entity(m["insert"]!) else { continue }
                guard let rowNode = m["row"] else {
                    error(.scenarioMissingKey, "the `insert` has no `row`", at: range, help: "add `row: {id: …, …}`")
                    continue
                }
                guard let row = readRow(rowNode, entity: entity, isData: true) else { continue }
                out.append(ScenarioEvent(event: .insert(entity: entity.name, row: Row(uniqueKeysWithValues: row.map { ($0.name, $0.value) })),
                                         at: at, range: range))
            case "update":
                guard let entity = entity(m["update"]!) else { continue }
                guard let idNode = m["id"] else {
                    error(.scenarioMissingKey, "the `update` has no `id`", at: range, help: "add the id of the row to change: `id: …`")
                    continue
                }
                guard let setNode = m["set"] else {
                    error(.scenarioMissingKey, "the `update` has no `set`", at: range, help: "add the fields that change: `set: {field: value}`")
                    continue
                }
                guard let id = rowID(idNode, of: entity), let set = readRow(setNode, entity: entity, isData: true) else { continue }
                out.append(ScenarioEvent(event: .update(entity: entity.name, id: id, set: Row(uniqueKeysWithValues: set.map { ($0.name, $0.value) })),
                                         at: at, range: range))
            default:
                guard let entity = entity(m["delete"]!) else { continue }
                guard let idNode = m["id"] else {
                    error(.scenarioMissingKey, "the `delete` has no `id`", at: range, help: "add the id of the row to delete: `id: …`")
                    continue
                }
                guard let id = rowID(idNode, of: entity) else { continue }
                out.append(ScenarioEvent(event: .delete(entity: entity.name, id: id), at: at, range: range))
            }
        }
        return out
    }

    // MARK: - Expectations

    private mutating func readExpect(_ node: Node) -> [JobExpectation] {
        guard let items = sequence(node, expected: "a list of expected jobs, e.g. `- {rule: my_rule, action: send_sms}`") else { return [] }
        var out: [JobExpectation] = []
        for item in items {
            guard let m = mapping(item, expected: "an expected job: a mapping with any of \(names(Self.expectKeys))") else { continue }
            checkKeys(m, allowed: Self.expectKeys, in: "an expected job")
            var e = JobExpectation(range: map.range(of: item))
            var rule: CheckedRule?
            if let n = m["rule"], let s = scalar(n, what: "a rule name") {
                rule = findRule(s, at: n)
                e.rule = s
            }
            var action: ActionSpec?
            if let n = m["action"] {
                if isNull(n) {
                    e.action = .some(nil)
                } else if let s = scalar(n, what: "an action name") {
                    e.action = .some(s)
                    action = schema.action(named: s)
                    if action == nil {
                        let known = schema.actions.map(\.name)
                        error(.scenarioUnexpectedValue, "the action catalog has no action `\(s)`", at: map.range(of: n),
                              help: closestName(s, in: known).map { "did you mean `\($0)`?" } ?? "actions are \(names(known))")
                    }
                }
            }
            if let n = m["entity"], let ent = entity(n) { e.entity = ent.name }
            if let n = m["entity_id"], let s = scalar(n, what: "a row id") { e.entityId = s }
            if let n = m["workspace_id"] {
                if isNull(n) { e.workspaceId = .some(nil) } else if let s = scalar(n, what: "a workspace id") { e.workspaceId = .some(s) }
            }
            if let n = m["status"], let s = scalar(n, what: "a status") {
                if let st = JobStatus(rawValue: s) {
                    e.status = st
                } else {
                    let known = JobStatus.allCases.map(\.rawValue)
                    error(.scenarioUnexpectedValue, "`\(s)` is not a job status", at: map.range(of: n),
                          help: closestName(s, in: known).map { "did you mean `\($0)`? statuses are \(names(known))" } ?? "statuses are \(names(known))")
                }
            }
            if let n = m["run_at"], let t = timestamp(n) { e.runAt = t }
            if let n = m["priority"], let s = scalar(n, what: "a priority") {
                if ["high", "normal", "low"].contains(s) {
                    e.priority = s
                } else {
                    error(.scenarioUnexpectedValue, "`\(s)` is not a priority", at: map.range(of: n), help: "priorities are `high`, `normal` and `low`")
                }
            }
            if let n = m["params"], !isNull(n), let params = mapping(n, expected: "a mapping from action params to values") {
                // The actions a job of this expectation can be: the one named, else the rule's, else any.
                let candidates: [ActionSpec]
                if let action { candidates = [action] }
                else if let rule {
                    let named = rule.actions.compactMap { a -> String? in
                        if case .external(let name, _, _, _) = a { return name }
                        return nil
                    }
                    candidates = schema.actions.filter { named.contains($0.name) }
                } else { candidates = schema.actions }
                for (pn, pv) in params {
                    guard let pname = scalar(pn, what: "a param name") else { continue }
                    let known = Array(Set(candidates.flatMap { $0.parameters.map(\.name) })).sorted()
                    if !candidates.isEmpty, !known.contains(pname) {
                        let whose = action.map { "action `\($0.name)`" } ?? rule.map { "the actions of rule `\($0.name)`" } ?? "no action"
                        error(.scenarioUnknownParam, "\(whose) \(action == nil ? "have" : "has") no param `\(pname)`", at: map.range(of: pn),
                              help: closestName(pname, in: known).map { "did you mean `\($0)`?" } ?? "params are \(names(known))")
                        continue
                    }
                    if candidates.count == 1, let p = candidates[0].parameter(named: pname) {
                        _ = typed(pv, as: p.type)  // reports a value that can never match
                    }
                    e.params.append(ParamExpectation(name: pname, value: raw(pv), range: map.range(of: pv)))
                }
            }
            out.append(e)
        }
        return out
    }

    private mutating func readExpectRows(_ node: Node) -> [RowExpectation] {
        guard let m = mapping(node, expected: "a mapping from entities to lists of rows, e.g. `task: [{title: Call back}]`") else { return [] }
        var out: [RowExpectation] = []
        for (entityNode, rowsNode) in m {
            guard let entity = entity(entityNode) else { continue }
            guard let rows = sequence(rowsNode, expected: "a list of rows of `\(entity.name)`") else { continue }
            for rowNode in rows {
                if let row = readRow(rowNode, entity: entity, isData: false) {
                    out.append(RowExpectation(entity: entity.name, values: row, range: map.range(of: rowNode)))
                }
            }
        }
        return out
    }

    // MARK: - Names

    private mutating func entity(_ node: Node) -> Entity? {
        guard let name = scalar(node, what: "an entity name") else { return nil }
        if let e = schema.entity(named: name) { return e }
        let known = schema.entities.map(\.name)
        var help = closestName(name, in: known).map { "did you mean `\($0)`?" }
        if help == nil, let byTable = schema.entities.first(where: { $0.table == name }) {
            help = "`\(name)` is the table of entity `\(byTable.name)`; scenarios name entities"
        }
        error(.scenarioUnknownEntity, "the schema has no entity `\(name)`", at: map.range(of: node),
              help: help ?? "entities are \(names(known))")
        return nil
    }

    private mutating func findRule(_ name: String, at node: Node) -> CheckedRule? {
        if let r = program.rules.first(where: { $0.name == name }) { return r }
        let known = program.rules.map(\.name)
        error(.scenarioUnknownRule, "the program has no rule `\(name)`", at: map.range(of: node),
              help: closestName(name, in: known).map { "did you mean `\($0)`?" }
                  ?? (known.isEmpty ? "the program has no rules" : "rules are \(names(known))"))
        return nil
    }

    // MARK: - Values

    /// A YAML node as a raw value: plain `null`, `~` and empty scalars are null; quoted scalars are texts.
    func raw(_ node: Node) -> RawValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain || s.style == .any {
                if ["null", "Null", "NULL", "~", ""].contains(s.string) { return .null }
                return .plain(s.string)
            }
            return .string(s.string)
        case .sequence(let seq): return .list(seq.map(raw))
        case .mapping(let m): return .object(m.map { ($0.key.string ?? "", raw($0.value)) })
        case .alias: return .null
        }
    }

    private mutating func typed(_ node: Node, as type: FieldType) -> Value? {
        do {
            return try converter.convert(raw(node), to: type)
        } catch {
            let code: DiagnosticCode = error.isEnumValue ? .scenarioInvalidEnumValue
                : error.isTimestamp ? .scenarioInvalidTimestamp : .scenarioWrongValueType
            self.error(code, error.message, at: map.range(of: node), help: error.help)
            return nil
        }
    }

    private mutating func timestamp(_ node: Node) -> Int64? {
        guard case .timestamp(let t)? = typed(node, as: .timestamp) else { return nil }
        return t
    }

    // MARK: - Shapes

    private func isNull(_ node: Node) -> Bool {
        if case .null = raw(node) { return true }
        return false
    }

    private mutating func mapping(_ node: Node, expected: String) -> Node.Mapping? {
        if case .mapping(let m) = node { return m }
        error(.scenarioUnexpectedValue, "expected \(expected)", at: map.range(of: node))
        return nil
    }

    private mutating func sequence(_ node: Node, expected: String) -> Node.Sequence? {
        if case .sequence(let s) = node { return s }
        error(.scenarioUnexpectedValue, "expected \(expected)", at: map.range(of: node))
        return nil
    }

    private mutating func scalar(_ node: Node, what: String) -> String? {
        if case .scalar(let s) = node { return s.string }
        error(.scenarioUnexpectedValue, "expected \(what), found \(node.isMapping ? "a mapping" : "a list")", at: map.range(of: node))
        return nil
    }

    /// A workspace id of `settings` as jobs carry it: when the schema's tenant keys are uuids or
    /// ints, in the text those have (`A0EE…` → `a0ee…`, `08` → `8`), so the settings apply.
    private mutating func workspaceID(_ text: String, at node: Node) -> String? {
        let tenantType = schema.entities.lazy.compactMap { e in e.tenantKey.flatMap { e.field(named: $0)?.type } }.first
        switch tenantType {
        case .uuid?:
            guard let u = UUIDText.canonical(text) else {
                error(.scenarioWrongValueType, "`\(text)` is not a uuid, as the schema's tenant keys are", at: map.range(of: node),
                      help: "write the workspace's uuid, e.g. `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`")
                return nil
            }
            return u
        case .int?:
            guard let n = Int64(text) else {
                error(.scenarioWrongValueType, "`\(text)` is not an int, as the schema's tenant keys are", at: map.range(of: node),
                      help: "write the workspace's number, e.g. `7`")
                return nil
            }
            return String(n)
        default:
            return text
        }
    }

    /// The key of the row an `update` or `delete` names, as the engine finds rows by it: a uuid
    /// key in PostgreSQL's form, so `A0EE…` finds the row given as `a0ee…`.
    private mutating func rowID(_ node: Node, of entity: Entity) -> String? {
        guard let id = scalar(node, what: "a row id") else { return nil }
        guard entity.field(named: entity.key)?.type == .uuid else { return id }
        guard let u = UUIDText.canonical(id) else {
            error(.scenarioWrongValueType, "`\(id)` is not a uuid (the key `\(entity.key)` of `\(entity.name)`)", at: map.range(of: node),
                  help: "write 32 hex digits, e.g. `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`")
            return nil
        }
        return u
    }

    private func keyRange(_ m: Node.Mapping, _ key: String) -> SourceRange? {
        m.first { $0.key.string == key }.map { map.range(of: $0.key) }
    }

    private mutating func checkKeys(_ m: Node.Mapping, allowed: [String], in context: String) {
        for (k, _) in m {
            guard let key = k.string else { continue }
            if allowed.contains(key) { continue }
            error(.scenarioUnknownKey, "unknown key `\(key)` in \(context)", at: map.range(of: k),
                  help: closestName(key, in: allowed).map { "did you mean `\($0)`?" } ?? "keys here are \(names(allowed))")
        }
    }

    private mutating func error(_ code: DiagnosticCode, _ message: String, at range: SourceRange?, labels: [DiagnosticLabel] = [],
                                notes: [String] = [], help: String? = nil) {
        scenarioErrors += 1
        diagnostics.append(.error(code, message, at: range, labels: labels, notes: notes, help: help))
    }

    // MARK: - YAML syntax errors

    private mutating func report(yamlError: Error, yaml: String) {
        guard let e = yamlError as? YamlError else {
            error(.scenarioInvalidYAML, "malformed YAML: \(yamlError)", at: SourceRange(file: map.file, start: 0, end: 0))
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
            error(.scenarioInvalidYAML, "malformed YAML: \(problem)", at: range, notes: notes, help: help)
        case let .reader(problem, offset, _, _):
            var start = 0
            if let offset, let index = yaml.index(yaml.startIndex, offsetBy: offset, limitedBy: yaml.endIndex) {
                start = yaml.utf8.distance(from: yaml.utf8.startIndex, to: index)
            }
            error(.scenarioInvalidYAML, "malformed YAML: \(problem)",
                  at: SourceRange(file: map.file, start: start, end: min(map.bytes.count, start + 1)))
        case let .duplicatedKeysInMapping(duplicates, context):
            let name = duplicates.first ?? ""
            let first = map.range(at: context.mark)
            let second = map.secondOccurrence(of: name, after: context.mark)
            error(.scenarioDuplicateKey, "key `\(name)` is given twice", at: second ?? first,
                  labels: second == nil ? [] : [DiagnosticLabel(first, "first given here")],
                  help: "remove one of them")
        default:
            error(.scenarioInvalidYAML, "malformed YAML: \(e)", at: SourceRange(file: map.file, start: 0, end: 0))
        }
    }
}

extension Node {
    fileprivate var isMapping: Bool { if case .mapping = self { return true }; return false }
}
