import Compute
import Detector
import PostgresStore
import Synchronization

/// Several ``PostgresPipeline``s on one source, each on a thread of its own with its own connections and a
/// one-thread scoring pool (scoring is a few percent of a batch; the server's work dominates). In queue mode they
/// share the queue through `FOR UPDATE SKIP LOCKED`; watermark mode runs one, since one daemon holds the source.
/// While the database cannot be reached, one worker probes it with backoff and the others wait, so the group
/// makes no more connection attempts than one pipeline.
package final class PostgresPipelineGroup: Sendable {
    private let options: PostgresPipelineOptions
    private let detector: @Sendable () -> Detector

    /// A group scoring with whatever model `detector` returns at each batch.
    package init(options: PostgresPipelineOptions, detector: @escaping @Sendable () -> Detector) {
        self.options = options
        self.detector = detector
    }

    /// Workers that will run: ``PostgresPipelineOptions/workers`` in queue mode, one in watermark mode.
    package var workerCount: Int { options.mode == .queue ? max(1, options.workers) : 1 }

    /// The connections the workers keep open: one each, and a LISTEN connection each in queue mode.
    var connections: ConnectionBudget {
        ConnectionBudget(pipelines: workerCount, listening: options.listen && options.mode == .queue)
    }

    /// Runs every worker until `stop` is raised; `events` is called from the workers' threads, with the worker's
    /// number. Throws the first error a worker stopped with (a source that does not fit the model); the other
    /// workers are stopped then too.
    package func run(until stop: StopSignal, events: @escaping @Sendable (Int, PipelineEvent) -> Void)
        throws(PostgresError)
    {
        final class FirstError: Sendable {
            let value = Mutex<PostgresError?>(nil)
        }
        let failure = FirstError()
        let options = self.options
        let detector = self.detector
        let gate = ConnectionGate()
        let threads = (0..<workerCount).map { worker in
            BackgroundThread {
                let pipeline = PostgresPipeline(
                    options: options, detector: detector, pool: ThreadPool(threadCount: 1), worker: worker, gate: gate)
                do throws(PostgresError) {
                    try pipeline.run(until: stop) { events(worker, $0) }
                } catch {
                    failure.value.withLock { if $0 == nil { $0 = error } }
                    stop.stop()
                }
            }
        }
        for thread in threads { thread.join() }
        if let error = failure.value.withLock({ $0 }) { throw error }
    }
}
