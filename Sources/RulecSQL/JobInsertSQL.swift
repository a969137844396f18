import RulecSchema

/// The statements that write one job record into the outbox. `rulec.record_job` runs it for the
/// rare records (refused fires, stopped cascades); fire functions inline it for their jobs, so the
/// hot path pays no SQL-function call (a non-inlinable SQL function sets up an executor per call).
/// Both compute the interpreter's `IdempotencyKey`:
/// `md5('rulec:v1|' rule '|' action_index '|' entity '|' entity_id '|' fire_us '|' params_text)`.
struct JobInsertSQL {
    var workspace: String
    var rule: String
    var action: String
    var entity: String
    var entityId: String
    var params: String
    var status: String
    var runAt: String
    var priority: String
    /// `'rulec:v1|rule|action_index|entity|'` as SQL: one literal when all three are known.
    var keyPrefix: String
    var fireTime: String
    var keyParams: String
    var queue: String

    /// The key prefix of a job of a known rule, action and entity, as one literal.
    static func keyPrefix(rule: String, actionIndex: Int, entity: String) -> String {
        SQLQuoting.literal("rulec:v1|\(rule)|\(actionIndex)|\(entity)|")
    }

    /// The key of the fire; a second identical fire at the same instant gets `md5(key || '|1')`, and
    /// so on (`rulec.insert_job_again`, the interpreter's `Engine.record`).
    var key: String {
        "md5(\(keyPrefix) || \(entityId) || '|' || rulec.micros(\(fireTime)) || '|' || \(keyParams))"
    }

    /// plpgsql: the insert, and when the key is taken (by an identical fire of another change at
    /// the same instant), the numbered insert, so that every fire is a job.
    var statement: String {
        """
        INSERT INTO rulec.jobs (workspace_id, rule, action, entity, entity_id, params, status, run_at, priority, idempotency_key, queue)
            VALUES (\(workspace), \(rule), \(action), \(entity), \(entityId), \(params), \(status), \(runAt), \(priority), \(key), \(queue))
            ON CONFLICT (idempotency_key) DO NOTHING;
        IF NOT FOUND THEN
            PERFORM rulec.insert_job_again(\(workspace), \(rule), \(action), \(entity), \(entityId), \(params), \(status), \(runAt),
                \(priority), \(key), \(queue));
        END IF;
        """
    }
}
