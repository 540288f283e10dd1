import ArgumentParser
import RecordIO
import RecordParsing

/// A text format, as an option value.
enum FormatOption: String, ExpressibleByArgument, CaseIterable {
    case csv, jsonl

    var format: RecordFormat { self == .csv ? .csv : .jsonl }
}

/// Where records come from and which columns are features.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Records to read: a file, or - for standard input.", valueName: "path"))
    var input = "-"

    @Option(
        help: ArgumentHelp(
            "Input format: csv (with a header line) or jsonl (one JSON object per line). "
                + "Default: jsonl for names ending .jsonl or .ndjson, else csv."))
    var format: FormatOption?

    @Option(
        help: ArgumentHelp(
            "Feature columns, comma separated. Default: every column but the key and the ignored ones "
                + "(with --model, the model's features).", valueName: "names"))
    var columns: String?

    @Option(
        help: ArgumentHelp(
            "Column that identifies a record: kept in the output, never a feature. Default: the line number.",
            valueName: "name"))
    var key: String?

    @Option(
        help: ArgumentHelp(
            "Columns to leave out, comma separated (text, timestamps, labels).", valueName: "names"))
    var ignore: String?

    @Option(
        help: ArgumentHelp(
            "Column that holds each record's time: an ISO 8601 date and time (2030-02-03T04:05:06Z; UTC without a "
                + "zone) or seconds since 1970. Its time of day and day of week become inputs of the model, which then "
                + "learns what is normal when (daytime traffic at night stands out); never a feature, never named as "
                + "explaining a score. A line without a valid time is rejected. A model trained with a time column "
                + "needs it, and one trained without refuses it.", valueName: "name"))
    var timeColumn: String?

    @Flag(help: "Stop at the first bad line with exit status 65, instead of rejecting it and going on.")
    var strict = false

    @Option(
        help: ArgumentHelp(
            "Append each rejected line (location and reason) to this JSON-lines file.", valueName: "path"))
    var rejects: String?

    @Option(
        help: ArgumentHelp(
            "Longest line accepted, in bytes; a longer line is rejected without being held in memory.",
            valueName: "bytes"))
    var maxLineBytes = 1 << 20

    func validate() throws {
        guard maxLineBytes >= 16 else {
            throw ValidationError("--max-line-bytes must be at least 16, got \(maxLineBytes)")
        }
    }

    /// Says so on stderr when records are to come from a terminal, where a forgotten `--input` would otherwise
    /// look like a hang.
    func warnIfReadingTerminal() {
        if input == "-", Terminal.stdinIsTerminal {
            Terminal.printError(
                "vaewatch: reading records from the terminal; give --input FILE or pipe records in (Ctrl-D ends)")
        }
    }

    /// The input's format: the option, or a guess from the file name.
    var resolvedFormat: RecordFormat {
        if let format { return format.format }
        return input.hasSuffix(".jsonl") || input.hasSuffix(".ndjson") ? .jsonl : .csv
    }

    /// The column options as a selection.
    var selection: ColumnSelection {
        ColumnSelection(
            features: columns.map(Self.names), key: key, ignored: ignore.map(Self.names) ?? [], time: timeColumn)
    }

    /// Comma-separated names, trimmed.
    static func names(_ list: String) -> [String] {
        list.split(separator: ",").map { String($0.trimmingPrefix(" ")).trimmingSuffix(" ") }
    }
}

extension String {
    /// The string without trailing copies of `character`.
    fileprivate func trimmingSuffix(_ character: Character) -> String {
        var text = self
        while text.last == character { text.removeLast() }
        return text
    }
}
