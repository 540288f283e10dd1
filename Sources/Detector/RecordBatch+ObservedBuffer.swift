import Compute

extension RecordBatch {
    /// Calls `body` with the observed mask's elements `[n, d]`, or nil when every value was observed.
    func withObservedBuffer<R>(_ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
        guard let observed else { return body(nil) }
        return observed.withUnsafeBufferPointer { body($0) }
    }
}
