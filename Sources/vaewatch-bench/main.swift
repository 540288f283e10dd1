// vaewatch-bench: the speed figures of the compute core, one line each: name, value, unit.
//
// Reference model: the default network for d = 32 (hidden [64, 32], k = 8, learned variances), batch 256. Run
// through `scripts/bench` (release build).
import Compute
import Detector
import VAE

#if canImport(Glibc)
    import Glibc
#endif

// `vaewatch-bench generate ROWS PATH` writes the records benchmark's input; `vaewatch-bench parse N PATH` prints
// the parse-only rate. scripts/bench runs both, and times `vaewatch score` on the file itself.
// `vaewatch-bench postgres N CONNINFO` prints the PostgreSQL loop and latency figures (scripts/bench starts a
// private cluster for it). `vaewatch-bench checkpoint DIR` prints checkpoint write latency and throughput; with
// `--loop` it writes forever, for the kill test (C1).
let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "generate", let count = Int(arguments[2]) {
    try generateRecords(rows: count, to: arguments[3])
    exit(0)
}
if arguments.count == 4, arguments[1] == "parse", let runs = Int(arguments[2]) {
    let cores = ThreadPool.availableCores
    for threads in Set([1, cores]).sorted() {
        let pool = ThreadPool(threadCount: threads)
        let rates = try (0..<runs).map { _ in try parseRun(path: arguments[3], pool: pool) }
        report("parse.rows_per_s.threads_\(threads)", median(rates), "rows/s")
    }
    exit(0)
}

if arguments.count == 4, arguments[1] == "postgres", let runs = Int(arguments[2]) {
    try runPostgresBench(conninfo: arguments[3], runs: runs)
    exit(0)
}
if arguments.count >= 2, arguments[1] == "checkpoint" { exit(runCheckpointBench(Array(arguments.dropFirst(2)))) }
// `vaewatch-bench eval-split …` and `eval-metrics …`: the evaluation protocol's split and figures (scripts/eval).
if arguments.count >= 2, arguments[1] == "eval-split" { exit(runEvalSplit(Array(arguments.dropFirst(2)))) }
if arguments.count >= 2, arguments[1] == "eval-metrics" { exit(runEvalMetrics(Array(arguments.dropFirst(2)))) }

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print(name, String(Int(value.rounded())), unit)
}

let repeats = Int(arguments.dropFirst().first ?? "") ?? 5
let architecture = DetectorOptions().architecture(inputWidth: 32)
var rng = SeededGenerator(seed: 1)
let rows = 65_536
let data = Matrix(rows: rows, cols: 32) { _, _ in NormalSampler.next(&rng) }
let initial = try VAEModel(initializing: architecture, seed: 1)

/// Samples per second of one training run of 4 epochs over `data` on `pool`.
func trainingRun(on pool: ThreadPool) throws -> Double {
    var configuration = TrainingConfiguration()
    configuration.epochs = 4
    configuration.minimumSteps = 0  // a throughput: 4 epochs exactly
    configuration.batchSize = 256
    configuration.validationFraction = 0
    configuration.patience = 1_000
    let start = now()
    let result = try Trainer.train(initial, data: data, configuration: configuration, pool: pool)
    return Double(result.summary.epochs * rows) / (now() - start)
}

func scoringRun() -> Double {
    let start = now()
    let scores = initial.score(data)
    let seconds = now() - start
    precondition(scores.count == rows)
    return Double(rows) / seconds
}

// One-thread and two-thread runs alternate, so each speedup ratio compares runs made under the same conditions
// (this machine's second core is sometimes busy with work outside the process); the figures are medians.
let cores = ThreadPool.availableCores
let single = ThreadPool(threadCount: 1)
let pair = ThreadPool(threadCount: min(2, cores))
var one: [Double] = []
var two: [Double] = []
for _ in 0..<repeats {
    one.append(try trainingRun(on: single))
    if cores >= 2 { two.append(try trainingRun(on: pair)) }
}
report("train.samples_per_s.threads_1", median(one), "samples/s")
if cores >= 2 {
    report("train.samples_per_s.threads_2", median(two), "samples/s")
    let ratios = zip(one, two).map { $1 / $0 }
    print("train.speedup.threads_2", Double(Int(median(ratios) * 100)) / 100, "x")
    // The spread of the paired ratios: a low minimum means the second core was busy during some runs.
    print("train.speedup.threads_2.min", Double(Int(ratios.min()! * 100)) / 100, "x")
    print("train.speedup.threads_2.max", Double(Int(ratios.max()! * 100)) / 100, "x")
}
if cores > 2 {
    let all = ThreadPool(threadCount: cores)
    report(
        "train.samples_per_s.threads_\(cores)", median(try (0..<repeats).map { _ in try trainingRun(on: all) }),
        "samples/s")
}
report("score.records_per_s.threads_1", median((0..<repeats).map { _ in scoringRun() }), "records/s")

/// Milliseconds to fit the feature scaler (mean, deviation, percentiles) on 100,000 records of 32 features: the
/// first step of every training and of a retrain that refits the scaler.
func scalerFitRun() -> Double {
    let count = 100_000
    var generator = SeededGenerator(seed: 2)
    let batch = RecordBatch(
        keys: (0..<count).map(String.init),
        features: Matrix(rows: count, cols: 32) { _, _ in NormalSampler.next(&generator) })
    let start = now()
    let scaler = FeatureScaler.fit(batch)
    let milliseconds = (now() - start) * 1e3
    precondition(scaler.width == 32)
    return milliseconds
}
report("scaler.fit.ms.records_100000", median((0..<repeats).map { _ in scalerFitRun() }), "ms")
