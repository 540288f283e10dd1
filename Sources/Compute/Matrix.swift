/// A dense, row-major matrix of `Float`s that owns its storage.
///
/// Element `(r, c)` lives at `storage[r * cols + c]`. Shapes are checked on construction and by every
/// operation that combines matrices; a mismatch is a programming error and traps with both shapes.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Row-major elements, `rows * cols` of them.
    public private(set) var storage: [Float]

    /// A matrix with every element set to `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape [\(rows), \(cols)]")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: rows * cols)
    }

    /// A matrix over the given row-major elements.
    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape [\(rows), \(cols)]")
        precondition(
            storage.count == rows * cols,
            "Matrix: \(storage.count) elements cannot have shape [\(rows), \(cols)]")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// A matrix whose element `(r, c)` is `element(r, c)`.
    public init(rows: Int, cols: Int, element: (Int, Int) -> Float) {
        var storage: [Float] = []
        storage.reserveCapacity(rows * cols)
        for r in 0..<rows {
            for c in 0..<cols { storage.append(element(r, c)) }
        }
        self.init(rows: rows, cols: cols, storage: storage)
    }

    /// The element at row `r`, column `c`.
    public subscript(r: Int, c: Int) -> Float {
        get {
            precondition(r >= 0 && r < rows && c >= 0 && c < cols, "Matrix: (\(r), \(c)) outside [\(rows), \(cols)]")
            return storage[r * cols + c]
        }
        set {
            precondition(r >= 0 && r < rows && c >= 0 && c < cols, "Matrix: (\(r), \(c)) outside [\(rows), \(cols)]")
            storage[r * cols + c] = newValue
        }
    }

    /// A copy of row `r`.
    public func row(_ r: Int) -> [Float] {
        precondition(r >= 0 && r < rows, "Matrix: row \(r) outside [\(rows), \(cols)]")
        return Array(storage[r * cols..<(r + 1) * cols])
    }

    /// The transpose, `[cols, rows]`.
    public func transposed() -> Matrix {
        Matrix(rows: cols, cols: rows) { r, c in self.storage[c * self.cols + r] }
    }

    /// Calls `body` with a pointer to the row-major elements.
    public func withUnsafeBufferPointer<R, E: Error>(
        _ body: (UnsafeBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E> = storage.withUnsafeBufferPointer { buffer in
            do throws(E) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Calls `body` with a mutable pointer to the row-major elements.
    public mutating func withUnsafeMutableBufferPointer<R, E: Error>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E> = storage.withUnsafeMutableBufferPointer { buffer in
            do throws(E) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
