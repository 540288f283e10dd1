internal import CLibPQ

extension Connection {
    /// Queues `query`, a statement whose rows nobody reads (`BEGIN`, `SAVEPOINT`, an `UPDATE`, a `pg_notify`), to
    /// go with the next statement this connection waits for, in the same round trip: ahead of it in one pipeline
    /// for ``execute(_:binary:)``, in the same simple query for ``copyIn(_:data:)``.
    ///
    /// Over a link with latency, round trips are what a batch costs: a transaction that queues its `BEGIN`, its
    /// savepoints and its bookkeeping takes a round trip for each statement whose answer it needs, and no more. A
    /// queued statement that fails fails that next statement (with the queued one's error), and the statements
    /// queued after it are not run; a closed connection drops what was queued.
    package func enqueue(_ query: Query) {
        queued.append(query)
    }

    /// The queued statements, leaving none.
    func takeQueued() -> [Query] {
        defer { queued.removeAll() }
        return queued
    }

    /// Runs `statements` in one round trip with libpq's pipeline mode (extended protocol, one Sync at the end) and
    /// returns the last statement's result, in binary format when `binary` is set.
    ///
    /// The server runs them in order and skips the rest after one fails (`PGRES_PIPELINE_ABORTED`); the first
    /// failure is thrown once the whole pipeline has been read, so the connection leaves pipeline mode idle. Inside
    /// a transaction block the Sync commits nothing: a failure leaves the transaction aborted, for the caller's
    /// `ROLLBACK`.
    func runPipeline(_ statements: [Query], binary: Bool, deadline: Deadline) throws(PostgresError) -> QueryResult {
        precondition(!statements.isEmpty, "Connection: an empty pipeline")
        let connection = try open()
        guard PQenterPipelineMode(connection) == 1 else { throw failure(connection, doing: "entering pipeline mode") }
        for (index, statement) in statements.enumerated() {
            try dispatch(statement, binary: binary && index == statements.count - 1, on: connection)
        }
        guard PQpipelineSync(connection) == 1 else { throw failure(connection, doing: "ending a pipeline") }
        try flush(connection, deadline: deadline)
        var answer: QueryResult?
        var firstError: PostgresError?
        for index in statements.indices {
            // Each statement's results, then nil.
            while let result = try nextResult(connection, deadline: deadline) {
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                    if index == statements.count - 1 { answer = QueryResult(result) } else { PQclear(result) }
                case PGRES_PIPELINE_ABORTED:
                    PQclear(result)
                default:
                    if firstError == nil { firstError = Self.statementError(result, connection) }
                    PQclear(result)
                }
            }
            guard PQstatus(connection) == CONNECTION_OK else { throw lost(connection, firstError) }
        }
        guard let sync = try nextResult(connection, deadline: deadline) else { throw lost(connection, firstError) }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(connection) == 1 else { throw lost(connection, firstError) }
        if let firstError { throw firstError }
        guard let answer else { throw PostgresError(.statement, message: "the server returned no result") }
        return answer
    }

    /// The pipeline ended other than with its Sync (the connection broke): closes the connection and says so.
    private func lost(_ connection: OpaquePointer, _ firstError: PostgresError?) -> PostgresError {
        let message = firstError?.message ?? Self.connectionMessage(connection)
        close()
        return PostgresError(.connectionLost, message: "lost the connection to \(target) in a pipeline: \(message)")
    }
}
