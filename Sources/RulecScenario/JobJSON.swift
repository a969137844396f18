import RulecInterpreter
import RulecSemantics

extension JobFormat {
    /// One job record as one line of JSON, the shape of `rulec run`'s output and of the SQL outbox
    /// (docs/jobs.md). Keys always present and always in this order:
    /// `workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key`.
    /// `params` keeps the action's catalog order; `run_at` is ISO 8601 UTC.
    public static func json(_ j: JobRecord) -> String {
        var out = "{\"workspace_id\":"
        out.reserveCapacity(320)
        out += j.workspaceId.map(jsonEscaped) ?? "null"
        out += ",\"rule\":" + jsonEscaped(j.rule)
        out += ",\"action\":" + (j.action.map(jsonEscaped) ?? "null")
        out += ",\"entity\":" + jsonEscaped(j.entity)
        out += ",\"entity_id\":" + jsonEscaped(j.entityId)
        out += ",\"params\":{"
        for (i, p) in j.params.enumerated() {
            if i > 0 { out += "," }
            out += jsonEscaped(p.name) + ":" + ValueConverter.jsonText(p.value)
        }
        out += "},\"status\":" + jsonEscaped(j.status.rawValue)
        out += ",\"run_at\":" + jsonEscaped(Timestamps.format(j.runAt))
        out += ",\"priority\":" + jsonEscaped(j.priority.rawValue)
        out += ",\"idempotency_key\":" + jsonEscaped(j.idempotencyKey)
        return out + "}"
    }
}
