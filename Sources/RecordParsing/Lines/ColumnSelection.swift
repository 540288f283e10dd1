/// Which input columns are features, which one is the record key, and which are left alone; what the
/// `--columns`, `--key` and `--ignore` options say.
package struct ColumnSelection: Sendable, Equatable {
    /// The feature columns, in this order; nil means every column but the key and the ignored ones (or,
    /// with a model, the model's features).
    package var features: [String]?
    /// The column that identifies a record (kept in the output, never a feature); nil means the line number.
    package var key: String?
    /// Columns that are neither features nor the key (text, timestamps, labels).
    package var ignored: [String]
    /// The column that holds each record's time (`--time-column`), whose time of day and day of week the model takes
    /// as inputs; never a feature. nil: none.
    package var time: String?

    /// Creates a selection.
    package init(features: [String]? = nil, key: String? = nil, ignored: [String] = [], time: String? = nil) {
        self.features = features
        self.key = key
        self.ignored = ignored
        self.time = time
    }
}

/// The role of every column of an input, resolved against its header (CSV) or first object (JSON lines).
package struct ColumnPlan: Sendable, Equatable {
    /// For each input column: its feature slot, or ``keySlot``, ``timeSlot`` or ``ignoredSlot``.
    package var slots: [Int32]
    /// Names of the input columns, in input order.
    package var inputNames: [String]
    /// Names of the features, in feature order (the model's order when a model is given).
    package var featureNames: [String]
    /// Input columns that are not features, not the key and were not named by `--ignore`: with a model,
    /// the columns it does not use. Callers say so once.
    package var unusedColumns: [String]

    /// Slot value of the key column.
    package static let keySlot: Int32 = -2
    /// Slot value of a column that is not read.
    package static let ignoredSlot: Int32 = -1
    /// Slot value of the time column.
    package static let timeSlot: Int32 = -3

    /// Resolves `selection` against the column names of an input.
    ///
    /// - Parameter modelFeatures: the features a loaded model needs, in its order; nil without a model.
    package static func resolve(
        inputNames: [String], selection: ColumnSelection, modelFeatures: [String]?, source: String
    ) throws(RecordIOError) -> ColumnPlan {
        var position: [String: Int] = [:]
        var duplicates: Set<String> = []
        for (index, name) in inputNames.enumerated() {
            if position[name] != nil { duplicates.insert(name) } else { position[name] = index }
        }
        func lookup(_ name: String, _ option: String) throws(RecordIOError) -> Int {
            guard let index = position[name] else {
                throw RecordIOError(
                    .usage,
                    "\(source): \(option) names column \(name.debugDescription), which the input does not have; "
                        + "its columns are \(listed(inputNames))")
            }
            guard !duplicates.contains(name) else {
                throw RecordIOError(
                    .data, "\(source): column \(name.debugDescription) appears more than once in the header")
            }
            return index
        }
        var slots = [Int32](repeating: ignoredSlot, count: inputNames.count)
        var keyIndex: Int?
        if let key = selection.key {
            keyIndex = try lookup(key, "--key")
            slots[keyIndex!] = keySlot
        }
        var ignoredIndices: Set<Int> = []
        for name in selection.ignored { ignoredIndices.insert(try lookup(name, "--ignore")) }
        var timeIndex: Int?
        if let time = selection.time {
            let index = try lookup(time, "--time-column")
            guard index != keyIndex, !ignoredIndices.contains(index) else {
                throw RecordIOError(
                    .usage, "column \(time.debugDescription) cannot be both the time column and the key or ignored")
            }
            slots[index] = timeSlot
            timeIndex = index
        }

        let featureNames: [String]
        if let time = selection.time, selection.features?.contains(time) ?? modelFeatures?.contains(time) ?? false {
            throw RecordIOError(
                .usage,
                "column \(time.debugDescription) cannot be both a feature and the time column: a time is an input of "
                    + "the model, never a feature to explain; leave it out of --columns (or use a model trained "
                    + "without it as a feature)")
        }
        if let chosen = selection.features {
            if let modelFeatures, Set(chosen) != Set(modelFeatures) || chosen.count != modelFeatures.count {
                throw RecordIOError(
                    .usage,
                    "--columns \(listed(chosen)) differ from the features of the model \(listed(modelFeatures)); "
                        + "leave out --columns to use the model's, or train a model on these columns")
            }
            featureNames = modelFeatures ?? chosen
        } else if let modelFeatures {
            featureNames = modelFeatures
        } else {
            featureNames = inputNames.indices.filter {
                $0 != keyIndex && $0 != timeIndex && !ignoredIndices.contains($0)
            }.map { inputNames[$0] }
        }
        guard !featureNames.isEmpty else {
            throw RecordIOError(
                .usage, "\(source): no feature columns are left; its columns are \(listed(inputNames))")
        }
        for (slot, name) in featureNames.enumerated() {
            let option = modelFeatures != nil && selection.features == nil ? "the model" : "--columns"
            let index: Int
            if selection.features == nil && modelFeatures == nil {
                index = try lookup(name, "the header")
            } else if position[name] == nil, modelFeatures != nil, selection.features == nil {
                throw RecordIOError(
                    .data,
                    "\(source): the model needs column \(name.debugDescription), which the input does not have; "
                        + "its columns are \(listed(inputNames))")
            } else {
                index = try lookup(name, option)
            }
            guard slots[index] == ignoredSlot, !ignoredIndices.contains(index) else {
                throw RecordIOError(
                    .usage, "column \(name.debugDescription) cannot be both a feature and the key or ignored")
            }
            slots[index] = Int32(slot)
        }
        let unused = inputNames.indices.filter { slots[$0] == ignoredSlot && !ignoredIndices.contains($0) }
            .map { inputNames[$0] }
        return ColumnPlan(slots: slots, inputNames: inputNames, featureNames: featureNames, unusedColumns: unused)
    }

    /// The column that holds the key, if any.
    package var keyColumn: Int? { slots.firstIndex(of: Self.keySlot) }
    /// The name of the column that holds each record's time, if any.
    package var timeColumnName: String? { slots.firstIndex(of: Self.timeSlot).map { inputNames[$0] } }

    /// `["a", "b"]`, abbreviated after 20 names.
    static func listed(_ names: [String]) -> String {
        let shown = names.prefix(20).map(\.debugDescription).joined(separator: ", ")
        return "[" + shown + (names.count > 20 ? ", … \(names.count - 20) more" : "") + "]"
    }
}
