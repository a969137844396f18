import RulecDiagnostics
import Testing
@testable import RulecSchema

/// A default written as SQL that says what a plain default says is read as the plain default, so
/// dry runs apply it as the database does; any other SQL stays raw (and the DDL writes it as is).
@Suite struct SQLDefaultTests {
    static let yaml = """
        enums:
          tier: [basic, gold]
        entities:
          account:
            fields:
              id: {type: uuid, default: {sql: "gen_random_uuid()"}}
              n: {type: int, default: {sql: "7"}}
              neg: {type: decimal, default: {sql: "-2.5"}}
              tier: {type: tier, default: {sql: "'basic'::text"}}
              odd: {type: tier, default: {sql: "'platinum'::text"}}
              at: {type: timestamp, default: {sql: "now()"}}
              tags: {type: [text], default: {sql: "'{}'::text[]"}}
              seq: {type: int?, default: {sql: "nextval('account_seq'::regclass)"}}
              raw: {type: text, default: {sql: "lower('A')"}}
        """

    @Test func constantsNowAndIdsAreReadRawSQLStays() throws {
        let (schema, diagnostics) = SchemaLoader.load(yaml: Self.yaml, path: "schema.yaml", sources: SourceManager())
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let account = try #require(schema?.entity(named: "account"))
        func d(_ f: String) -> FieldDefault? { account.field(named: f)?.defaultValue }
        #expect(d("id") == .generated)
        #expect(d("n") == .literal("7"))
        #expect(d("neg") == .literal("-2.5"))
        #expect(d("tier") == .literal("basic"))
        #expect(d("odd") == .sql("'platinum'::text"), "not a value of the enum: left to the database")
        #expect(d("at") == .now)
        #expect(d("tags") == .list([]))
        #expect(d("seq") == .generated)
        #expect(d("raw") == .sql("lower('A')"))
    }
}
