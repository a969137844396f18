/// The subject that `once per ENTITY` counts fires of, when ENTITY is a related row (`once per
/// contact` on a message rule): the foreign key, within the firing row's workspace.
///
/// Why the workspace: a foreign key can point into another workspace (such a relation reads as
/// no row), and a fire there must not use up the other workspace's once-per. The interpreter and
/// the SQL backend build the same text, one here and one in `relatedSQL`, so their `once_per`
/// state agrees: `<bytes of the workspace>:<workspace>/<key>` (the length keeps `w/1` + `x` apart
/// from `w` + `1/x`; no workspace is the empty text).
public enum OncePerSubject {
    public static func related(_ key: String, workspace: String?) -> String {
        let ws = workspace ?? ""
        return "\(ws.utf8.count):\(ws)/\(key)"
    }

    /// `related` in SQL, over SQL expressions of text for the key and the workspace; null when
    /// the key is null.
    public static func relatedSQL(fk: String, workspace: String) -> String {
        "CASE WHEN \(fk) IS NULL THEN NULL ELSE octet_length(coalesce(\(workspace), '')) || ':' || coalesce(\(workspace), '') || '/' || \(fk) END"
    }
}
