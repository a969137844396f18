import RulecDiagnostics

extension Schema {
    /// The path diagnostics and `rulec schema show` give the embedded default schema.
    public static let defaultCRMPath = "<default schema>"

    /// The schema of the texting CRM these automations serve, used when no `--schema` is given.
    ///
    /// Parsed from `defaultCRMYAML` by the same loader as user schemas, so the default is also an
    /// example of the format and cannot drift from it; a test asserts it loads with no diagnostics.
    public static let defaultCRM: Schema = {
        let (schema, diagnostics) = SchemaLoader.load(yaml: defaultCRMYAML, path: defaultCRMPath, sources: SourceManager())
        // INVARIANT: the embedded schema loads cleanly (RulecSchemaTests checks it on every build).
        guard let schema, diagnostics.isEmpty else {
            preconditionFailure("the embedded default schema does not load: \(diagnostics.map(\.message))")
        }
        return schema
    }()

    /// The YAML text of the default schema (docs/schema.md explains each part).
    ///
    /// Choices beyond the issue's list, each so that LANGUAGE.md's examples work as written:
    /// `user` is global (users belong to workspaces through `workspace_member`), so it has no
    /// tenant key; `task.status` defaults to `open` and `contact.tags` to `[]`, so `create task` and
    /// `create contact` need not give them; `group_member.group_id` and `campaign_member.campaign_id`
    /// name their inverses `members` (`group.members`, `campaign.members`); `task.assignee_id`
    /// refers to a `user`, whose inverse is `user.assigned_tasks`.
    public static let defaultCRMYAML: String = #"""
        # The default rulec schema: a multi-tenant texting CRM.
        # Every entity but `workspace` and `user` belongs to a workspace through `workspace_id`.

        enums:
          workspace_member_role: [owner, admin, member]
          contact_status: [lead, prospect, customer, churned]
          message_direction: [inbound, outbound]
          message_delivery_status: [queued, sent, delivered, received, failed, undelivered]
          appointment_status: [scheduled, confirmed, completed, cancelled, no_show]
          task_status: [open, done]
          campaign_member_status: [active, paused, completed]

        entities:
          workspace:
            table: workspaces
            tenant_key: id            # a workspace is its own tenant
            fields:
              id: {type: text, default: generated}
              name: text
              owner_email: email
              settings: json?
              storage_used: int
              storage_quota: int
              api_calls: int
              api_quota: int
              created_at: {type: timestamp, default: now}

          user:
            table: users
            tenant_key: null          # users are global; they join workspaces as workspace members
            fields:
              id: {type: text, default: generated}
              email: email
              name: text

          workspace_member:
            table: workspace_members
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              user_id: {type: text, references: user}
              role: workspace_member_role

          session:                    # a login; `ended_at` is set at logout
            table: sessions
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              user_id: {type: text, references: user}
              created_at: {type: timestamp, default: now}
              ended_at: timestamp?

          contact:
            table: contacts
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              first_name: text
              last_name: text?
              phone: phone?
              email: email?
              status: contact_status
              tags: {type: [text], default: []}
              score: int?
              source: text?
              created_at: {type: timestamp, default: now}
              updated_at: {type: timestamp, default: now}

          group:
            table: groups
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              name: text

          group_member:
            table: group_members
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              group_id: {type: text, references: group, inverse: members}
              contact_id: {type: text, references: contact}
              created_at: {type: timestamp, default: now}

          note:
            table: notes
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              contact_id: {type: text, references: contact}
              body: text
              created_at: {type: timestamp, default: now}
              updated_at: {type: timestamp, default: now}

          message:
            table: messages
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              contact_id: {type: text, references: contact}
              direction: message_direction
              body: text
              delivery_status: message_delivery_status
              created_at: {type: timestamp, default: now}

          appointment:
            table: appointments
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              contact_id: {type: text, references: contact}
              title: text
              start_time: timestamp
              duration_minutes: int
              status: appointment_status
              notes: text?
              created_at: {type: timestamp, default: now}

          task:
            table: tasks
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              contact_id: {type: text?, references: contact}
              title: text
              due_at: timestamp?
              assignee_id: {type: text?, references: user, inverse: assigned_tasks}
              status: {type: task_status, default: open}
              created_at: {type: timestamp, default: now}

          campaign:
            table: campaigns
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              name: text

          campaign_member:
            table: campaign_members
            fields:
              id: {type: text, default: generated}
              workspace_id: {type: text, references: workspace}
              campaign_id: {type: text, references: campaign, inverse: members}
              contact_id: {type: text, references: contact}
              status: campaign_member_status
              created_at: {type: timestamp, default: now}

        actions:
          send_sms:
            queue: sms
            params: {to: phone, body: text}
          send_email:
            queue: email
            params: {to: email, subject: text, body: text}
          notify:
            queue: notifications
            params: {message: text, user_id: text?}
          webhook:
            queue: webhooks
            params: {url: text, body: json?}
          enqueue:                    # the job goes to the queue the rule names
            queue_param: queue
            params: {queue: text, name: text, data: json?}
        """#
}
