import Foundation
import RulecInterpreter
import RulecScenario
import RulecSemantics

/// SplitMix64: small, seedable, the same sequence on every platform.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// Random rule programs over the default schema, from a small grammar of the forms the language
/// has: every trigger form, conditions with nulls, aggregates and relations, templates, external
/// and data actions, once-per, limits, priorities and params. The checker decides what is valid.
enum RuleGenerator {
    static let contactTriggers = [
        "contact created", "contact updated", "contact deleted",
        "contact.status changes", "contact.status changes from lead", "contact.status changes to customer",
        "contact.status changes from lead to customer", "contact.score changes", "contact.phone changes",
        "contact meets contact.status = customer", "contact meets coalesce(contact.score, 0) >= 5",
        "contact.score reaches 5", "count(contact.messages where message.direction = inbound) reaches 2",
        "count(contact.messages) reaches 3", "1 hour after contact.created_at", "2 hours after contact.updated_at",
    ]
    static let contactConditions = [
        "contact.phone is not null", "contact.score > 3", "contact.status in [lead, prospect]",
        "contact.first_name starts with \"A\"", "exists(contact.messages where message.direction = inbound)",
        "count(contact.messages) >= 2", "contact.tags contains \"vip\"", "lower(contact.first_name) = \"ana\"",
        "coalesce(contact.score, 0) + 1 > 4", "not (contact.email is null)", "contact.score / 2 > 1",
        "contact.last_name ends with \"z\"", "contact.status != churned", "length(contact.first_name) > 3",
    ]
    static let contactActions = [
        "send_sms to: contact.phone, body: \"Hi {contact.first_name}, score {contact.score} at {now}\"",
        "notify message: \"{contact.first_name} is {contact.status} ({contact.tags}) {coalesce(contact.score, 0) * 1.5}\"",
        "send_email to: contact.email, subject: \"Hello\", body: \"{contact.last_name} {contact.score / 3}\"",
        "webhook url: \"https://hooks.example/{contact.id}\"",
        "notify message: \"{greeting} {contact.first_name}\" delay 30 minutes",
        "send_sms to: contact.phone, body: \"{greeting}!\" delay 1 day",
        "create task with contact_id: contact.id, workspace_id: contact.workspace_id, title: \"Call {contact.first_name}\", due_at: now + 1 day",
        "update contact set score = coalesce(contact.score, 0) + 1",
        "create message with contact_id: contact.id, workspace_id: contact.workspace_id, direction: outbound, body: \"auto {contact.first_name}\", delivery_status: queued",
    ]
    static let messageTriggers = [
        "message created", "message deleted", "message.delivery_status changes to failed", "message.body changes",
        "30 minutes after message.created_at", "message meets message.direction = inbound",
    ]
    static let messageConditions = [
        "message.direction = inbound", "message.contact.status = customer", "message.body contains \"help\"",
        "message.contact.phone is not null",
        "not exists(m in message.contact.messages where m.direction = inbound and m.created_at > message.created_at)",
    ]
    static let messageActions = [
        "notify message: \"{message.contact.first_name}: {message.body}\"",
        "send_sms to: message.contact.phone, body: \"Re: {message.body} ({greeting})\"",
        "update message.contact set score = coalesce(message.contact.score, 0) + 5",
        "create task with contact_id: message.contact_id, workspace_id: message.workspace_id, title: \"Reply to {message.contact.first_name}\"",
    ]
    static let appointmentTriggers = [
        "appointment created", "appointment.status changes to cancelled", "24 hours before appointment.start_time",
        "1 hour before appointment.start_time", "appointment.start_time changes",
    ]
    static let appointmentConditions = [
        "appointment.status = scheduled", "appointment.contact.phone is not null", "appointment.duration_minutes >= 30",
    ]
    static let appointmentActions = [
        "send_sms to: appointment.contact.phone, body: \"Reminder: {appointment.title} at {appointment.start_time}\"",
        "notify message: \"{appointment.title} {appointment.duration_minutes} minutes {greeting}\"",
        "update appointment.contact set status = customer",
    ]

    /// One rule's text.
    static func rule(_ name: String, _ r: inout SeededRandom) -> String {
        let (entity, triggers, conditions, actions): (String, [String], [String], [String])
        switch r.int(0...9) {
        case 0...5: (entity, triggers, conditions, actions) = ("contact", contactTriggers, contactConditions, contactActions)
        case 6...8: (entity, triggers, conditions, actions) = ("message", messageTriggers, messageConditions, messageActions)
        default: (entity, triggers, conditions, actions) = ("appointment", appointmentTriggers, appointmentConditions, appointmentActions)
        }
        var out = "rule \(name)\n  param greeting: text = \"Hello\"\n"
        if r.chance(0.25) { out += "  once per contact" + (r.chance(0.5) ? " every 1 day" : "") + "\n" }
        if r.chance(0.2) { out += "  limit \(r.int(1...2)) per 1 hour\n" }
        if r.chance(0.3) { out += "  priority \(r.pick(["high", "low"]))\n" }
        out += "  when " + r.pick(triggers)
        if r.chance(0.2) { out += " or " + r.pick(triggers) }
        out += "\n"
        if r.chance(0.5) {
            out += "  if " + r.pick(conditions)
            if r.chance(0.3) { out += " \(r.pick(["and", "or"])) " + r.pick(conditions) }
            out += "\n"
        }
        out += "  then\n"
        for _ in 0..<r.int(1...2) { out += "    " + r.pick(actions) + "\n" }
        _ = entity
        return out
    }

    /// A program of 1–4 rules that the checker accepts, or nil after a few tries.
    static func program(_ r: inout SeededRandom) -> (text: String, program: CheckedProgram)? {
        for _ in 0..<20 {
            let text = (0..<r.int(1...4)).map { rule("r\($0)", &r) }.joined(separator: "\n")
            if let p = try? RulecPostgresTests.program(text) { return (text, p) }
        }
        return nil
    }
}

/// One differential case: settings, the starting clock, given rows and events.
struct DifferentialCase {
    var settings: WorkspaceSettings
    var now: Int64
    var given: [(entity: String, row: Row)]
    var events: [(event: Event, at: Int64?)]
}

/// Random event sequences over contacts, messages and appointments in two workspaces.
enum EventGenerator {
    static let start: Int64 = 1_795_510_800_000_000 // 2026-11-24T09:00:00Z
    static let minute: Int64 = 60_000_000

    static func contactRow(_ id: String, _ r: inout SeededRandom) -> Row {
        var row: Row = ["id": .text(id), "workspace_id": .text(r.pick(["w1", "w1", "w2"])),
                        "first_name": .text(r.pick(["Ana", "Ben", "Álvaro", "Zoë", "ana"])),
                        "status": .text(r.pick(["lead", "lead", "prospect", "customer", "churned"]))]
        if r.chance(0.7) { row["phone"] = .text(r.pick(["+15550001", "+15550002"])) }
        if r.chance(0.5) { row["email"] = .text("x@example.com") }
        if r.chance(0.5) { row["score"] = .int(Int64(r.int(0...8))) }
        if r.chance(0.3) { row["last_name"] = .text(r.pick(["Diaz", "Lopez", "Kim"])) }
        if r.chance(0.3) { row["tags"] = .list(r.chance(0.5) ? [.text("vip")] : [.text("a"), .text("b")]) }
        return row
    }

    static func contactChange(_ r: inout SeededRandom) -> Row {
        var set: Row = [:]
        for _ in 0..<r.int(1...2) {
            switch r.int(0...6) {
            case 0, 1: set["status"] = .text(r.pick(["lead", "prospect", "customer", "churned"]))
            case 2: set["score"] = r.chance(0.2) ? .null : .int(Int64(r.int(0...9)))
            case 3: set["phone"] = r.chance(0.3) ? .null : .text(r.pick(["+15550001", "+15550003"]))
            case 4: set["email"] = r.chance(0.5) ? .null : .text("y@example.com")
            case 5: set["first_name"] = .text(r.pick(["Ana", "Bea", "Carl"]))
            default: set["tags"] = .list(r.chance(0.5) ? [.text("vip")] : [])
            }
        }
        return set
    }

    static func make(_ r: inout SeededRandom) -> DifferentialCase {
        var clock = start
        var settings: WorkspaceSettings = [:]
        if r.chance(0.2) { settings["w2", default: [:]]["r0"] = RuleSettings(active: false) }
        if r.chance(0.2) { settings["w1", default: [:]]["r\(r.int(0...1))"] = RuleSettings(params: ["greeting": .text("Hola 'amigo'")]) }
        var contacts = ["c1", "c2", "c3"]
        var messages: [String] = [], appointments: [String] = []
        var given: [(String, Row)] = contacts.map { ("contact", contactRow($0, &r)) }
        // Past the given contacts' numbers: a fresh `c3` would insert a row that exists, and
        // deleting one of two `c3`s from the list could empty it.
        var next = contacts.count
        func fresh(_ prefix: String) -> String { next += 1; return "\(prefix)\(next)" }
        if r.chance(0.5) {
            let id = fresh("m")
            messages.append(id)
            given.append(("message", ["id": .text(id), "workspace_id": .text("w1"), "contact_id": .text("c1"),
                                      "direction": .text("inbound"), "body": .text("old"), "delivery_status": .text("received")]))
        }
        var events: [(Event, Int64?)] = []
        for _ in 0..<r.int(4...12) {
            var at: Int64?
            if r.chance(0.35) {
                clock += Int64(r.pick([1, 10, 45, 90, 600, 1500, 3000])) * minute
                at = clock
            }
            let event: Event
            switch r.int(0...13) {
            case 0:
                let id = fresh("c")
                contacts.append(id)
                event = .insert(entity: "contact", row: contactRow(id, &r))
            case 1, 2, 3:
                event = .update(entity: "contact", id: r.pick(contacts), set: contactChange(&r))
            case 4:
                guard contacts.count > 1 else { continue }
                let id = r.pick(contacts)
                contacts.removeAll { $0 == id }
                event = .delete(entity: "contact", id: id)
            case 5, 6:
                let id = fresh("m")
                messages.append(id)
                event = .insert(entity: "message", row: [
                    "id": .text(id), "workspace_id": .text(r.pick(["w1", "w2"])), "contact_id": .text(r.pick(contacts)),
                    "direction": .text(r.pick(["inbound", "inbound", "outbound"])),
                    "body": .text(r.pick(["hi", "help me", "call me", "ok"])),
                    "delivery_status": .text(r.pick(["received", "sent", "queued"])),
                ])
            case 7:
                guard !messages.isEmpty else { continue }
                event = .update(entity: "message", id: r.pick(messages), set: r.chance(0.5)
                    ? ["delivery_status": .text(r.pick(["failed", "delivered"]))] : ["body": .text(r.pick(["edited", "help"]))])
            case 8:
                guard !messages.isEmpty else { continue }
                let id = r.pick(messages)
                messages.removeAll { $0 == id }
                event = .delete(entity: "message", id: id)
            case 9, 10:
                let id = fresh("a")
                appointments.append(id)
                event = .insert(entity: "appointment", row: [
                    "id": .text(id), "workspace_id": .text("w1"), "contact_id": .text(r.pick(contacts)),
                    "title": .text(r.pick(["Demo", "Call \"x\""])),
                    "start_time": .timestamp(clock + Int64(r.pick([30, 90, 1500, 2000, 3000])) * minute),
                    "duration_minutes": .int(Int64(r.pick([15, 30, 60]))),
                    "status": .text(r.pick(["scheduled", "scheduled", "confirmed"])),
                ])
            case 11:
                guard !appointments.isEmpty else { continue }
                event = .update(entity: "appointment", id: r.pick(appointments), set: r.chance(0.5)
                    ? ["status": .text(r.pick(["cancelled", "scheduled", "completed"]))]
                    : ["start_time": .timestamp(clock + Int64(r.pick([20, 120, 2880])) * minute)])
            default:
                clock += Int64(r.pick([5, 60, 600, 1440, 2880])) * minute
                event = .advance(to: clock)
            }
            events.append((event, at))
        }
        return DifferentialCase(settings: settings, now: start, given: given.map { (entity: $0.0, row: $0.1) },
                                events: events.map { (event: $0.0, at: $0.1) })
    }
}

/// A case as a scenario file, to keep a difference as a regression test.
enum ScenarioWriter {
    static func value(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .text(let s): return ValueConverter.jsonText(.text(s))
        case .list(let items): return "[" + items.map(value).joined(separator: ", ") + "]"
        default: return ValueConverter.jsonText(v)
        }
    }

    static func row(_ r: Row) -> String {
        "{" + r.sorted { $0.key < $1.key }.map { "\($0.key): \(value($0.value))" }.joined(separator: ", ") + "}"
    }

    static func yaml(_ c: DifferentialCase, name: String) -> String {
        var out = "name: \(name)\nnow: \(Timestamps.format(c.now))\n"
        if !c.settings.isEmpty {
            out += "settings:\n"
            for (w, rules) in c.settings.sorted(by: { $0.key < $1.key }) {
                out += "  \(w):\n"
                for (rule, s) in rules.sorted(by: { $0.key < $1.key }) {
                    out += "    \(rule): {active: \(s.active), params: \(row(s.params))}\n"
                }
            }
        }
        if !c.given.isEmpty {
            out += "given:\n"
            for entity in Set(c.given.map(\.entity)).sorted() {
                out += "  \(entity):\n"
                for g in c.given where g.entity == entity { out += "    - \(row(g.row))\n" }
            }
        }
        out += "events:\n"
        for e in c.events {
            let at = e.at.map { "at: \(Timestamps.format($0)), " } ?? ""
            switch e.event {
            case let .insert(entity, r): out += "  - {\(at)insert: \(entity), row: \(row(r))}\n"
            case let .update(entity, id, set): out += "  - {\(at)update: \(entity), id: \(value(.text(id))), set: \(row(set))}\n"
            case let .delete(entity, id): out += "  - {\(at)delete: \(entity), id: \(value(.text(id)))}\n"
            case .advance(let t): out += "  - {\(at.isEmpty ? "" : at)advance: \(Timestamps.format(t))}\n"
            }
        }
        return out
    }
}
