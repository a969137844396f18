import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM for a long-running command, received on one thread of its own.
///
/// Why not a dispatch signal source: on Linux it reads a signalfd, which sees only signals
/// pending for the whole process or for the reading thread. A SIGTERM the kernel hands to
/// another thread that has not blocked it (an event loop, a worker) is re-raised at that thread
/// and never reaches the source, so the relay would sometimes ignore it for good. Blocking the
/// signals in the calling thread before the command starts any other thread (every later thread
/// inherits the mask) and taking them with `sigwait` makes every signal count.
enum TerminationSignals {
    /// Blocks SIGINT and SIGTERM in this thread and every thread it starts from now on, and
    /// calls `handler` with the signal number and how many have arrived (1 for the first) on a
    /// thread that does nothing else. Call it before anything starts threads.
    static func receive(_ handler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let blocked = set
        let thread = Thread {
            var waited = blocked, count = 0
            while true {
                var number: Int32 = 0
                guard sigwait(&waited, &number) == 0 else { continue }
                count += 1
                handler(number, count)
            }
        }
        thread.name = "rulec.signals"
        thread.start()
    }
}
