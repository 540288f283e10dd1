import ServiceLifecycle

/// Serves `/metrics` (``MetricsServer``, opened before READY=1) until the daemon stops, then closes it.
struct MetricsService: Service {
    let server: MetricsServer

    func run() async {
        let server = self.server
        await withGracefulShutdownHandler {
            await server.closed()
        } onGracefulShutdown: {
            server.stopListening()
        }
        await server.shutDown()
    }
}
