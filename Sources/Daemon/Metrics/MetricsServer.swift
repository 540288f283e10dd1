import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// The HTTP server of `/metrics`: SwiftNIO's HTTP/1.1 pipeline on an event loop thread of its own, so that a scrape
/// neither waits for scoring nor takes a thread that scoring or the services use. ``open(at:registry:)`` binds before
/// the daemon says READY=1: an address that cannot be served stops the start with exit 78.
final class MetricsServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// `http://127.0.0.1:9751/metrics`, with the port the kernel picked for port 0.
    let url: String

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, url: String) {
        self.group = group
        self.channel = channel
        self.url = url
    }

    /// Listens on `address`, answering from `registry`.
    ///
    /// - Throws: ``DaemonError`` (configuration) when the address cannot be bound: a port in use, an address that is
    ///   not this host's.
    static func open(at address: ListenAddress, registry: PrometheusCollectorRegistry) async throws(DaemonError)
        -> MetricsServer
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry))
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 1)
        do {
            let channel = try await bootstrap.bind(host: address.host, port: Int(address.port)).get()
            let port = channel.localAddress?.port ?? Int(address.port)
            let host = address.isIPv6 ? "[\(address.host)]" : address.host
            return MetricsServer(group: group, channel: channel, url: "http://\(host):\(port)/metrics")
        } catch {
            try? await group.shutdownGracefully()
            throw DaemonError(
                .configuration,
                "metrics.listen \(address): cannot serve /metrics (\(Self.cause(of: error))); choose a free port and "
                    + "an address of this host, such as 127.0.0.1:9751")
        }
    }

    /// Waits until the listening socket is closed (``stopListening()``).
    func closed() async {
        try? await channel.closeFuture.get()
    }

    /// Closes the listening socket; callable from any thread.
    func stopListening() {
        channel.close(promise: nil)
    }

    /// Closes every connection and ends the event loop thread.
    func shutDown() async {
        try? await group.shutdownGracefully()
    }

    /// `bind: Address already in use` for a failed bind, else the error as it describes itself.
    private static func cause(of error: any Error) -> String {
        if let failure = error as? IOError { return failure.description }
        return "\(error)"
    }
}
