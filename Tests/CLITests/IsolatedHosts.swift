import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hosts of a test's own on this machine: network namespaces (`ip netns`), each joined to this one by a veth pair,
/// so that a daemon started in one reaches a server on this host over TCP through a link the test can cut. The
/// addresses come from 198.18.0.0/15 (RFC 2544, for benchmarks; no real network uses it): one /24 per test run,
/// picked among those no interface of this host uses, one /30 per host in it.
///
/// Needs root (CAP_SYS_ADMIN for the namespaces, CAP_NET_ADMIN for the links); ``unavailableReason`` says why it
/// cannot run, for a test to skip. Names carry this process's ID (`vwcut-<pid>-<n>`, links `vwc<pid>h<n>`), so runs
/// never collide, and namespaces left by a run that died are removed by the next. Call ``remove()`` when done.
final class IsolatedHosts {
    /// One host: its namespace, the two ends of its link, and their addresses.
    struct Host {
        /// The namespace's name (`ip netns exec <namespace> …`).
        let namespace: String
        /// The link's end on this host: the one ``IsolatedHosts/cut(_:)`` takes down.
        let link: String
        /// This host's address on the link (the server listens on it).
        let serverAddress: String
        /// The namespace's address on the link (`client_addr` of its sessions in `pg_stat_activity`).
        let address: String
    }

    /// The hosts, in the order made.
    let hosts: [Host]
    /// The /24 holding every link (`198.18.x.0/24`), for pg_hba.conf.
    let network: String

    /// The `ip` tool (iproute2), if installed.
    static let tool: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { access($0, X_OK) == 0 }

    /// Why namespaces and veth pairs cannot be made here, or nil when they can: probed once, by making a namespace
    /// and a veth pair into it and removing both.
    static let unavailableReason: String? = {
        guard let tool else { return "the ip tool (iproute2) is not installed" }
        guard geteuid() == 0 else {
            return
                "not root (euid \(geteuid())): network namespaces and veth pairs need CAP_SYS_ADMIN and CAP_NET_ADMIN"
        }
        let namespace = "vwcut-\(getpid())-probe"
        let link = "vwc\(getpid())p"
        defer {
            _ = try? SpawnedProcess.run([tool, "link", "del", link])
            _ = try? SpawnedProcess.run([tool, "netns", "del", namespace])
        }
        for arguments in [
            ["netns", "add", namespace],
            ["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace],
        ] {
            guard let result = try? SpawnedProcess.run([tool] + arguments) else { return "cannot run \(tool)" }
            if !result.succeeded {
                return "ip \(arguments.prefix(2).joined(separator: " ")) failed: \(result.stderr.trimmed)"
            }
        }
        return nil
    }()

    /// Makes `count` hosts (at most 60), each with its link up.
    init(count: Int) throws {
        precondition(count > 0 && count <= 60, "IsolatedHosts: 1 to 60 hosts")
        let tool = try #require(Self.tool, "the ip tool (iproute2) is not installed")
        Self.removeAbandoned(tool)
        let pid = getpid()
        let used = (try? SpawnedProcess.run([tool, "-o", "-4", "addr", "show"]).stdout) ?? ""
        let start = Int(pid) % 250
        let third = try #require(
            (0..<250).map { (start + $0) % 250 + 1 }.first { !used.contains("198.18.\($0).") },
            "every 198.18.x.0/24 is in use on this host")
        network = "198.18.\(third).0/24"
        hosts = (0..<count).map { index in
            Host(
                namespace: "vwcut-\(pid)-\(index)", link: "vwc\(pid)h\(index)",
                serverAddress: "198.18.\(third).\(4 * index + 1)", address: "198.18.\(third).\(4 * index + 2)")
        }
        do {
            for host in hosts {
                try Self.ip(tool, ["netns", "add", host.namespace])
                try Self.ip(
                    tool, ["link", "add", host.link, "type", "veth", "peer", "name", "eth0", "netns", host.namespace])
                try Self.ip(tool, ["addr", "add", host.serverAddress + "/30", "dev", host.link])
                try Self.ip(tool, ["link", "set", host.link, "up"])
                try Self.ip(tool, ["-n", host.namespace, "addr", "add", host.address + "/30", "dev", "eth0"])
                try Self.ip(tool, ["-n", host.namespace, "link", "set", "eth0", "up"])
                try Self.ip(tool, ["-n", host.namespace, "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// `arguments` run in host `index`'s namespace: `ip netns exec <namespace> …`, which execs the command, so the
    /// process spawned is the command itself (its PID is the daemon's).
    func command(_ index: Int, _ arguments: [String]) -> [String] {
        [Self.tool ?? "ip", "netns", "exec", hosts[index].namespace] + arguments
    }

    /// Cuts host `index` off: its link goes down on this host's side, so nothing passes either way and nothing tells
    /// either end (no FIN, no RST): its TCP sessions go silent, half-open.
    func cut(_ index: Int) throws { try Self.ip(Self.tool ?? "ip", ["link", "set", hosts[index].link, "down"]) }

    /// Brings host `index`'s link back up.
    func restore(_ index: Int) throws { try Self.ip(Self.tool ?? "ip", ["link", "set", hosts[index].link, "up"]) }

    /// Deletes the namespaces (which deletes their links). Never throws.
    func remove() {
        guard let tool = Self.tool else { return }
        for host in hosts {
            _ = try? SpawnedProcess.run([tool, "netns", "del", host.namespace])
            _ = try? SpawnedProcess.run([tool, "link", "del", host.link])
        }
    }

    /// Runs `ip <arguments>`; throws with its stderr when it fails.
    private static func ip(_ tool: String, _ arguments: [String]) throws {
        let result = try SpawnedProcess.run([tool] + arguments)
        try #require(
            result.succeeded, "ip \(arguments.joined(separator: " ")): \(result.ending): \(result.stderr.trimmed)")
    }

    /// Deletes the namespaces of earlier runs whose process is gone.
    private static func removeAbandoned(_ tool: String) {
        let listing = (try? SpawnedProcess.run([tool, "netns", "list"]).stdout) ?? ""
        for line in listing.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[0] == "vwcut", let pid = Int32(parts[1]), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { _ = try? SpawnedProcess.run([tool, "netns", "del", name]) }
        }
    }
}

extension String {
    /// The text without leading and trailing white space and newlines.
    fileprivate var trimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
