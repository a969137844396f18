import RulecInterpreter
import RulecSemantics

extension JobFormat {
    /// One job record as one line of JSON, the shape of `rulec run`'s output and of the SQL outbox
    /// (docs/jobs.md). Keys always present and always in this order:
    /// `workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key`.
    /// `params` keeps the action's catalog order; `run_at` is ISO 8601 UTC.
    public static func json(_ j: JobRecord) -> String {
        // One buffer, appended to in place: a job line is made of a dozen short pieces, and a
        // temporary string per piece cost more than the pieces.
        var out = "{\"workspace_id\":"
        out.reserveCapacity(320)
        func text(_ s: String?) {
            guard let s else { return out += "null" }
            if s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return out += jsonEscaped(s) }
            out += "\""
            out += s
            out += "\""
        }
        text(j.workspaceId)
        out += ",\"rule\":"
        text(j.rule)
        out += ",\"action\":"
        text(j.action)
        out += ",\"entity\":"
        text(j.entity)
        out += ",\"entity_id\":"
        text(j.entityId)
        out += ",\"params\":{"
        for (i, p) in j.params.enumerated() {
            if i > 0 { out += "," }
            text(p.name)
            out += ":"
            if case .text(let v) = p.value { text(v) } else { out += ValueConverter.jsonText(p.value) }
        }
        out += "},\"status\":"
        text(j.status.rawValue)
        out += ",\"run_at\":"
        text(Timestamps.format(j.runAt))
        out += ",\"priority\":"
        text(j.priority.rawValue)
        out += ",\"idempotency_key\":"
        text(j.idempotencyKey)
        out += "}"
        return out
    }
}
