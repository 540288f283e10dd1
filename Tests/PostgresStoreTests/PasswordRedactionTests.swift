import PostgresStore
import Testing

/// ``PasswordRedaction``: every password form libpq reads is hidden, wherever it sits in a message, and nothing
/// else changes.
@Suite("PostgresStore: passwords hidden in messages")
struct PasswordRedactionTests {
    @Test(
        "conninfo and URI passwords are hidden",
        arguments: [
            ("host=db password=s3cret dbname=m", "host=db password=*** dbname=m"),
            ("host=db password = 's3 cr\\'et' dbname=m", "host=db password = *** dbname=m"),
            ("PASSWORD=s3cret", "PASSWORD=***"),
            ("host=db sslpassword=s3cret", "host=db sslpassword=***"),
            ("postgresql://vw:s3cret@db/m", "postgresql://vw:***@db/m"),
            ("postgres://vw:s3/c?r@db:5432/m?sslmode=require", "postgres://vw:***@db:5432/m?sslmode=require"),
            (
                "postgresql://db/m?user=vw&password=s3cret&sslmode=require",
                "postgresql://db/m?user=vw&password=***&sslmode=require"
            ),
            (
                "end of string reached in URI: \"postgresql://vw:s3cret@[::1/m\"",
                "end of string reached in URI: \"postgresql://vw:***@[::1/m\""
            ),
            ("--set database.url=host=db password=s3cret", "--set database.url=host=db password=***"),
        ])
    func hidden(text: String, expected: String) {
        let redacted = PasswordRedaction.redacted(text)
        #expect(redacted == expected)
        #expect(!redacted.contains("s3"), "\(redacted)")
        #expect(PasswordRedaction.redacted(redacted) == redacted, "redacting twice changes nothing more")
    }

    @Test(
        "text without a password is unchanged",
        arguments: [
            "host=/run/postgresql dbname=metrics user=vaewatch",
            "postgresql://vaewatch@db.example:5432/metrics?application_name=x",
            "database.url: holds a password; keep it out of the configuration",
            "",
        ])
    func unchanged(text: String) {
        #expect(PasswordRedaction.redacted(text) == text)
    }
}
