import Detector
import Glibc
import Logging
import ServiceLifecycle
import Synchronization

/// Health: `WATCHDOG=1` on schedule while every worker's heartbeat is fresh, `STATUS=` when the summary changes,
/// and the status file about once a second.
struct HealthService: Service {
    let context: DaemonContext

    func run() async {
        let context = self.context
        let timeout = context.notifier.watchdogTimeout
        // Pings a little more often than half the timeout, so that a late tick never makes a gap of half of it.
        let pingEvery = timeout.map { $0 * 0.45 }
        // A worker silent for half the timeout is wedged: systemd gets no ping and restarts the daemon after the
        // other half.
        let staleAfter = timeout.map { $0 / 2 }
        let tick = min(pingEvery ?? .seconds(1), .seconds(1))
        let clock = ContinuousClock()
        var next = clock.now
        var nextPing = clock.now
        var lastLine = ""
        var reportedStale: [String] = []
        var statusFileFailed = false
        // Runs until the group shuts down, pinging while the batch in hand is finished after SIGTERM.
        while !Task.isShuttingDownGracefully {
            if let pingEvery, let staleAfter, clock.now >= nextPing {
                let stale = context.heartbeats.stale(olderThan: staleAfter)
                if stale.isEmpty {
                    context.notifier.watchdog()
                    nextPing = nextPing + pingEvery
                    if clock.now > nextPing { nextPing = clock.now + pingEvery }
                } else if stale != reportedStale {
                    context.logger.critical(
                        "no progress; withholding the watchdog ping so that systemd restarts the daemon",
                        metadata: ["workers.stale": "\(stale.joined(separator: ","))"])
                }
                reportedStale = stale
            }
            let status = refreshedStatus()
            context.request.terminal?.show(status.line)
            if status.line != lastLine {
                context.notifier.status(status.line)
                lastLine = status.line
            }
            do {
                try StatusFile.write(status, in: context.settings.runtimeDirectory)
                statusFileFailed = false
            } catch {
                if !statusFileFailed { context.problem(error.description) }
                statusFileFailed = true
            }
            next = next + tick
            if next < clock.now { next = clock.now }
            let wake = next
            try? await cancelWhenGracefulShutdown { try await clock.sleep(until: wake) }
        }
    }

    /// The status with the retrain schedule and the time brought up to date.
    private func refreshedStatus() -> DaemonStatus {
        let due = context.engine.nextDue()
        return context.status.withLock {
            $0.nextRetrainRecords = due.records
            $0.nextRetrainSeconds = due.seconds
            $0.updatedAt = Int64(time(nil))
            return $0
        }
    }
}
