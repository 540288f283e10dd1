import PostgresStore
import Testing

@testable import Daemon

/// ``ConnectionBudget``: what the daemon opens, and the rule it checks that against at start.
@Suite struct ConnectionBudgetTests {
    /// The test cluster's limits: max_connections 100, 3 reserved for superusers, 10 sessions open.
    let cluster = ServerConnectionLimits(maxConnections: 100, superuserReserved: 3, inUse: 10)

    @Test(
        "queue mode opens a pipeline and a LISTEN connection per worker, plus one for the registry and one for the trainer lock"
    )
    func counts() {
        #expect(ConnectionBudget(pipelines: 2, listening: true).total == 6)
        #expect(ConnectionBudget(pipelines: 64, listening: true).total == 130)
        #expect(ConnectionBudget(pipelines: 1, listening: false).total == 2)
        #expect(
            ConnectionBudget(pipelines: 64, listening: true).breakdown
                == "130 connections (64 pipelines, 64 LISTEN connections, 1 for the model registry, 1 for the "
                + "trainer lock)")
    }

    @Test("the server allows max_connections − superuser_reserved − reserved, and no more than the role's limit")
    func allowed() {
        #expect(ConnectionBudget.allowed(cluster) == 97)
        #expect(ConnectionBudget.free(cluster) == 87)
        let sixteen = ServerConnectionLimits(maxConnections: 100, superuserReserved: 3, reserved: 5, inUse: 10)
        #expect(ConnectionBudget.allowed(sixteen) == 92)
        let role = ServerConnectionLimits(
            maxConnections: 100, superuserReserved: 3, inUse: 10, roleLimit: 4, roleInUse: 1)
        #expect(ConnectionBudget.allowed(role) == 4)
        #expect(ConnectionBudget.free(role) == 3)
    }

    @Test("a count above what the server allows can never fit; above what is free now, it is tight")
    func verdicts() {
        #expect(ConnectionBudget(pipelines: 2, listening: true).verdict(cluster) == .fits)
        #expect(ConnectionBudget(pipelines: 42, listening: true).verdict(cluster) == .fits)  // 86 of 87
        #expect(ConnectionBudget(pipelines: 43, listening: true).verdict(cluster) == .tight(free: 87))
        #expect(ConnectionBudget(pipelines: 47, listening: true).verdict(cluster) == .tight(free: 87))  // 96 of 97
        #expect(ConnectionBudget(pipelines: 48, listening: true).verdict(cluster) == .never(allowed: 97))
        let role = ServerConnectionLimits(maxConnections: 100, superuserReserved: 3, roleLimit: 3)
        #expect(ConnectionBudget(pipelines: 1, listening: true).verdict(role) == .never(allowed: 3))
        #expect(ConnectionBudget(pipelines: 1, listening: false).verdict(role) == .fits)
    }

    @Test("the refusal names both numbers, where the limit comes from, and the most workers that fit")
    func refusal() {
        let text = ConnectionBudget(pipelines: 64, listening: true).refusal(cluster)
        #expect(
            text
                == "source.workers: the daemon needs 130 connections (64 pipelines, 64 LISTEN connections, 1 for the "
                + "model registry, 1 for the trainer lock), but the server allows it 97 (max_connections 100 − "
                + "superuser_reserved_connections 3); set source.workers to at most 47, or raise max_connections on "
                + "the server")
        let role = ServerConnectionLimits(maxConnections: 100, superuserReserved: 3, roleLimit: 2)
        let roleText = ConnectionBudget(pipelines: 1, listening: true).refusal(role)
        #expect(roleText.contains("the role's CONNECTION LIMIT 2"), "\(roleText)")
        #expect(roleText.hasSuffix("raise max_connections on the server (or the role's CONNECTION LIMIT)"))
    }
}
