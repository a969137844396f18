import RulecDiagnostics
import Testing
@testable import RulecSchema

/// The embedded default schema is exactly the one issue 3 lists, and loads cleanly.
@Suite struct DefaultSchemaTests {
    @Test func loadsWithNoDiagnostics() {
        let (schema, diagnostics) = SchemaLoader.load(yaml: Schema.defaultCRMYAML, path: "default.yaml", sources: SourceManager())
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(schema == Schema.defaultCRM)
    }

    /// Every entity, its table, tenant key and fields with their types and nullability.
    @Test func entitiesAndFields() throws {
        let expected: [(String, String, String?, String)] = [
            ("workspace", "workspaces", "id",
             "id:text name:text owner_email:email settings:json? storage_used:int storage_quota:int api_calls:int api_quota:int created_at:timestamp"),
            ("user", "users", nil, "id:text email:email name:text"),
            ("workspace_member", "workspace_members", "workspace_id", "id:text workspace_id:text user_id:text role:workspace_member_role"),
            ("session", "sessions", "workspace_id", "id:text workspace_id:text user_id:text created_at:timestamp ended_at:timestamp?"),
            ("contact", "contacts", "workspace_id",
             "id:text workspace_id:text first_name:text last_name:text? phone:phone? email:email? status:contact_status tags:[text] score:int? source:text? created_at:timestamp updated_at:timestamp"),
            ("group", "groups", "workspace_id", "id:text workspace_id:text name:text"),
            ("group_member", "group_members", "workspace_id", "id:text workspace_id:text group_id:text contact_id:text created_at:timestamp"),
            ("note", "notes", "workspace_id", "id:text workspace_id:text contact_id:text body:text created_at:timestamp updated_at:timestamp"),
            ("message", "messages", "workspace_id",
             "id:text workspace_id:text contact_id:text direction:message_direction body:text delivery_status:message_delivery_status created_at:timestamp"),
            ("appointment", "appointments", "workspace_id",
             "id:text workspace_id:text contact_id:text title:text start_time:timestamp duration_minutes:int status:appointment_status notes:text? created_at:timestamp"),
            ("task", "tasks", "workspace_id",
             "id:text workspace_id:text contact_id:text? title:text due_at:timestamp? assignee_id:text? status:task_status created_at:timestamp"),
            ("campaign", "campaigns", "workspace_id", "id:text workspace_id:text name:text"),
            ("campaign_member", "campaign_members", "workspace_id",
             "id:text workspace_id:text campaign_id:text contact_id:text status:campaign_member_status created_at:timestamp"),
        ]
        let schema = Schema.defaultCRM
        #expect(schema.entities.map(\.name) == expected.map(\.0))
        for (name, table, tenant, fields) in expected {
            let entity = try #require(schema.entity(named: name))
            #expect(entity.table == table)
            #expect(entity.dbSchema == "public")
            #expect(entity.key == "id")
            #expect(entity.tenantKey == tenant, "\(name)")
            let actual = entity.fields.map { "\($0.name):\($0.type)\($0.nullable ? "?" : "")" }.joined(separator: " ")
            #expect(actual == fields, "\(name)")
            // Rows created by data actions get generated ids and timestamps.
            #expect(entity.field(named: "id")?.defaultValue == .generated)
            for f in entity.fields where f.name == "created_at" || f.name == "updated_at" {
                #expect(f.defaultValue == .now, "\(name).\(f.name)")
            }
        }
        // The only other defaults: the ones LANGUAGE.md's `create task` / `create contact` rely on.
        let otherDefaults = schema.entities.flatMap { e in
            e.fields.filter { $0.hasDefault && !["id", "created_at", "updated_at"].contains($0.name) }.map { "\(e.name).\($0.name)" }
        }
        #expect(otherDefaults == ["contact.tags", "task.status"])
        #expect(schema.entity(named: "task")?.field(named: "status")?.defaultValue == .literal("open"))
        #expect(schema.entity(named: "contact")?.field(named: "tags")?.defaultValue == .list([]))
    }

    @Test func enums() {
        let expected: [String: [String]] = [
            "workspace_member_role": ["owner", "admin", "member"],
            "contact_status": ["lead", "prospect", "customer", "churned"],
            "message_direction": ["inbound", "outbound"],
            "message_delivery_status": ["queued", "sent", "delivered", "received", "failed", "undelivered"],
            "appointment_status": ["scheduled", "confirmed", "completed", "cancelled", "no_show"],
            "task_status": ["open", "done"],
            "campaign_member_status": ["active", "paused", "completed"],
        ]
        let schema = Schema.defaultCRM
        #expect(schema.enums.count == expected.count)
        for (name, values) in expected { #expect(schema.enumType(named: name)?.values == values, "\(name)") }
    }

    @Test func relationsFollowForeignKeys() {
        let schema = Schema.defaultCRM
        func rel(_ entity: String, _ name: String) -> Relation? { schema.entity(named: entity)?.relation(named: name) }
        // Many-to-one, named after the column without `_id`.
        #expect(rel("message", "contact") == Relation(name: "contact", cardinality: .manyToOne, target: "contact", foreignKey: "contact_id"))
        #expect(rel("appointment", "workspace")?.target == "workspace")
        #expect(rel("task", "assignee") == Relation(name: "assignee", cardinality: .manyToOne, target: "user", foreignKey: "assignee_id"))
        // One-to-many inverses, named after the referencing table (or `inverse:`).
        for inverse in ["messages", "appointments", "notes", "tasks", "group_members", "campaign_members"] {
            #expect(rel("contact", inverse)?.cardinality == .oneToMany, "contact.\(inverse)")
        }
        #expect(rel("contact", "messages") == Relation(name: "messages", cardinality: .oneToMany, target: "message", foreignKey: "contact_id"))
        for inverse in ["workspace_members", "sessions", "contacts", "groups", "group_members", "notes", "messages",
                        "appointments", "tasks", "campaigns", "campaign_members"] {
            #expect(rel("workspace", inverse)?.cardinality == .oneToMany, "workspace.\(inverse)")
        }
        #expect(rel("group", "members") == Relation(name: "members", cardinality: .oneToMany, target: "group_member", foreignKey: "group_id"))
        #expect(rel("campaign", "members")?.target == "campaign_member")
        #expect(rel("user", "sessions")?.target == "session")
        #expect(rel("user", "workspace_members")?.target == "workspace_member")
        #expect(rel("user", "assigned_tasks")?.foreignKey == "assignee_id")
        // The workspace is its own tenant and has no `workspace` relation.
        #expect(rel("workspace", "workspace") == nil)
        // Every relation's foreign key is a field of the entity that holds it.
        for e in schema.entities {
            for r in e.relations {
                let holder = r.cardinality == .manyToOne ? e.name : r.target
                #expect(schema.entity(named: holder)?.field(named: r.foreignKey) != nil, "\(e.name).\(r.name)")
            }
        }
    }

    @Test func actions() {
        let schema = Schema.defaultCRM
        let shown = schema.actions.map { a in
            a.name + "(" + a.parameters.map { "\($0.name): \($0.type)\($0.optional ? "?" : "")" }.joined(separator: ", ") + ")"
        }
        #expect(shown == [
            "send_sms(to: phone, body: text)",
            "send_email(to: email, subject: text, body: text)",
            "notify(message: text, user_id: text?)",
            "webhook(url: text, body: json?)",
            "enqueue(queue: text, name: text, data: json?)",
        ])
        #expect(schema.actions.map(\.queue) == ["sms", "email", "notifications", "webhooks", "enqueue"])
        let enqueue = schema.action(named: "enqueue")
        #expect(enqueue?.queueParameter == "queue")
        #expect(enqueue?.queue(forParameterValue: "billing") == "billing")
        #expect(enqueue?.queue(forParameterValue: nil) == "enqueue")
        #expect(schema.action(named: "send_sms")?.queue(forParameterValue: "x") == "sms")
    }
}
