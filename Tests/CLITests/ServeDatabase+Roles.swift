import TestSupport
import Testing

extension ServeDatabase {
    /// A new login role in `sql/roles.sql`'s group `vaewatch_daemon` (the least-privilege daemon role), for this
    /// database; with `selectOnSource`, the group may also read `public.metrics`, as roles.sql's header says to
    /// grant. Returns the role's name. The cluster trusts every local role, so no password is needed.
    func loginRole(selectOnSource: Bool) throws -> String {
        let script = try readFile(repositoryRoot() + "/sql/roles.sql")
        let sql = String(decoding: script, as: UTF8.self)
        // The group is global to the cluster: a test applying roles.sql at the same moment may win the race to
        // create it, which fails ours once; the second run finds it.
        do {
            try cluster.psql(sql, database: name)
        } catch {
            try cluster.psql(sql, database: name)
        }
        let role = "vw_ops_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try cluster.psql("CREATE ROLE \(role) LOGIN; GRANT vaewatch_daemon TO \(role)", database: name)
        if selectOnSource {
            try cluster.psql("GRANT SELECT ON public.metrics TO vaewatch_daemon", database: name)
        }
        return role
    }

    /// `database.url` for this database as `role`.
    func conninfo(user role: String) -> String {
        conninfo.replacing("user=postgres", with: "user=\(role)")
    }
}
