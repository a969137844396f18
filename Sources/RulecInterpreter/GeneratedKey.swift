import RulecSchema
import RulecSemantics

/// The value of a `default: generated` column in a dry run. One counter runs over all entities, so
/// the same scenario always gets the same ids; the PostgreSQL test database draws its generated
/// defaults from one sequence in the same forms (`PostgresTestDatabase`), so both backends agree.
enum GeneratedKey {
    static func make(_ n: Int, for type: FieldType, entity: String) -> Value {
        switch type {
        case .int: return .int(Int64(n))
        case .uuid:
            let hex = String(n, radix: 16)
            return .text("00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex)
        default: return .text("\(entity)_\(n)")
        }
    }
}
