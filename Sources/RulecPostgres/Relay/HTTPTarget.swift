import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// Delivers jobs to an HTTP queue service: one POST of JSON per job, at most `concurrency` at
/// once, each with a timeout and an `Idempotency-Key` header. 2xx is delivered; 4xx other than
/// 408 and 429 is permanent (the service refused this job); everything else is retried.
final class HTTPTarget: DeliveryTarget, @unchecked Sendable {
    let url: URL
    let concurrency: Int
    let timeout: TimeInterval
    let logger: Logger
    private let session: URLSession

    init(url: URL, concurrency: Int, timeout: TimeInterval, logger: Logger) {
        self.url = url
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = self.concurrency
        session = URLSession(configuration: configuration)
    }

    /// The request body: `{id, idempotency_key, queue, name, data, workspace_id, rule, entity, entity_id, run_at}`.
    static func body(of job: OutboxJob) -> String {
        func optional(_ s: String?) -> String { s.map(jsonString) ?? "null" }
        return "{\"id\":\(job.id),\"idempotency_key\":\(jsonString(job.idempotencyKey)),\"queue\":\(optional(job.queue)),"
            + "\"name\":\(jsonString(job.name)),\"data\":\(job.data),\"workspace_id\":\(optional(job.workspaceID)),"
            + "\"rule\":\(jsonString(job.rule)),\"entity\":\(jsonString(job.entity)),\"entity_id\":\(jsonString(job.entityID)),"
            + "\"run_at\":\(jsonString(job.runAt))}"
    }

    /// How a status code is treated.
    static func outcome(status: Int) -> DeliveryOutcome {
        switch status {
        case 200..<300: return .delivered
        case 408, 429: return .retryable("HTTP \(status)")
        case 400..<500: return .permanent("HTTP \(status)")
        default: return .retryable("HTTP \(status)")
        }
    }

    private func post(_ job: OutboxJob) async -> DeliveryOutcome {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(job.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = Data(Self.body(of: job).utf8)
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .retryable("not an HTTP response") }
            let outcome = Self.outcome(status: http.statusCode)
            switch outcome {
            case .retryable(let m), .permanent(let m):
                let text = String(decoding: data.prefix(200), as: UTF8.self)
                return outcome == .permanent(m) ? .permanent(text.isEmpty ? m : "\(m): \(text)")
                                                : .retryable(text.isEmpty ? m : "\(m): \(text)")
            default:
                return outcome
            }
        } catch let error as URLError where error.code == .timedOut {
            return .retryable("POST \(url.host ?? ""): no answer within \(timeout) s")
        } catch {
            return .retryable("POST \(url.host ?? ""): \(error.localizedDescription)")
        }
    }

    func deliver(_ jobs: [OutboxJob], stop: StopSignal) async -> [DeliveryOutcome?] {
        await withTaskGroup(of: (Int, DeliveryOutcome).self) { group in
            var outcomes = [DeliveryOutcome?](repeating: nil, count: jobs.count)
            var next = 0
            var running = 0
            while next < jobs.count || running > 0 {
                while running < concurrency, next < jobs.count, !stop.isRequested {
                    let i = next, job = jobs[i]
                    group.addTask { (i, await self.post(job)) }
                    next += 1
                    running += 1
                }
                guard running > 0, let (i, outcome) = await group.next() else { break }
                running -= 1
                outcomes[i] = outcome
            }
            return outcomes
        }
    }

    func close() async {
        session.invalidateAndCancel()
    }
}
