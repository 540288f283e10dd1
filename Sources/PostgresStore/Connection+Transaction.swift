extension Connection {
    /// Runs `body` in one transaction: `BEGIN`, `body`, `COMMIT`, and returns what `body` returned once the
    /// `COMMIT` succeeded.
    ///
    /// The `BEGIN` is queued (``enqueue(_:)``) and goes with the body's first statement, and whatever the body
    /// queued goes with the `COMMIT`: a body that reads once and writes once costs the round trips of its reads and
    /// writes, and the `COMMIT`'s.
    ///
    /// A `COMMIT` that answers anything but `COMMIT` (`ROLLBACK`: the transaction had failed) throws a
    /// ``PostgresError/Kind/statement`` error, so nothing counts as committed that was not. When `body`, `BEGIN` or
    /// `COMMIT` throws, the error is rethrown after a `ROLLBACK` on a connection still open; a connection that is
    /// gone or missed its deadline (``PostgresError/needsReconnect``) is not rolled back (the server ends its
    /// transaction), and one whose `ROLLBACK` fails is closed, since its transaction state is then unknown.
    package func transaction<Result>(_ body: (Connection) throws(PostgresError) -> Result) throws(PostgresError)
        -> Result
    {
        do throws(PostgresError) {
            enqueue("BEGIN")
            let result = try body(self)
            let commit = try execute("COMMIT")
            guard commit.commandTag == "COMMIT" else {
                throw PostgresError(.statement, message: "COMMIT answered \(commit.commandTag); the batch is redone")
            }
            return result
        } catch {
            if !error.needsReconnect { rollBack() }
            throw error
        }
    }

    /// Ends a failed transaction with `ROLLBACK` when the connection is open; closes the connection when that fails.
    private func rollBack() {
        queued.removeAll()
        guard isOpen else { return }
        do throws(PostgresError) {
            try execute("ROLLBACK")
        } catch {
            close()
        }
    }
}
