import Testing

@testable import RecordIO
@testable import RecordParsing

/// The CSV header parser and ``ColumnPlan/resolve(inputNames:selection:modelFeatures:source:)``: the roles
/// that `--columns`, `--key`, `--ignore` and a model give to the columns, and the errors for names that do not
/// fit the input.
@Suite struct ColumnPlanTests {
    private func header(_ text: String) throws(RecordIOError) -> [String] {
        try header(Array(text.utf8))
    }

    private func header(_ bytes: [UInt8]) throws(RecordIOError) -> [String] {
        var result: Result<[String], RecordIOError> = .success([])
        bytes.withUnsafeBytes { line in
            do throws(RecordIOError) {
                result = .success(try CSVLineParser.header(line, source: "in.csv"))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    private func headerError(_ bytes: [UInt8]) -> RecordIOError? {
        do {
            _ = try header(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func headerNamesAreTrimmedAndUnquoted() throws {
        #expect(try header("a, b ,\tc") == ["a", "b", "c"])
        #expect(try header("\"x \"\"y\"\"\", \"two, words\" ,z") == ["x \"y\"", "two, words", "z"])
        #expect(try header("cpu") == ["cpu"])
    }

    @Test func headerWithoutANameIsAnError() throws {
        let blank = headerError(Array("a,,c".utf8))
        #expect(blank?.code == .data)
        #expect(blank?.description == "in.csv:1: header field 2 has no name; every column needs a name")
        #expect(headerError(Array("a,b,".utf8))?.description.contains("header field 3 has no name") == true)
        #expect(headerError([])?.description.contains("the header line is empty") == true)
        #expect(headerError(Array("a,\"b".utf8))?.description.contains("a quoted name is not closed") == true)
        #expect(
            headerError(Array("\"a\"x,b".utf8))?.description == "in.csv:1: header field 1: text after the closing quote"
        )
        #expect(try header("\"a\" ,b") == ["a", "b"])
    }

    @Test func headerWithInvalidUTF8IsAnError() {
        let error = headerError([0x61, 0x2C, 0x62, 0xC3])
        #expect(error?.code == .data)
        #expect(error?.description == "in.csv:1: invalid UTF-8 at byte 4 (0xC3); the input must be UTF-8 text")
    }

    @Test func everyColumnIsAFeatureByDefault() throws {
        let plan = try RecordIOFixtures.plan(["a", "b", "c"])
        #expect(plan.slots == [0, 1, 2])
        #expect(plan.featureNames == ["a", "b", "c"])
        #expect(plan.keyColumn == nil)
        #expect(plan.unusedColumns.isEmpty)
    }

    @Test func columnsOptionChoosesAndOrdersFeatures() throws {
        let plan = try RecordIOFixtures.plan(["a", "b", "c"], columns: ["c", "a"])
        #expect(plan.featureNames == ["c", "a"])
        #expect(plan.slots == [1, ColumnPlan.ignoredSlot, 0])
        #expect(plan.unusedColumns == ["b"])
    }

    @Test func ignoreAndKeyOptionsTakeColumnsOut() throws {
        let plan = try RecordIOFixtures.plan(["id", "a", "when", "b"], key: "id", ignored: ["when"])
        #expect(plan.slots == [ColumnPlan.keySlot, 0, ColumnPlan.ignoredSlot, 1])
        #expect(plan.featureNames == ["a", "b"])
        #expect(plan.keyColumn == 0)
        #expect(plan.unusedColumns.isEmpty)
    }

    @Test func unknownNamesAreUsageErrorsListingTheColumns() {
        let names = ["a", "b", "c"]
        for error in [
            RecordIOFixtures.planError(names, columns: ["a", "x"]), RecordIOFixtures.planError(names, key: "x"),
            RecordIOFixtures.planError(names, ignored: ["x"]),
        ] {
            #expect(error?.code == .usage)
            #expect(error?.description.contains("column \"x\", which the input does not have") == true)
            #expect(error?.description.hasSuffix("its columns are [\"a\", \"b\", \"c\"]") == true)
        }
        #expect(RecordIOFixtures.planError(names, key: "x")?.description.contains("--key names") == true)
    }

    @Test func duplicateHeaderNamesAreAnErrorWhenUsed() throws {
        let error = RecordIOFixtures.planError(["a", "b", "a"])
        #expect(error?.code == .data)
        #expect(error?.description == "test.in: column \"a\" appears more than once in the header")
        // Columns that are never used may repeat.
        let plan = try RecordIOFixtures.plan(["a", "x", "x"], columns: ["a"])
        #expect(plan.featureNames == ["a"])
    }

    @Test func modelFeaturesComeInTheModelsOrder() throws {
        let plan = try RecordIOFixtures.plan(["a", "b", "c", "d"], modelFeatures: ["c", "a"])
        #expect(plan.featureNames == ["c", "a"])
        #expect(plan.slots == [1, ColumnPlan.ignoredSlot, 0, ColumnPlan.ignoredSlot])
        #expect(plan.unusedColumns == ["b", "d"])
    }

    @Test func modelFeatureMissingFromTheInputIsADataError() {
        let error = RecordIOFixtures.planError(["a", "b"], modelFeatures: ["a", "z"])
        #expect(error?.code == .data)
        #expect(error?.description.contains("the model needs column \"z\", which the input does not have") == true)
        #expect(error?.description.contains("[\"a\", \"b\"]") == true)
    }

    @Test func contradictoryOptionsAreUsageErrors() {
        let columnsVsModel = RecordIOFixtures.planError(
            ["a", "b", "c"], columns: ["a", "b"], modelFeatures: ["a", "c"])
        #expect(columnsVsModel?.code == .usage)
        #expect(columnsVsModel?.description.contains("differ from the features of the model") == true)
        let keyAsFeature = RecordIOFixtures.planError(["a", "b"], columns: ["a", "b"], key: "a")
        #expect(keyAsFeature?.code == .usage)
        let ignoredAsFeature = RecordIOFixtures.planError(["a", "b"], columns: ["a", "b"], ignored: ["b"])
        #expect(ignoredAsFeature?.code == .usage)
        let nothingLeft = RecordIOFixtures.planError(["id", "x"], key: "id", ignored: ["x"])
        #expect(nothingLeft?.code == .usage)
        #expect(nothingLeft?.description.contains("no feature columns are left") == true)
    }

    @Test func listingIsCutAfterTwentyNames() {
        let names = (1...25).map { "c\($0)" }
        let listed = ColumnPlan.listed(names)
        #expect(listed.hasPrefix("[\"c1\", \"c2\""))
        #expect(listed.hasSuffix("\"c20\", … 5 more]"))
    }
}
