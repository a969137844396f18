/// Schema texts shared by the tests.
enum Fixtures {
    /// Every type, every kind of default, a second database schema, int and uuid keys, a key not
    /// called `id`, no tenant, an explicit relation name, and a table name that needs quoting.
    static let everyFeature = #"""
        enums:
          kind: [x, y, z]
        entities:
          account:
            table: Account "Main"
            db_schema: crm
            key: account_no
            tenant_key: null
            fields:
              account_no: {type: int, default: generated}
              label: {type: text, default: "O'Neil \\ \"q\""}
              ratio: {type: decimal, default: 2.5}
              active: {type: bool, default: true}
              wait: {type: duration, default: 30 minutes}
              doc: {type: json, default: '{"a": [1]}'}
              kinds: {type: [kind], default: [x, y]}
              since: {type: timestamp, default: now}
              at: {type: timestamp?, default: "2026-01-01T00:00:00Z"}
              ref: {type: uuid?, default: 123e4567-e89b-12d3-a456-426614174000}
              mail: email?
              cell: phone?
              mood: {type: kind, nullable: true, default: z}
              tags: "[text]?"
          thing:
            table: things
            db_schema: crm
            fields:
              id: {type: uuid, default: generated}
              account_no: {type: int, references: account, relation: owner}
              note: {type: text?, default: {sql: "'n/a'"}}
        actions:
          ping:
          call:
            queue: calls
            params:
              to: phone
              tries: {type: int, optional: true}
              kinds: "[kind]?"
        """#
}
