/// The repository's root folder, found from this file's path (`<root>/Tests/TestSupport/Repository.swift`), so that
/// the tests work in a clone anywhere.
public func repositoryRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

/// The whole of `name` in the shared development data (`../shared/data` next to the repository); a missing file
/// throws an error that says where it belongs and which tests need it (`purpose`).
public func readSharedData(_ name: String, purpose: String) throws -> [UInt8] {
    let path = repositoryRoot() + "/../shared/data/" + name
    do {
        return try readFile(path)
    } catch {
        throw FileReadError(
            description: "\(path) is missing: it is the shared development data (../shared/data next to the "
                + "repository); restore it there to run \(purpose)")
    }
}
