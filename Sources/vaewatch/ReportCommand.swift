import Detector
import ArgumentParser
internal import SystemIO
import PostgresStore
import RecordIO
import RecordParsing
import Report

#if canImport(Glibc)
    import Glibc
#endif

/// `vaewatch report`: scored records in, one SVG picture out.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draw scored records as an SVG chart: the score over time, the threshold, the flagged records.",
        discussion: """
            Reads verdicts, from a file written by `vaewatch score` or from vaewatch.scores in PostgreSQL, and \
            draws one picture that any web browser opens: the score of every record over time on a log scale, \
            the threshold as a step line (it moves when the model is retrained), every flagged record as a red \
            dot, and below, bars of the features that explain the flags (each feature's mean share of the \
            reconstruction error over the flagged records).

            From a file. JSON lines carry the features behind each score; CSV output has \
            none, so its report shows no feature bars:
              vaewatch score --input m.csv --ignore label --output jsonl > scored.jsonl
              vaewatch report --input scored.jsonl --out report.svg

            From the database: the most recent 100,000 verdicts of one source (the only \
            one, unless --source-name picks it), or the last N:
              vaewatch report --database dbname=metrics --source-name public.metrics
              vaewatch report --database dbname=metrics --last 5000 --out - > recent.svg

            From the database, the x axis is the time each record was scored. --time-column \
            draws against a time column of the source's table instead, joining each verdict \
            to its row by the key that init-db set up, so the picture lines up with the rows:
              vaewatch report --database dbname=metrics --time-column ts

            A million records still make a small file: the score line is drawn per pixel \
            column (its first, lowest, highest and last score), and flagged records get a \
            marker each up to 5,000, then one per pixel column; the caption says when \
            either happens. One line on stderr says what was drawn:
              vaewatch: wrote r.svg: 9,120 records, 41 flagged (0.45%), model versions 1–3

            Exit status: 0 written; 64 bad options (give exactly one of --input and --database); 65 a file that \
            is not the output of vaewatch score (the message says FILE:LINE: field: reason); 66 an input that \
            cannot be opened; 69 the database cannot be reached; 74 the report cannot be written; 78 no \
            verdicts for the source, no schema vaewatch in the database, or a --time-column that is not a \
            date/time column of the source's table (the message names those it has).
            """)

    @Option(
        help: ArgumentHelp(
            "A file written by vaewatch score (CSV or JSON lines), or - for standard input.", valueName: "path"))
    var input: String?

    @Option(
        help: ArgumentHelp(
            "The input's format: csv or jsonl. Default: from the name (.csv; .jsonl, .ndjson), else from the "
                + "first character ({ for JSON lines)."))
    var format: FormatOption?

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "Read vaewatch.scores from this database: a libpq connection string or URI, e.g. 'dbname=metrics'; "
                + "empty uses the PG* environment.", valueName: "conninfo"))
    var conninfo: String?

    @Option(
        help: ArgumentHelp(
            "With --database: the source whose verdicts to draw, as vaewatch.scores names it (schema.table unless "
                + "configured otherwise). Default: the only source with verdicts.", valueName: "name"))
    var sourceName: String?

    @Option(
        help: ArgumentHelp(
            "Draw only the most recent N records. Default: 100000 from the database, all of a file.",
            valueName: "n"))
    var last: Int?

    @Option(
        help: ArgumentHelp(
            "With --database: draw against this column of the source's table (timestamptz, timestamp or date; not "
                + "a number) instead of the time each record was scored; a timestamp without time zone is drawn as "
                + "UTC. Default: the time scored.", valueName: "column"))
    var timeColumn: String?

    @Option(help: ArgumentHelp("Where to write the SVG; - for standard output.", valueName: "path"))
    var out = "vaewatch-report.svg"

    @Option(help: ArgumentHelp("A title instead of \"vaewatch report: SOURCE\".", valueName: "text"))
    var title: String?

    /// The records drawn from the database when --last is not given.
    static let defaultDatabaseRows = 100_000

    func validate() throws {
        switch (input, conninfo) {
        case (nil, nil):
            throw ValidationError(
                "give --input FILE (the output of vaewatch score) or --database CONNINFO (with --source-name)")
        case (.some, .some): throw ValidationError("give either --input or --database, not both")
        default: break
        }
        if input != nil, sourceName != nil { throw ValidationError("--source-name goes with --database, not --input") }
        if input != nil, timeColumn != nil {
            throw ValidationError("--time-column goes with --database, not --input; a file is drawn by record number")
        }
        if timeColumn?.isEmpty == true { throw ValidationError("--time-column must name a column") }
        if conninfo != nil, format != nil { throw ValidationError("--format goes with --input, not --database") }
        if let last, last < 1 { throw ValidationError("--last must be at least 1, got \(last)") }
        if out.isEmpty { throw ValidationError("--out must name a file, or - for standard output") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        var data = try input.map(fileData) ?? databaseData(conninfo ?? "")
        data.title = title
        let summary = ReportSummary(data.points)
        guard try write(SVGReport.render(data), to: out) else {
            Terminal.printError("vaewatch: the output was closed by its reader; the report is incomplete")
            return
        }
        let written = out == "-" ? "the report to standard output" : out
        Terminal.printError("vaewatch: wrote \(written): \(summary.text)")
    }

    /// The verdicts of a file written by vaewatch score, or exits 64, 65 or 66.
    private func fileData(_ path: String) throws -> ReportData {
        if path == "-", Terminal.stdinIsTerminal {
            Terminal.printError("vaewatch: reading verdicts from the terminal; pipe in the output of vaewatch score")
        }
        let file: ScoredFile
        do {
            file = try ScoredFileReader.read(path: path, format: format?.format, last: last)
        } catch {
            throw fail(error.description, status: ExitStatus.of(error))
        }
        guard !file.records.isEmpty else {
            throw fail(
                "\(file.source) holds no records; it must be the output of vaewatch score", status: ExitStatus.data)
        }
        let points = file.records.map { Self.point(x: Double($0.number), $0.verdict) }
        var notes: [String] = []
        if file.totalRecords > file.records.count {
            notes.append(
                "Showing the last \(NumberText.count(file.records.count)) of the \(NumberText.count(file.totalRecords)) "
                    + "records of \(file.source) (--last).")
        }
        return ReportData(
            source: file.source, xAxis: .recordNumber, points: points, hasFeatureShares: file.hasFeatureShares,
            notes: notes)
    }

    /// A verdict read back (from a file or the table), drawn at `x`.
    private static func point(x: Double, _ verdict: ScoredRecord) -> ScoredPoint {
        ScoredPoint(
            x: x, score: verdict.score, threshold: verdict.threshold, isAnomaly: verdict.isAnomaly,
            modelVersion: verdict.modelVersion,
            top: verdict.top.map { ScoredRecord.Share(feature: $0.feature, share: $0.share) })
    }

    /// The most recent verdicts of one source in vaewatch.scores, or exits 64, 69, 70, 77 or 78.
    private func databaseData(_ conninfo: String) throws -> ReportData {
        let connection: Connection
        do {
            // A report reads up to --last rows at once: more time than the daemon's short statements get.
            connection = try Connection(
                ConnectionSettings(
                    conninfo: conninfo, applicationName: "vaewatch-cli", statementDeadline: .seconds(120),
                    statementTimeout: .seconds(110)))
        } catch {
            throw fail(
                "\(error.message)\nCheck --database (or PGHOST/PGDATABASE/PGUSER) and that the server is running.",
                status: error.kind == .configuration ? ExitStatus.usage : ExitStatus.unavailable)
        }
        let source = try sourceName ?? onlySource(on: connection)
        let limit = last ?? Self.defaultDatabaseRows
        let time: SourceTimeColumn?
        do {
            time = try timeColumn.map { column throws(PostgresError) in
                try SourceTimeColumn.resolve(source: source, column: column, on: connection)
            }
        } catch {
            throw fail(error, doing: "checking --time-column")
        }
        let history: ScoreHistory
        do {
            history = try ScoreHistory.read(source: source, last: limit, timeColumn: time, on: connection)
        } catch {
            throw fail(error, doing: "reading the verdicts of \(source)")
        }
        let points = history.rows.compactMap { row -> ScoredPoint? in
            guard let x = time == nil ? row.scoredAt : row.rowTime else { return nil }
            return Self.point(x: x, row.verdict)
        }
        var notes: [String] = []
        if history.totalRows > history.rows.count {
            notes.append(
                "Showing the most recent \(NumberText.count(history.rows.count)) of the "
                    + "\(NumberText.count(history.totalRows)) verdicts of \(source) (--last).")
        }
        if let time, points.count < history.rows.count {
            let missing = history.rows.count - points.count
            notes.append(
                "\(NumberText.count(missing)) of the verdicts \(missing == 1 ? "is" : "are") left out: the row is gone "
                    + "from \(time.table), or its \(time.column) is NULL.")
        }
        let xAxis = time.map { XAxisKind.rowTime(column: $0.column) } ?? .time
        return ReportData(source: source, xAxis: xAxis, points: points, hasFeatureShares: true, notes: notes)
    }

    /// The one source with verdicts, when --source-name is not given; exits 64 when there are several, 78 when none.
    private func onlySource(on connection: Connection) throws -> String {
        let sources: [(name: String, rows: Int)]
        do {
            sources = try ScoreHistory.sources(on: connection)
        } catch  where error.sqlState?.isUndefinedObject == true {
            throw fail(
                "this database has no vaewatch.scores; run vaewatch init-db on it first, or check --database",
                status: ExitStatus.configuration)
        } catch {
            throw fail(error, doing: "listing the sources in vaewatch.scores")
        }
        switch sources.count {
        case 0:
            throw fail(
                "vaewatch.scores holds no verdicts yet; score some first (vaewatch serve)",
                status: ExitStatus.configuration)
        case 1: return sources[0].name
        default:
            throw fail(
                "give --source-name: vaewatch.scores holds verdicts of "
                    + sources.map { "\($0.name) (\(NumberText.count($0.rows)))" }.joined(separator: ", "),
                status: ExitStatus.usage)
        }
    }

    /// Writes `svg` to `path` (a regular file is replaced atomically, so a reader never sees half a report; a device
    /// or FIFO is written in place) or to standard output for `-`; false when standard output was closed by its reader. Exits 74 when it cannot write.
    private func write(_ svg: String, to path: String) throws -> Bool {
        let bytes = Array(svg.utf8)
        if path == "-" {
            do throws(RecordIOError) {
                try OutputStream(descriptor: STDOUT_FILENO, name: "standard output").write(bytes)
                return true
            } catch {
                if error.code == .outputClosed { return false }
                throw fail("cannot write the report: \(error.description)", status: ExitStatus.ioError)
            }
        }
        do throws(SystemCallError) {
            try OutputFile.write(bytes, to: path, permissions: 0o644, noun: "report")
        } catch {
            throw fail(error.described(cannot: "write", path), status: ExitStatus.ioError)
        }
        return true
    }
}
