import Foundation
import RulecDiagnostics
import Testing
@testable import RulecSchema

/// One mistake in a schema file and the diagnostic it must produce: code, place, message, help.
struct BadSchemaCase: CustomTestStringConvertible, Sendable {
    var name: String
    var lines: [String]
    var code: DiagnosticCode
    var line: Int
    var column: Int
    /// A part of the message.
    var message: String
    /// A part of the help, when it matters (the did-you-mean).
    var help: String? = nil

    var yaml: String { lines.joined(separator: "\n") + "\n" }
    var testDescription: String { name }
}

/// Loads a schema and renders each diagnostic as `CODE line:col message | help` for assertions.
func diagnose(_ yaml: String) -> (Schema?, [(Diagnostic, Int, Int)]) {
    let sources = SourceManager()
    let (schema, diagnostics) = SchemaLoader.load(yaml: yaml, path: "schema.yaml", sources: sources)
    return (schema, diagnostics.map { d in
        guard let r = d.range else { return (d, 0, 0) }
        let (l, c) = sources[r.file].lineAndColumn(of: r.start)
        return (d, l, c)
    })
}

@Suite struct SchemaLoaderDiagnosticsTests {
    static let cases: [BadSchemaCase] = [
        BadSchemaCase(name: "malformed YAML: unclosed flow mapping",
                      lines: ["entities:", "  contact: {table: contacts, fields: {id: text}", "enums: {}"],
                      code: .schemaInvalidYAML, line: 3, column: 1, message: "malformed YAML"),
        BadSchemaCase(name: "malformed YAML: tab indentation",
                      lines: ["entities:", "  contact:", "\ttable: contacts"],
                      code: .schemaInvalidYAML, line: 3, column: 1, message: "malformed YAML", help: "tabs"),
        BadSchemaCase(name: "empty file", lines: ["# nothing here"],
                      code: .schemaEmpty, line: 1, column: 1, message: "empty"),
        BadSchemaCase(name: "root is a list", lines: ["- contact", "- message"],
                      code: .schemaUnexpectedValue, line: 1, column: 1, message: "expected a mapping with `entities:`"),
        BadSchemaCase(name: "no entities", lines: ["enums: {s: [a]}"],
                      code: .schemaMissingKey, line: 1, column: 1, message: "no `entities`"),
        BadSchemaCase(name: "unknown top-level key",
                      lines: ["entites:", "  contact: {fields: {id: text}}"],
                      code: .schemaUnknownKey, line: 1, column: 1, message: "unknown key `entites`", help: "did you mean `entities`?"),
        BadSchemaCase(name: "unknown field type",
                      lines: ["entities:", "  contact:", "    table: contacts", "    fields:", "      id: text", "      name: txt"],
                      code: .schemaUnknownType, line: 6, column: 13, message: "unknown type `txt`", help: "did you mean `text`?"),
        BadSchemaCase(name: "unknown list element type",
                      lines: ["entities:", "  contact:", "    fields:", "      id: text", "      tags: [txet]"],
                      code: .schemaUnknownType, line: 5, column: 14, message: "unknown type `txet`", help: "did you mean `text`?"),
        BadSchemaCase(name: "misspelt enum type",
                      lines: ["enums:", "  contact_status: [lead, customer]", "entities:", "  contact:", "    fields:",
                              "      id: text", "      status: contact_stauts?"],
                      code: .schemaUnknownType, line: 7, column: 15, message: "unknown type `contact_stauts`",
                      help: "did you mean `contact_status`?"),
        BadSchemaCase(name: "relation to an unknown entity (a table name)",
                      lines: ["entities:", "  contact:", "    table: contacts", "    fields: {id: text}", "  message:",
                              "    fields:", "      id: text", "      contact_id: {type: text, references: contacts}"],
                      code: .schemaUnknownEntity, line: 8, column: 44, message: "unknown entity `contacts`",
                      help: "did you mean `contact`?"),
        BadSchemaCase(name: "relation to an unknown entity (a typo)",
                      lines: ["entities:", "  contact:", "    fields: {id: text}", "  message:",
                              "    fields: {id: text, contact_id: {type: text, references: contcat}}"],
                      code: .schemaUnknownEntity, line: 5, column: 61, message: "unknown entity `contcat`",
                      help: "did you mean `contact`?"),
        BadSchemaCase(name: "duplicate entity",
                      lines: ["entities:", "  contact:", "    fields: {id: text}", "  contact:", "    fields: {id: text}"],
                      code: .schemaDuplicateName, line: 4, column: 3, message: "`contact` is declared twice"),
        BadSchemaCase(name: "duplicate field",
                      lines: ["entities:", "  contact:", "    fields:", "      id: text", "      name: text", "      name: text?"],
                      code: .schemaDuplicateName, line: 6, column: 7, message: "`name` is declared twice"),
        BadSchemaCase(name: "duplicate enum value",
                      lines: ["enums:", "  s: [a, b, a]", "entities: {c: {fields: {id: text}}}"],
                      code: .schemaDuplicateName, line: 2, column: 13, message: "lists `a` twice"),
        BadSchemaCase(name: "enum with no values",
                      lines: ["enums:", "  contact_status: []", "entities:", "  contact: {fields: {id: text}}"],
                      code: .schemaEmptyEnum, line: 2, column: 19, message: "enum `contact_status` has no values"),
        BadSchemaCase(name: "enum with nothing after the colon",
                      lines: ["enums:", "  contact_status:", "entities:", "  contact: {fields: {id: text}}"],
                      code: .schemaEmptyEnum, line: 2, column: 3, message: "has no values"),
        BadSchemaCase(name: "enum named like a built-in type",
                      lines: ["enums:", "  text: [a]", "entities: {c: {fields: {id: text}}}"],
                      code: .schemaEnumShadowsType, line: 2, column: 3, message: "built-in type"),
        BadSchemaCase(name: "action parameter of unknown type",
                      lines: ["entities: {c: {fields: {id: text}}}", "actions:", "  send_sms:", "    queue: sms",
                              "    params: {to: phon, body: text}"],
                      code: .schemaUnknownType, line: 5, column: 18, message: "unknown type `phon`", help: "did you mean `phone`?"),
        BadSchemaCase(name: "action parameter long form without a type",
                      lines: ["entities: {c: {fields: {id: text}}}", "actions:", "  notify:",
                              "    params: {user_id: {optional: true}}"],
                      code: .schemaMissingKey, line: 4, column: 14, message: "has no `type`"),
        BadSchemaCase(name: "missing fields",
                      lines: ["entities:", "  contact:", "    table: contacts"],
                      code: .schemaMissingKey, line: 2, column: 3, message: "entity `contact` has no `fields`"),
        BadSchemaCase(name: "fields is a list",
                      lines: ["entities:", "  contact:", "    fields: [id, name]"],
                      code: .schemaUnexpectedValue, line: 3, column: 13, message: "found a list"),
        BadSchemaCase(name: "field without a type",
                      lines: ["entities:", "  contact:", "    fields:", "      id: text", "      name:"],
                      code: .schemaUnknownType, line: 5, column: 7, message: "has no type"),
        BadSchemaCase(name: "unknown key in a field",
                      lines: ["entities:", "  contact:", "    fields:", "      id: text", "      name: {type: text, nulable: true}"],
                      code: .schemaUnknownKey, line: 5, column: 26, message: "unknown key `nulable`", help: "did you mean `nullable`?"),
        BadSchemaCase(name: "invalid field name",
                      lines: ["entities:", "  contact:", "    fields:", "      id: text", "      first-name: text"],
                      code: .schemaInvalidName, line: 5, column: 7, message: "`first-name` cannot name a field"),
        BadSchemaCase(name: "columns count characters, not bytes",
                      lines: ["entities:", "  contact:", "    fields: {id: text, name: {type: text, default: \"ü\"}, n: txt}"],
                      code: .schemaUnknownType, line: 3, column: 61, message: "unknown type `txt`"),
        BadSchemaCase(name: "non-ASCII names are refused",
                      lines: ["entities:", "  contact:", "    fields: {id: text, nämé: text}"],
                      code: .schemaInvalidName, line: 3, column: 24, message: "`nämé` cannot name a field"),
        BadSchemaCase(name: "key is not a field",
                      lines: ["entities:", "  contact:", "    key: contact_id", "    fields: {id: text}"],
                      code: .schemaUnknownField, line: 3, column: 10, message: "no field `contact_id` for its key"),
        BadSchemaCase(name: "no id field and no key",
                      lines: ["entities:", "  contact:", "    fields: {uid: text}"],
                      code: .schemaUnknownField, line: 2, column: 3, message: "no field `id`"),
        BadSchemaCase(name: "nullable key",
                      lines: ["entities:", "  contact:", "    fields: {id: text?}"],
                      code: .schemaNullableKey, line: 3, column: 18, message: "is nullable"),
        BadSchemaCase(name: "tenant key is not a field",
                      lines: ["entities:", "  contact:", "    tenant_key: workspace", "    fields: {id: text, workspace_id: text}"],
                      code: .schemaUnknownField, line: 3, column: 17, message: "tenant key", help: "did you mean `workspace_id`?"),
        BadSchemaCase(name: "foreign key type differs from the key",
                      lines: ["entities:", "  contact:", "    fields: {id: uuid}", "  message:",
                              "    fields: {id: text, contact_id: {type: text, references: contact}}"],
                      code: .schemaForeignKeyType, line: 5, column: 43, message: "is `text` but the key `contact.id`",
                      help: "declare `contact_id` as `uuid`"),
        BadSchemaCase(name: "inverse clashes with a field",
                      lines: ["entities:", "  appointment:", "    fields: {id: text, notes: text?}", "  note:", "    table: notes",
                              "    fields: {id: text, appointment_id: {type: text, references: appointment}}"],
                      code: .schemaRelationClash, line: 6, column: 65, message: "`appointment.notes` has the same name as a field",
                      help: "`inverse:`"),
        BadSchemaCase(name: "two foreign keys to one entity need inverse names",
                      lines: ["entities:", "  user: {fields: {id: text}}", "  task:", "    table: tasks", "    fields:",
                              "      id: text", "      owner_id: {type: text, references: user}",
                              "      assignee_id: {type: text, references: user}"],
                      code: .schemaRelationClash, line: 8, column: 45, message: "`user.tasks`"),
        BadSchemaCase(name: "foreign key without `_id` needs a relation name",
                      lines: ["entities:", "  user: {fields: {id: text}}", "  task:",
                              "    fields: {id: text, owner: {type: text, references: user}}"],
                      code: .schemaRelationClash, line: 4, column: 24, message: "needs a name", help: "relation: NAME"),
        BadSchemaCase(name: "default not of the field's type",
                      lines: ["entities:", "  contact:", "    fields: {id: text, score: {type: int, default: high}}"],
                      code: .schemaInvalidDefault, line: 3, column: 52, message: "is not a `int`"),
        BadSchemaCase(name: "default not a value of the enum",
                      lines: ["enums: {task_status: [open, done]}", "entities:", "  task:",
                              "    fields: {id: text, status: {type: task_status, default: opn}}"],
                      code: .schemaInvalidDefault, line: 4, column: 61, message: "`opn` is not a value", help: "did you mean `open`?"),
        BadSchemaCase(name: "`now` default on a non-timestamp",
                      lines: ["entities:", "  contact:", "    fields: {id: text, n: {type: int, default: now}}"],
                      code: .schemaInvalidDefault, line: 3, column: 48, message: "`now` is a default for `timestamp`"),
        BadSchemaCase(name: "queue parameter that does not exist",
                      lines: ["entities: {c: {fields: {id: text}}}", "actions:", "  enqueue:", "    queue_param: queu",
                              "    params: {queue: text, name: text}"],
                      code: .schemaUnknownField, line: 4, column: 18, message: "no parameter `queu`", help: "did you mean `queue`?"),
        BadSchemaCase(name: "queue parameter that is not text",
                      lines: ["entities: {c: {fields: {id: text}}}", "actions:", "  enqueue:", "    queue_param: n",
                              "    params: {n: int}"],
                      code: .schemaInvalidQueue, line: 4, column: 18, message: "not `text`"),
        BadSchemaCase(name: "unknown key in an action",
                      lines: ["entities: {c: {fields: {id: text}}}", "actions:", "  send_sms:", "    queue: sms",
                              "    parms: {to: phone}"],
                      code: .schemaUnknownKey, line: 5, column: 5, message: "unknown key `parms`", help: "did you mean `params`?"),
        BadSchemaCase(name: "an entity named like a keyword",
                      lines: ["entities:", "  rule: {fields: {id: text}}"],
                      code: .schemaInvalidName, line: 2, column: 3, message: "`rule` is a keyword", help: "`table: rule`"),
        BadSchemaCase(name: "an action named like a keyword",
                      lines: ["entities: {c: {fields: {id: text}}}", "actions:", "  update: {params: {to: text}}"],
                      code: .schemaInvalidName, line: 3, column: 3, message: "`update` is a keyword"),
        BadSchemaCase(name: "two entities on one table",
                      lines: ["entities:", "  contact: {table: people, fields: {id: text}}", "  lead: {table: people, fields: {id: text}}"],
                      code: .schemaSharedTable, line: 3, column: 3, message: "`contact` and `lead` are both the table `public.people`",
                      help: "its own `table:`"),
        BadSchemaCase(name: "a table name PostgreSQL would cut",
                      lines: ["entities:", "  contact: {table: \(String(repeating: "t", count: 64)), fields: {id: text}}"],
                      code: .schemaNameTooLong, line: 2, column: 3, message: "longer than 63 bytes", help: "63 bytes"),
        BadSchemaCase(name: "a field name PostgreSQL would cut",
                      lines: ["entities:", "  contact:", "    fields:", "      id: text", "      \(String(repeating: "f", count: 64)): text"],
                      code: .schemaNameTooLong, line: 5, column: 7, message: "the field name", help: "63 bytes"),
    ]

    @Test(arguments: cases)
    func reportsTheMistake(_ c: BadSchemaCase) throws {
        let (schema, diagnostics) = diagnose(c.yaml)
        #expect(schema == nil)
        let (d, line, column) = try #require(diagnostics.first { $0.0.severity == .error }, "no error for \(c.name)")
        #expect(d.code == c.code, "\(d.code.id): \(d.message)")
        #expect("\(line):\(column)" == "\(c.line):\(c.column)", "\(d.message)")
        #expect(d.message.contains(c.message), "\(d.message)")
        if let help = c.help { #expect(d.help?.contains(help) == true, "\(d.help ?? "no help")") }
        // Style: lowercase, no final period.
        #expect(d.message.first?.isUppercase != true && !d.message.hasSuffix("."), "\(d.message)")
    }

    @Test func duplicateLabelsTheFirstDeclaration() throws {
        let (_, diagnostics) = diagnose("entities:\n  contact:\n    fields: {id: text}\n  contact:\n    fields: {id: text}\n")
        let d = try #require(diagnostics.first?.0)
        let sources = SourceManager()
        _ = SchemaLoader.load(yaml: "entities:\n  contact:\n    fields: {id: text}\n  contact:\n    fields: {id: text}\n",
                              path: "s.yaml", sources: sources)
        let label = try #require(d.labels.first)
        #expect(sources[label.range.file].lineAndColumn(of: label.range.start) == (2, 3))
        #expect(label.message == "first declared here")
    }

    /// Reading goes on after an error: every mistake of a file is reported in one run, in order.
    @Test func reportsEveryMistakeInOrder() {
        let yaml = """
            enums:
              status: []
            entities:
              contact:
                fields: {id: text, name: txt, age: {type: int, nulable: true}}
              message:
                fields: {id: text, contact_id: {type: text, references: contcat}}
            actions:
              send_sms: {queue: sms, params: {to: phon}}
            """
        let (schema, diagnostics) = diagnose(yaml)
        #expect(schema == nil)
        #expect(diagnostics.map { "\($0.0.code.id) \($0.1):\($0.2)" } == [
            "R2008 2:11", "R2006 5:30", "R2003 5:52", "R2007 7:61", "R2006 9:39",
        ])
    }

    @Test func warningsDoNotStopLoading() throws {
        let (schema, diagnostics) = diagnose("enums:\n  s: [ok, \"in progress\"]\nentities:\n  c: {fields: {id: text, s: s}}\n")
        #expect(schema?.enumType(named: "s")?.values == ["ok", "in progress"])
        #expect(diagnostics.map(\.0.code) == [.schemaEnumValueNotIdentifier])
        #expect(diagnostics.first?.0.severity == .warning)
    }

    @Test func unreadableFile() {
        let (schema, diagnostics) = SchemaLoader.load(fileAt: "/nonexistent/schema.yaml", sources: SourceManager())
        #expect(schema == nil)
        #expect(diagnostics.map(\.code) == [.schemaUnreadable])
    }

    /// The first byte that is not UTF-8 is pointed at, as for rule files.
    @Test func notUTF8PointsAtTheByte() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-latin1-\(getpid()).yaml").path
        try Data("entities:\n  c:\n    fields: {id: text, n: \"caf".utf8 + [0xE9] + "\"}\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sources = SourceManager()
        let (schema, diagnostics) = SchemaLoader.load(fileAt: path, sources: sources)
        #expect(schema == nil)
        let d = try #require(diagnostics.first)
        #expect(d.code == .schemaUnreadable)
        let range = try #require(d.range)
        #expect(sources[range.file].lineAndColumn(of: range.start) == (3, 31))
    }

    @Test func codesAreUniqueAndDocumented() {
        let ids = DiagnosticCode.schemaCodes.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("R2") })
        #expect(DiagnosticCode.schemaCodes.allSatisfy { !$0.explanation.isEmpty })
    }
}
