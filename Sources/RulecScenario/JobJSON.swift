import RulecInterpreter
import RulecSemantics

extension JobFormat {
    /// One job record as one line of JSON, the shape of `rulec run`'s output and of the SQL outbox
    /// (docs/jobs.md). Keys always present and always in this order:
    /// `workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key`.
    /// `params` keeps the action's catalog order; `run_at` is ISO 8601 UTC.
    public static func json(_ j: JobRecord) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(384)
        append(j, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `json(_:)`'s bytes appended to `out`: `rulec run` writes them straight into its output
    /// buffer, with no string made per job.
    public static func append(_ j: JobRecord, to out: inout [UInt8]) {
        // Bytes appended to one buffer: a job line is a dozen short pieces, and appending to a
        // String costs more per piece than the pieces themselves.
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func text(_ s: String?) {
            guard var s else { return raw("null") }
            // The text's bytes in place, checked eight at a time: most texts need no escape.
            let plain = s.withUTF8 { bytes in
                if JSONSpecialBytes.any(in: bytes) { return false }
                out.append(0x22)
                out.append(contentsOf: bytes)
                out.append(0x22)
                return true
            }
            if !plain { out.append(contentsOf: jsonEscaped(s).utf8) }
        }
        raw("{\"workspace_id\":")
        text(j.workspaceId)
        raw(",\"rule\":")
        text(j.rule)
        raw(",\"action\":")
        text(j.action)
        raw(",\"entity\":")
        text(j.entity)
        raw(",\"entity_id\":")
        text(j.entityId)
        raw(",\"params\":{")
        for (i, p) in j.params.enumerated() {
            if i > 0 { out.append(0x2C) }
            text(p.name)
            out.append(0x3A)
            if case .text(let v) = p.value { text(v) } else { out.append(contentsOf: ValueConverter.jsonText(p.value).utf8) }
        }
        raw("},\"status\":")
        text(j.status.rawValue)
        raw(",\"run_at\":")
        out.append(0x22)
        Timestamps.append(j.runAt, to: &out)
        out.append(0x22)
        raw(",\"priority\":")
        text(j.priority.rawValue)
        raw(",\"idempotency_key\":")
        text(j.idempotencyKey)
        out.append(0x7D)
    }
}
