import NIOCore
import NIOHTTP1
import Prometheus

/// Answers one HTTP/1.1 connection: `GET /metrics` (or `HEAD`) with the registry in the Prometheus text format,
/// anything else with 404 or 405. Runs on the metrics server's event loop; the registry renders under its own locks.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The content type of the text exposition format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let registry: PrometheusCollectorRegistry
    /// The head of the request being read, until its end arrives.
    private var request: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break  // A scrape has no body; any other request is answered without reading it.
        case .end: if let head = request { respond(to: head, context: context) }
        }
    }

    /// Writes the answer to `head`, and closes the connection unless the client keeps it alive.
    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        request = nil
        let path = head.uri.prefix { $0 != "?" }
        var status = HTTPResponseStatus.ok
        var body = context.channel.allocator.buffer(capacity: 0)
        var headers = HTTPHeaders()
        if path != "/metrics" {
            status = .notFound
            body.writeString("only /metrics is served here\n")
        } else if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            headers.add(name: "Allow", value: "GET, HEAD")
        } else {
            body.writeBytes(registry.emitToBuffer())
            headers.add(name: "Content-Type", value: Self.contentType)
        }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(Self.wrapOutboundOut(.head(response)), promise: nil)
        if head.method != .HEAD { context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
