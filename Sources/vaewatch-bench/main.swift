// vaewatch-bench: the speed figures of the compute core, one line each: name, value, unit.
//
// Reference model: d = 32, hidden [64, 32], k = 8, batch 256. Run through `scripts/bench` (release build).
import Compute
import VAE

#if canImport(Glibc)
    import Glibc
#endif

let repeats = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 5

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

let architecture = Architecture(inputWidth: 32, hiddenWidths: [64, 32], latentWidth: 8)
var rng = SeededGenerator(seed: 1)
let rows = 32_768
let data = Matrix(rows: rows, cols: 32) { _, _ in NormalSampler.next(&rng) }
let initial = try VAEModel(initializing: architecture, seed: 1)

func trainingThroughput(threads: Int) throws -> Double {
    let pool = ThreadPool(threadCount: threads)
    var configuration = TrainingConfiguration()
    configuration.epochs = 4
    configuration.batchSize = 256
    configuration.validationFraction = 0
    configuration.patience = 1_000
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        let result = try Trainer.train(initial, data: data, configuration: configuration, pool: pool)
        let seconds = now() - start
        samples.append(Double(result.summary.epochs * rows) / seconds)
    }
    return median(samples)
}

func scoringThroughput() -> Double {
    let model = initial
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        let scores = model.score(data)
        let seconds = now() - start
        precondition(scores.count == rows)
        samples.append(Double(rows) / seconds)
    }
    return median(samples)
}

let one = try trainingThroughput(threads: 1)
report("train.samples_per_s.threads_1", one, "samples/s")
let cores = ThreadPool.availableCores
if cores >= 2 {
    let two = try trainingThroughput(threads: 2)
    report("train.samples_per_s.threads_2", two, "samples/s")
    print("train.speedup.threads_2", Double(Int(two / one * 100)) / 100, "x")
}
if cores > 2 {
    let all = try trainingThroughput(threads: cores)
    report("train.samples_per_s.threads_\(cores)", all, "samples/s")
}
report("score.records_per_s.threads_1", scoringThroughput(), "records/s")
