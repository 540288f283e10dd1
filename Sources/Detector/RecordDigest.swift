/// A 64-bit digest of one record's values and missing values, so that a ``TrainingWindow`` can tell whether it
/// holds an identical record without comparing rows.
///
/// Two records are identical when every feature is either missing in both or observed in both with equal values
/// (0 and −0 are equal). Distinct records share a digest with a chance of about n / 2⁶⁴ for n records held; the
/// cost of that is one flagged record left out. Seeded per process, like every `Hasher`: never stored.
enum RecordDigest {
    /// The digest of `values[row]`, with `mask[row]` (nil: all observed) marking missing values.
    static func of(values: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<Float>?, row: Range<Int>) -> Int {
        var hasher = Hasher()
        for j in row {
            if let mask, mask[j] == 0 {
                hasher.combine(false)
            } else {
                hasher.combine(true)
                hasher.combine((values[j] + 0).bitPattern)  // + 0 turns −0 into +0.
            }
        }
        return hasher.finalize()
    }
}
