import Detector
import Testing

@testable import RecordIO
@testable import RecordParsing

private typealias Fixtures = RecordIOFixtures

/// `--time-column`: ``TimestampParser``, the time slot of ``ColumnPlan``, and the CSV and JSON-lines parsers reading
/// a record's time, with located rejects for a record without one.
@Suite struct TimeColumnTests {
    private func seconds(_ text: String) -> Result<Double, TimestampParser.Failure> {
        Array(text.utf8).withUnsafeBytes { TimestampParser.parse($0) }
    }

    @Test("ISO 8601 dates and times, with and without a zone, and seconds since 1970")
    func timestampsParse() {
        // 2030-02-03T04:05:06Z is 1,896,321,906 s after 1970.
        let expected = 1_896_321_906.0
        for text in [
            "2030-02-03T04:05:06Z", "2030-02-03 04:05:06", "2030-02-03t04:05:06z", "2030-02-03 04:05:06+00",
            "2030-02-03T06:05:06+02:00", "2030-02-03T06:35:06+0230", "2030-02-02T23:05:06-05", "1896321906",
            "+1896321906", "1896321906.0",
        ] {
            #expect(seconds(text) == .success(expected), "\(text)")
        }
        #expect(seconds("2030-02-03T04:05:06.25Z") == .success(expected + 0.25))
        #expect(seconds("2030-02-03T04:05") == .success(expected - 6))
        #expect(seconds("2030-02-03") == .success(expected - 4 * 3_600 - 5 * 60 - 6))
        #expect(seconds("1970-01-01T00:00:00Z") == .success(0))
        #expect(seconds("1969-12-31T23:59:59Z") == .success(-1))
        #expect(seconds("2000-02-29T00:00:00Z") == .success(951_782_400))
        #expect(seconds("0001-01-01") == .success(TimestampParser.earliest))
        #expect(seconds("-86400.5") == .success(-86_400.5))
        #expect(seconds("2030-12-31T23:59:60Z") == seconds("2031-01-01T00:00:00Z"))
    }

    @Test("a field that is not a time, or not a valid one, is refused with the reason")
    func badTimestampsAreRefused() {
        for text in [
            "abc", "2030-02-03T", "2030-02-03T04", "2030-02-03T04:05:06Zx", "2030-2-3", "1e9", ".5", "1.",
            "2030-02-03T04:05:06+5", "2030-02-03 04:05:06 UTC", "--1",
        ] {
            #expect(seconds(text) == .failure(.notATime), "\(text)")
        }
        for text in [
            "2030-13-01", "2030-02-30", "2029-02-29", "2030-02-03T24:00:00Z", "2030-02-03T04:60:00Z",
            "0000-01-01", "2030-02-03T04:05:06+24:00", "99999999999999",
        ] {
            #expect(seconds(text) == .failure(.outOfRange), "\(text)")
        }
        #expect(seconds("") == .failure(.empty))
    }

    @Test("the time column is neither a feature nor ignored, and cannot be the key, ignored or a feature")
    func planGivesTheTimeColumnItsOwnSlot() throws {
        let plan = try Fixtures.plan(["ts", "cpu", "host", "mem"], key: "host", time: "ts")
        #expect(plan.featureNames == ["cpu", "mem"])
        #expect(plan.timeColumnName == "ts")
        #expect(plan.slots == [ColumnPlan.timeSlot, 0, ColumnPlan.keySlot, 1])
        #expect(plan.unusedColumns.isEmpty)
        #expect(
            Fixtures.planError(["ts", "cpu"], columns: ["ts", "cpu"], time: "ts")?.description.contains(
                "cannot be both a feature and the time column") == true)
        #expect(
            Fixtures.planError(["ts", "cpu"], modelFeatures: ["ts", "cpu"], time: "ts")?.description.contains(
                "cannot be both a feature and the time column") == true)
        #expect(
            Fixtures.planError(["ts", "cpu"], key: "ts", time: "ts")?.description.contains(
                "cannot be both the time column and the key or ignored") == true)
        #expect(
            Fixtures.planError(["cpu"], time: "ts")?.description
                == #"test.in: --time-column names column "ts", which the input does not have; its columns are ["cpu"]"#)
    }

    @Test("CSV: the time field is read into the record's time; an empty or bad one rejects the line, located")
    func csvReadsTheTime() throws {
        let plan = try Fixtures.plan(["ts", "cpu", "mem"], time: "ts")
        let line = Fixtures.csv("2030-02-03T04:05:06Z,1.5,2", plan: plan)
        #expect(line.missing == 0)
        #expect(line.features == [1.5, 2])
        #expect(line.time == 1_896_321_906)
        #expect(Fixtures.csv(#""1896321906",1.5,2"#, plan: plan).time == 1_896_321_906)
        #expect(
            Fixtures.csv(",1.5,2", plan: plan).reject?.message
                == "test.in:2: field 1 (ts): no time (the field is empty); every record needs its time")
        #expect(
            Fixtures.csv("yesterday,1.5,2", plan: plan).reject?.message
                == "test.in:2: field 1 (ts): not a time; write an ISO 8601 date and time (2030-02-03T04:05:06Z) or "
                + #"seconds since 1970: "yesterday""#)
        let last = try Fixtures.plan(["cpu", "ts"], time: "ts")
        #expect(
            Fixtures.csv("1.5,", plan: last).reject?.message
                == "test.in:2: field 2 (ts): no time (the field is empty); every record needs its time")
        #expect(
            Fixtures.csv("1.5,2030-02-30", plan: last).reject?.message
                == "test.in:2: field 2 (ts): not a valid time (a field is out of range, or the year is outside "
                + #"0001–9999): "2030-02-30""#)
    }

    @Test("JSON lines: a string or a number of seconds; null, a missing key or another type rejects the line")
    func jsonReadsTheTime() throws {
        let plan = try Fixtures.plan(["ts", "cpu"], time: "ts")
        #expect(Fixtures.json(#"{"ts": "2030-02-03T04:05:06Z", "cpu": 1}"#, plan: plan).time == 1_896_321_906)
        #expect(Fixtures.json(#"{"cpu": 1, "ts": 1896321906}"#, plan: plan).time == 1_896_321_906)
        #expect(Fixtures.json(#"{"ts": "2030-02-03T04:05:06\u005a", "cpu": 1}"#, plan: plan).time == 1_896_321_906)
        #expect(
            Fixtures.json(#"{"ts": null, "cpu": 1}"#, plan: plan).reject?.message
                == "test.in:2: field ts: no time (null); every record needs its time")
        #expect(
            Fixtures.json(#"{"cpu": 1}"#, plan: plan).reject?.message
                == "test.in:2: field ts: no time (the key is missing); every record needs its time")
        #expect(
            Fixtures.json(#"{"ts": true, "cpu": 1}"#, plan: plan).reject?.message
                == #"test.in:2: field ts: expected a time (a string or a number), found true or false "true""#)
        #expect(
            Fixtures.json(#"{"ts": "soon", "cpu": 1}"#, plan: plan).reject?.message
                == "test.in:2: field ts: not a time; write an ISO 8601 date and time (2030-02-03T04:05:06Z) or "
                + #"seconds since 1970: "\"soon\"""#)
    }

    @Test("the parser hands on each accepted line's time, in order, with bad lines squeezed out")
    func recordParserCarriesTimes() throws {
        let plan = try Fixtures.plan(["ts", "cpu"], time: "ts")
        let lines = RecordIOLines("1000,1\nbad,2\n\n3000,3\n", firstNumber: 2)
        let parser = RecordParser(format: .csv, plan: plan, source: "in", strict: false)
        let parsed = parser.parse(lines.batch, pool: nil)
        #expect(parsed.times == [1000, 3000])
        #expect(parsed.features == [1, 3])
        #expect(parsed.rejects.map(\.line) == [3])
        let untimed = RecordParser(
            format: .csv, plan: try Fixtures.plan(["ts", "cpu"], ignored: ["ts"]), source: "in", strict: false)
        #expect(untimed.parse(lines.batch, pool: nil).times == nil)
        #expect(parsed.recordBatch(width: 1).times == [1000, 3000])
        #expect(parsed.rows(1..<2).times == [3000])
    }
}
