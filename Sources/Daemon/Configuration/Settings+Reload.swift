extension Settings {
    /// What a reload puts in force: `old` with the value of every reloadable setting taken from `fresh`, through the
    /// settings table's own read and write (so a setting marked reloadable is applied, and no other), with the
    /// names of the settings that changed: those applied, and those that take effect only after a restart.
    package static func reloaded(
        _ old: ServeConfiguration, with fresh: ServeConfiguration
    ) -> (configuration: ServeConfiguration, applied: [String], needRestart: [String]) {
        var merged = old
        for setting in all where setting.reloadable { setting.write(&merged, setting.read(fresh)) }
        let changes = reloadableDifferences(from: old, to: fresh)
        return (merged, changes.applied, changes.needRestart)
    }
}
