import Foundation
import Postgres
import TestSupport
import Testing

@Suite("PostgreSQL wrapper against a real server")
struct PostgresTests {
    let connection: PostgresConnection

    init() throws {
        connection = try PostgresConnection(try TestDatabase.shared("test_postgres"))
    }

    @Test func parametersRoundTripExactly() throws {
        let bytes: [UInt8] = [0, 1, 2, 0x5C, 0x27, 255, 10, 13, 9]
        let result = try connection.query(
            "SELECT $1::text AS t, $2::bigint AS b, $3::numeric AS n, $4::timestamptz AS ts, $5::bytea AS raw, $6::text AS missing",
            [.text("héllo 'quoted' \\ back\tslash"), .int64(Int64.max), .numeric("0.06375000000000001"),
             .unixSeconds(1_767_225_600), .bytea(bytes), .null])
        #expect(result[0, "t"] == "héllo 'quoted' \\ back\tslash")
        #expect(result.int64(0, "b") == Int64.max)
        #expect(result[0, "n"] == "0.06375000000000001")
        #expect(result[0, "ts"] == "2026-01-01 00:00:00+00")
        #expect(result.bytes(0, "raw") == bytes)
        #expect(result[0, "missing"] == nil)
    }

    @Test func numericKeepsEighteenPlusDigits() throws {
        let value = "12345678901234567.890123456789012345"
        let result = try connection.query("SELECT ($1::numeric + 0)::text", [.numeric(value)])
        #expect(result.scalar == value)
    }

    @Test func errorsCarrySQLStateAndStatement() throws {
        do {
            try connection.query("SELECT * FROM no_such_table WHERE x = $1", [.text("secret-value")])
            Issue.record("expected an error")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42P01")
            #expect(error.message.contains("no_such_table"))
            #expect(error.statement == "SELECT * FROM no_such_table WHERE x = $1")
            #expect(!error.description.contains("secret-value"))
        }
    }

    @Test func transactionRollsBackOnError() throws {
        try connection.execute(script: "DROP TABLE IF EXISTS tx; CREATE TABLE tx (id int)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try connection.transaction {
                try connection.query("INSERT INTO tx VALUES (1)")
                throw Boom()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM tx").scalar == "0")
        try connection.transaction { try connection.query("INSERT INTO tx VALUES (2)") }
        #expect(try connection.query("SELECT count(*) FROM tx").scalar == "1")
    }

    @Test func copyOfOneHundredThousandRowsLandsExactly() throws {
        try connection.execute(script: "DROP TABLE IF EXISTS copied; CREATE TABLE copied (id bigint, label text, amount numeric)")
        let copied = try connection.copyIn("COPY copied (id, label, amount) FROM STDIN") { writer in
            for i in 0..<100_000 {
                try writer.writeRow([String(i), i % 7 == 0 ? nil : "row\t\(i)\\\n", "0.\(i)00000000000000001"])
            }
        }
        #expect(copied == 100_000)
        let check = try connection.query("""
            SELECT count(*), sum(id), count(label), sum(amount)::text,
                   (SELECT label FROM copied WHERE id = 1)
            FROM copied
            """)
        #expect(check.rows[0][0] == "100000")
        #expect(check.rows[0][1] == String((0..<100_000).reduce(0, +)))
        #expect(check.rows[0][2] == String(100_000 - (100_000 + 6) / 7))
        #expect(check.rows[0][4] == "row\t1\\\n")
        // Sum of 0.i00000000000000001 for all i: compare in SQL with exact arithmetic.
        let exact = try connection.query("""
            SELECT sum(('0.' || g::text || '00000000000000001')::numeric)::text FROM generate_series(0, 99999) g
            """).scalar
        #expect(check.rows[0][3] == exact)
    }

    @Test func copyErrorIsReportedAndConnectionStaysUsable() throws {
        try connection.execute(script: "DROP TABLE IF EXISTS typed; CREATE TABLE typed (n int)")
        #expect(throws: PostgresError.self) {
            try connection.copyIn("COPY typed (n) FROM STDIN") { writer in
                try writer.writeRow(["not a number"])
            }
        }
        #expect(try connection.query("SELECT 1").scalar == "1")
    }

    @Test func connectFailureIsTyped() {
        do {
            _ = try PostgresConnection("postgresql:///nope?host=/nonexistent-dir&connect_timeout=2")
            Issue.record("expected a connection error")
        } catch let error as PostgresError {
            #expect(error.operation == .connect)
            #expect(error.isConnectionFailure)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
