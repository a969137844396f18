import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Process {
    /// The child's exit status once it has exited (128 + the signal when a signal ended it),
    /// nil while it runs.
    ///
    /// Asked of the kernel with `waitid(WNOWAIT)`, which leaves the child for Foundation to
    /// reap. Why not `isRunning`: on Linux, Foundation learns of an exit when a socket the child
    /// inherited closes, and a process that another test spawns at the same moment can inherit
    /// that socket too, so `isRunning` (and `waitUntilExit`) can stay stuck long after the child
    /// is gone (swift-corelibs-foundation#4795).
    var exitStatusIfExited: Int32? {
        var info = siginfo_t()
        if waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) != 0 {
            // ECHILD: Foundation has reaped it already, and knows its status once `isRunning` says so.
            return isRunning ? nil : terminationStatus
        }
        guard info._sifields._sigchld.si_pid == processIdentifier else { return nil }
        let status = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? status : 128 + status
    }

    var hasExited: Bool { exitStatusIfExited != nil }

    /// Waits up to `timeout` seconds for the child to exit and returns its status; nil when it
    /// is still running then.
    func exitStatus(within timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let status = exitStatusIfExited { return status }
            usleep(20_000)
        } while Date() < deadline
        return exitStatusIfExited
    }

    /// SIGKILL unless it has exited, then waits for the exit (tests' cleanup).
    func killIfRunning() {
        guard !hasExited else { return }
        kill(processIdentifier, SIGKILL)
        _ = exitStatus(within: 10)
    }
}
