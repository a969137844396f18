import Foundation

/// A one-way flag: set by SIGINT/SIGTERM (or a test), read by the relay between steps.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    public init() {}

    /// Asks the relay to finish its in-flight deliveries, release its claims and return.
    public func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// Sleeps for `duration`, waking early (within 20 ms) when a stop is requested.
    func sleep(for duration: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while !isRequested, clock.now < end {
            let left = end - clock.now
            try? await Task.sleep(for: min(left, .milliseconds(20)))
        }
    }
}
