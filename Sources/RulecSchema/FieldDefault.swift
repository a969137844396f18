/// What the database puts in a column that an insert leaves out.
///
/// Rules only need to know *that* a column has a default (so `create` may omit it, see
/// `Field.hasDefault`); `rulec schema ddl` needs to know *what* it is, and so does a demo database
/// that rows created by data actions land in.
public enum FieldDefault: Sendable, Equatable, Hashable {
    /// A fresh unique id (YAML `default: generated`): `gen_random_uuid()` for `uuid` columns, its text
    /// for `text` columns, an identity for `int` columns.
    case generated
    /// The time of the insert (YAML `default: now`): `now()`, or the test clock in test databases.
    case now
    /// A constant of the column's scalar type (YAML `default: open`, `default: 0`), as written, already
    /// checked against the type: an enum value, a number, `true`/`false`, text, JSON text, an ISO 8601
    /// timestamp or a duration such as `30 minutes`.
    case literal(String)
    /// A constant list for a list column (YAML `default: []`, `default: [vip]`), each element checked
    /// against the element type.
    case list([String])
    /// A raw SQL expression (YAML `default: {sql: "..."}`), for schemas that describe an existing
    /// database whose defaults rulec cannot express otherwise. Written into DDL verbatim.
    case sql(String)
}
