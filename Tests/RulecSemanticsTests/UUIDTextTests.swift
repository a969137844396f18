import Testing
import RulecSemantics

/// uuids in the forms PostgreSQL's `uuid` input takes, and the one form it prints.
@Suite struct UUIDTextTests {
    static let canonical = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"

    @Test(arguments: [
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
    ])
    func acceptedForms(_ text: String) {
        #expect(UUIDText.canonical(text) == Self.canonical)
    }

    @Test(arguments: [
        "", "a0eebc99", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
        "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{}",
    ])
    func refusedForms(_ text: String) {
        #expect(UUIDText.canonical(text) == nil, "\(text)")
    }
}
