import RulecDiagnostics
import Testing
@testable import RulecSchema

/// `rulec schema show`, by exact text.
@Suite struct SchemaPrinterTests {
    @Test func smallSchema() throws {
        let yaml = """
            enums:
              message_direction: [inbound, outbound]
            entities:
              contact:
                table: contacts
                fields:
                  id: {type: text, default: generated}
                  phone: phone?
                  tags: {type: [text], default: []}
              message:
                table: messages
                fields:
                  id: {type: text, default: generated}
                  contact_id: {type: text, references: contact}
                  direction: message_direction
                  created_at: {type: timestamp, default: now}
            actions:
              send_sms: {queue: sms, params: {to: phone, body: text}}
              enqueue: {queue_param: queue, params: {queue: text, data: json?}}
            """
        let (schema, diagnostics) = SchemaLoader.load(yaml: yaml, path: "s.yaml", sources: SourceManager())
        #expect(diagnostics.isEmpty)
        #expect(SchemaPrinter.show(try #require(schema)) == """
            entity contact  table public.contacts  key id  no tenant
              fields
                id     text    default generated
                phone  phone?
                tags   [text]  default []
              relations
                messages  one-to-many → message  (message.contact_id)

            entity message  table public.messages  key id  no tenant
              fields
                id          text               default generated
                contact_id  text               → contact
                direction   message_direction
                created_at  timestamp          default now
              relations
                contact  many-to-one → contact  (message.contact_id)

            enum message_direction  inbound, outbound

            action send_sms(to: phone, body: text)  queue sms
            action enqueue(queue: text, data: json?)  queue named by `queue`

            """)
    }

    @Test func defaultSchemaShowsEverything() {
        let shown = SchemaPrinter.show(.defaultCRM)
        for e in Schema.defaultCRM.entities { #expect(shown.contains("entity \(e.name)  table public.\(e.table)")) }
        #expect(shown.contains("entity user  table public.users  key id  no tenant"))
        #expect(shown.contains("enum contact_status"))
        #expect(shown.contains("action notify(message: text, user_id: text?)  queue notifications"))
    }
}
