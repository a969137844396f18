import Testing
import RulecInterpreter

/// JSON numbers as `jsonb` prints them (each pair checked against PostgreSQL 15's
/// `SELECT '[…]'::jsonb`), so json values render alike on both backends.
@Suite struct NumericTextTests {
    @Test(arguments: [
        ("2.50", "2.50"), ("-0.0", "0.0"), ("-0", "0"), ("1.0", "1.0"), ("1e3", "1000"), ("1E-2", "0.01"),
        ("0.10e1", "1.0"), ("-12.5e+2", "-1250"), ("123", "123"), ("0", "0"), ("1.5e-3", "0.0015"), ("-7", "-7"),
    ])
    func printsAsJSONB(_ input: String, _ expected: String) {
        #expect(NumericText.jsonb(input) == expected)
    }

    @Test(arguments: ["", "-", "1.", ".5", "1e", "1e+", "abc", "1.2.3", "1e99999"])
    func refusesWhatIsNotANumber(_ input: String) {
        #expect(NumericText.jsonb(input) == nil)
    }
}
