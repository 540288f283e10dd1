import Compute
import Detector
import PostgresStore
import RecordIO
import ServiceLifecycle

/// Ingest → score → write: the PostgreSQL pipelines, or the stdin scorer, on threads of their own. It ends when
/// the daemon stops (or stdin ends), which ends the service group.
struct IngestService: Service {
    let context: DaemonContext

    func run() async {
        let context = self.context
        await withGracefulShutdownHandler {
            await onOwnThread {
                switch context.settings.sourceKind {
                case .postgres: PostgresIngest(context: context).run()
                case .stdin: StdinIngest(context: context).run()
                }
            }
        } onGracefulShutdown: {
            context.stopping.stop()
        }
    }
}
