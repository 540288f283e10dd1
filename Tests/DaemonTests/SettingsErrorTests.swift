import Daemon
import TestSupport
import Testing

/// A configuration that must be refused, and the exact problems it must report.
struct BadConfiguration: CustomStringConvertible, Sendable {
    /// What is wrong, for the test's name.
    var description: String
    /// The file's content.
    var yaml: String
    /// The environment.
    var environment: [String: String] = [:]
    /// The `--set` arguments.
    var overrides: [String] = []
    /// The problems, exactly, in order.
    var problems: [String]
}

@Suite("Settings: located errors")
struct SettingsErrorTests {
    static let cases: [BadConfiguration] = [
        BadConfiguration(
            description: "a number below its minimum",
            yaml: "# the source\nsource:\n  kind: postgres\n  table: public.metrics\n  key: id\n  mode: queue\n"
                + "  batch: 0\n",
            problems: [
                "vaewatch.yaml:7:3: source.batch: 0 is below the minimum 1 (most records per transaction, 1…100000)"
            ]),
        BadConfiguration(
            description: "a number above its maximum",
            yaml: "source:\n  table: t\nthreshold:\n  quantile: 1\n",
            problems: [
                "vaewatch.yaml:4:3: threshold.quantile: 1 is above the maximum 0.999999 (fraction of the training "
                    + "records scored at or below the threshold (applied at the next retrain), 0.5…0.999999)"
            ]),
        BadConfiguration(
            description: "an unknown setting with a suggestion",
            yaml: "source:\n  table: public.metrics\nsourc:\n  table: public.other\n",
            problems: ["vaewatch.yaml:4:3: unknown setting \"sourc.table\"; did you mean \"source.table\"?"]),
        BadConfiguration(
            description: "an unknown setting without a close name",
            yaml: "source:\n  table: t\ncolour: blue\n",
            problems: [
                "vaewatch.yaml:3:1: unknown setting \"colour\"; vaewatch check-config --markdown lists the settings"
            ]),
        BadConfiguration(
            description: "a section given a value",
            yaml: "source: public.metrics\n",
            problems: [
                "vaewatch.yaml:1:1: \"source\" is a section, not a setting; put its settings under it, such as "
                    + "source.kind",
                "source.table: a PostgreSQL source needs a table; set source.table (such as public.metrics), or set "
                    + "source.kind to stdin to read standard input",
            ]),
        BadConfiguration(
            description: "wrong types",
            yaml: "source:\n  table: t\n  batch: abc\n  poll: soon\n  mode: queu\nsink:\n  only_anomalies: maybe\n"
                + "model:\n  hidden: [64, x]\n  latent: [8]\n",
            problems: [
                "vaewatch.yaml:3:3: source.batch: expected a whole number, found \"abc\"",
                "vaewatch.yaml:4:3: source.poll: expected a number of seconds, found \"soon\"",
                "vaewatch.yaml:5:3: source.mode: expected one of queue, watermark, found \"queu\"; did you mean "
                    + "\"queue\"?",
                "vaewatch.yaml:7:3: sink.only_anomalies: expected true or false, found \"maybe\"",
                "vaewatch.yaml:9:3: model.hidden: expected a whole number in the list, found \"x\"",
                "vaewatch.yaml:10:3: model.latent: expected a whole number, found a list",
            ]),
        BadConfiguration(
            description: "a list item out of range, and too many items",
            yaml: "source:\n  table: t\nmodel:\n  hidden: [64, 0]\n",
            overrides: ["model.hidden=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1"],
            problems: [
                "vaewatch.yaml:4:3: model.hidden: 0 in the list is below the minimum 1 (widths of the encoder's "
                    + "hidden layers, outermost first; the decoder mirrors them, 1…4096)",
                "--set model.hidden=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1: model.hidden: 17 items; at most 16 are allowed "
                    + "(widths of the encoder's hidden layers, outermost first; the decoder mirrors them, 1…4096)",
            ]),
        BadConfiguration(
            description: "a null where a number is needed",
            yaml: "source:\n  table: t\n  batch:\n",
            problems: ["vaewatch.yaml:3:3: source.batch: expected a whole number, found nothing"]),
        BadConfiguration(
            description: "environment errors name the variable; VAEWATCH_FAULT is allowed",
            yaml: "source:\n  table: t\n",
            environment: [
                "VAEWATCH_SOURCE_BATCH": "lots", "VAEWATCH_SOURC_TABLE": "x", "VAEWATCH_FAULT": "hang_ingest",
                "VAEWATCH_WHATEVER_ELSE": "1", "OTHER": "ignored",
            ],
            problems: [
                "environment VAEWATCH_SOURCE_BATCH: source.batch: expected a whole number, found \"lots\"",
                "environment VAEWATCH_SOURC_TABLE: not a setting; did you mean VAEWATCH_SOURCE_TABLE?",
                "environment VAEWATCH_WHATEVER_ELSE: not a setting; unset it (vaewatch check-config --markdown "
                    + "lists the settings)",
            ]),
        BadConfiguration(
            description: "override errors name the --set argument",
            yaml: "source:\n  table: t\n",
            overrides: ["source.batch=0", "sourc.table=x", "batch"],
            problems: [
                "--set source.batch=0: source.batch: 0 is below the minimum 1 (most records per transaction, "
                    + "1…100000)",
                "--set sourc.table=x: unknown setting \"sourc.table\"; did you mean \"source.table\"?",
                "--set batch: expected NAME=VALUE, such as --set source.batch=1000",
            ]),
        BadConfiguration(
            description: "a PostgreSQL source without a table",
            yaml: "source:\n  kind: postgres\n",
            problems: [
                "vaewatch.yaml:2:3: source.table: a PostgreSQL source needs a table; set source.table (such as "
                    + "public.metrics), or set source.kind to stdin to read standard input"
            ]),
        BadConfiguration(
            description: "a stdout sink with a PostgreSQL source",
            yaml: "source:\n  table: t\nsink:\n  kind: stdout\n",
            problems: [
                "vaewatch.yaml:4:3: sink.kind: stdout needs source.kind stdin; a PostgreSQL source writes its verdicts "
                    + "to vaewatch.scores (sink.kind postgres)"
            ]),
        BadConfiguration(
            description: "a PostgreSQL sink with standard input",
            yaml: "source:\n  kind: stdin\nsink:\n  kind: postgres\n",
            problems: [
                "vaewatch.yaml:4:3: sink.kind: postgres needs source.kind postgres; with standard input, verdicts go "
                    + "to standard output (sink.kind stdout)"
            ]),
        BadConfiguration(
            description: "a password in database.url, a relative state folder, a column twice, an empty key",
            yaml: "source:\n  table: t\n  key: \"\"\n  columns: [a, b, a]\ndatabase:\n  url: host=db password=secret\n"
                + "state:\n  directory: var/lib/vaewatch\n",
            overrides: ["database.url=postgresql://vaewatch:secret@db/metrics"],
            problems: [
                "vaewatch.yaml:3:3: source.key: the key column cannot be empty; name the table's unique key, such "
                    + "as id",
                "vaewatch.yaml:4:3: source.columns: column \"a\" is listed twice; list each feature once",
                "vaewatch.yaml:6:3: database.url: holds a password; keep it out of the configuration and use a pgpass "
                    + "file (PGPASSFILE, or LoadCredential= in the unit) instead",
                "vaewatch.yaml:8:3: state.directory: \"var/lib/vaewatch\" is not an absolute path; give one that "
                    + "starts with /",
                // The password is hidden where the problem quotes the argument.
                "--set database.url=postgresql://vaewatch:***@db/metrics: database.url: holds a password; keep it "
                    + "out of the configuration and use a pgpass file (PGPASSFILE, or LoadCredential= in the unit) "
                    + "instead",
            ]),
        BadConfiguration(
            description: "a setting given twice in one file",
            yaml: "source.table: a\nsource:\n  table: b\n",
            problems: ["vaewatch.yaml:3:3: source.table: set twice; it is also set at line 1; keep one"]),
        BadConfiguration(
            description: "a mapping where a value is expected",
            yaml: "source:\n  table:\n    name: t\n",
            problems: [
                "vaewatch.yaml:2:3: source.table: expected text, found a mapping; write the value after \"table:\" on "
                    + "the same line"
            ]),
        BadConfiguration(
            description: "a top level that is not a mapping",
            yaml: "- source\n",
            overrides: ["source.table=t"],
            problems: [
                "vaewatch.yaml:1:1: expected settings as a YAML mapping, such as \"source:\" then \"  table: "
                    + "public.metrics\" on the next line"
            ]),
    ]

    @Test("each bad configuration reports exactly its located problems", arguments: cases)
    func reportsProblems(_ bad: BadConfiguration) throws {
        let file = try SettingsFile(bad.yaml)
        defer { file.remove() }
        let problems = file.problems(environment: bad.environment, overrides: bad.overrides)
        #expect(problems == bad.problems)
    }

    @Test("every problem is reported at once, file first, then the environment, then --set")
    func allProblemsAtOnce() throws {
        let file = try SettingsFile("source:\n  table: t\n  batch: 0\n  workers: -1\nlog:\n  levle: debug\n")
        defer { file.remove() }
        let problems = file.problems(
            environment: ["VAEWATCH_TRAINING_EPOCHS": "0"], overrides: ["training.threads=1000"])
        #expect(problems.count == 5, "\(problems)")
        #expect(
            problems.map { $0.split(separator: ":").first.map(String.init) ?? "" } == [
                "vaewatch.yaml", "vaewatch.yaml", "vaewatch.yaml", "environment VAEWATCH_TRAINING_EPOCHS",
                "--set training.threads=1000",
            ])
        #expect(problems[2] == "vaewatch.yaml:6:3: unknown setting \"log.levle\"; did you mean \"log.level\"?")
        do {
            _ = try file.load(environment: ["VAEWATCH_TRAINING_EPOCHS": "0"], overrides: ["training.threads=1000"])
            Issue.record("an invalid configuration was accepted")
        } catch {
            #expect(error.summary.hasSuffix("(and 4 more)"))
            #expect(error.description.split(separator: "\n").count == 5)
        }
    }

    @Test("a YAML syntax error is located")
    func syntaxError() throws {
        let file = try SettingsFile("source:\n  table: t\n   batch: 5\n")
        defer { file.remove() }
        let problems = file.problems()
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("vaewatch.yaml:3:") == true, "\(problems)")
        #expect(problems.first?.contains("not valid YAML: mapping values are not allowed in this context") == true)
    }

    @Test("a missing or unreadable file names the path and the system's reason")
    func unreadableFile() throws {
        let missing = "/nonexistent-vaewatch/vaewatch.yaml"
        do {
            _ = try Settings.load(file: missing, environment: ["VAEWATCH_SOURCE_BATCH": "x"], overrides: [])
            Issue.record("a missing file was accepted")
        } catch {
            #expect(
                error.problems.map(\.description) == [
                    "\(missing): cannot open the configuration file: No such file or directory (errno 2); check the "
                        + "path given to --config and that this user may read it",
                    "environment VAEWATCH_SOURCE_BATCH: source.batch: expected a whole number, found \"x\"",
                ])
        }
        let directory = try TestDirectory("settings")
        defer { directory.remove() }
        do {
            _ = try Settings.load(file: directory.path, environment: [:], overrides: ["source.table=t"])
            Issue.record("a directory was accepted as the configuration file")
        } catch {
            #expect(
                error.problems.map(\.description) == [
                    "\(directory.path): cannot read the configuration file: Is a directory (errno 21); check the path "
                        + "given to --config and that this user may read it"
                ])
        }
    }
}
