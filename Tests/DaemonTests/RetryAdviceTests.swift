import PostgresStore
import Testing

@testable import Daemon

/// ``RetryAdvice``: an error someone must fix says what to do; a wait does not pretend there is something to do.
@Suite struct RetryAdviceTests {
    @Test("a missing privilege names the GRANT; an unknown object and a bad value say what to check")
    func advice() {
        let denied = PostgresError(
            .statement, sqlState: SQLState("42501"), message: "permission denied for table metrics")
        #expect(
            RetryAdvice.text(for: denied, table: "public.metrics")
                == "permission denied for table metrics (SQLSTATE 42501); grant the daemon's role the privilege it "
                + "lacks (GRANT SELECT ON public.metrics TO vaewatch_daemon for the source table; sql/roles.sql "
                + "grants the rest); retrying meanwhile")
        let missing = PostgresError(.statement, sqlState: SQLState("42P01"), message: "relation does not exist")
        #expect(RetryAdvice.advice(for: missing, table: "t")?.contains("init-db") == true)
        let value = PostgresError(.statement, sqlState: SQLState("22P02"), message: "invalid input syntax")
        #expect(RetryAdvice.advice(for: value, table: "t")?.contains("fix the value") == true)
    }

    @Test("a lost connection or a deadlock is waited out: no advice")
    func noAdvice() {
        let lost = PostgresError(.connectionLost, message: "server closed the connection")
        #expect(RetryAdvice.text(for: lost, table: "t") == "server closed the connection")
        let deadlock = PostgresError(.statement, sqlState: SQLState("40P01"), message: "deadlock detected")
        #expect(RetryAdvice.advice(for: deadlock, table: "t") == nil)
    }
}
