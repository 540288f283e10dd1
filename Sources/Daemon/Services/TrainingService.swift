import ServiceLifecycle

/// Scheduled incremental retraining: every 200 ms, asks the engine whether the clock or a request (SIGUSR1) made a
/// retrain due; the engine's retrainer runs it on its own thread and pool, and the daemon's context takes the result
/// in (``DaemonContext/retrained(_:adopted:)``: status, log, checkpoint, registry). Retrains that records make due
/// start from the batch that made them due. Scoring goes on meanwhile; signals that arrive during a retrain fold
/// into it. On shutdown it waits for a running retrain to stop.
struct TrainingService: Service {
    let context: DaemonContext

    func run() async {
        let context = self.context
        let heartbeat = context.heartbeats.register("training")
        defer { context.heartbeats.remove(heartbeat) }
        // Runs until the group shuts down (the ingest service ending, or SIGTERM): a service that ended on its
        // own would end the group early.
        while !Task.isShuttingDownGracefully {
            heartbeat.beat()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            guard !context.stopping.isStopped else { continue }
            context.engine.tick()
        }
        let engine = context.engine
        await onOwnThread { engine.waitForRetrain() }
    }
}
