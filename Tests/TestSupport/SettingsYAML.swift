/// YAML for `assignments` (dotted name, YAML value), nested by section in the order given.
public func settingsYAML(_ assignments: [(name: String, value: String)]) -> String {
    var sections: [(name: String, lines: [String])] = []
    for (name, value) in assignments {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        let line = "  \(parts[1]): \(value)"
        if let index = sections.firstIndex(where: { $0.name == parts[0] }) {
            sections[index].lines.append(line)
        } else {
            sections.append((parts[0], [line]))
        }
    }
    return sections.map { ([$0.name + ":"] + $0.lines).joined(separator: "\n") }.joined(separator: "\n") + "\n"
}
