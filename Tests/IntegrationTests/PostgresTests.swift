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

    /// Every value sent in binary COPY reads back as the same value sent as text would: numerics
    /// with their display scale, timestamps at the ends of the years the decoder accepts, text
    /// that text COPY would escape, a bytea larger than the writer's buffer, nulls.
    @Test func binaryCopyGivesWhatTextInputGives() throws {
        try connection.execute(script: """
            DROP TABLE IF EXISTS binary_copied;
            CREATE TABLE binary_copied (i integer, n numeric, ts timestamptz, b bigint, t text, raw bytea)
            """)
        let numerics = ["0", "-0", "0.00", "-0.00", "12.50", "-12.50", "1.5e-7", "1.5E3", "3E+2", "1e0", "5e-1", "-1.25e-05",
                        "0.0001", "0.00010", "9999", "10000", "99999999", "100000000", "1.000", "1e-20", "7e20", "0.06375000000000001",
                        "12345678901234567.890123456789012345", "-98765432109876543210.0123456789", "0e5", "0.0e-3", "1234.5678e2"]
        let times: [Int64] = [0, 1_767_225_600, -1, -86_400 * 365 * 30 - 1, -62_135_596_800, 253_402_300_799]
        let texts = ["plain", "tab\tnewline\n back\\slash \\N", "héllo 😀", ""]
        let big = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let rows = max(numerics.count, times.count)
        let copied = try connection.copyIn(binary: "COPY binary_copied FROM STDIN (FORMAT binary)") { writer in
            for r in 0..<rows {
                try writer.beginRow(fields: 6)
                try writer.append(int32: r)
                if r < numerics.count { try writer.append(numericText: numerics[r]) } else { try writer.appendNull() }
                if r < times.count { try writer.append(timestamp: times[r]) } else { try writer.appendNull() }
                try writer.append(int64: r == 0 ? Int64.min : Int64.max - Int64(r))
                try writer.append(text: texts[r % texts.count])
                if r == 1 { try big.withUnsafeBytes { try writer.append(bytes: $0) } } else { try writer.appendNull() }
            }
        }
        #expect(copied == rows)
        for (r, text) in numerics.enumerated() {
            let check = try connection.query("SELECT n::text, $2::numeric::text, n = $2::numeric, scale(n) = scale($2::numeric) FROM binary_copied WHERE i = $1",
                                             [.int(r), .text(text)])
            #expect(check.rows[0][0] == check.rows[0][1], "\(text)")
            #expect(check.rows[0][2] == "t" && check.rows[0][3] == "t", "\(text)")
        }
        for (r, seconds) in times.enumerated() {
            let check = try connection.query("SELECT ts = to_timestamp($2) FROM binary_copied WHERE i = $1", [.int(r), .int64(seconds)])
            #expect(check.scalar == "t", "\(seconds)")
        }
        let other = try connection.query("SELECT b, t, md5(raw), (SELECT count(raw) FROM binary_copied) FROM binary_copied WHERE i = 1")
        #expect(other.rows[0][0] == String(Int64.max - 1))
        #expect(other.rows[0][1] == texts[1])
        #expect(other.rows[0][3] == "1")
        #expect(try connection.query("SELECT md5($1::bytea)", [.bytea(big)]).scalar == other.rows[0][2])
        #expect(try connection.query("SELECT b FROM binary_copied WHERE i = 0").scalar == String(Int64.min))
    }

    /// A value the binary form cannot carry fails the COPY with a message naming it, and the
    /// connection stays usable; nothing of the COPY is left.
    @Test func binaryCopyRefusesWhatItCannotCarry() throws {
        try connection.execute(script: "DROP TABLE IF EXISTS binary_refused; CREATE TABLE binary_refused (i integer, n numeric)")
        for bad in ["", "-", "1e", "1.2.3", "abc", "1e+", "--1", "NaN", "1e100001"] {
            do {
                try connection.copyIn(binary: "COPY binary_refused FROM STDIN (FORMAT binary)") { writer in
                    try writer.beginRow(fields: 2)
                    try writer.append(int32: 1)
                    try writer.append(numericText: bad)
                }
                Issue.record("\(bad) was accepted")
            } catch let error as BinaryCopyWriter.Unrepresentable {
                #expect(error.description.contains("numeric"))
            }
        }
        #expect(throws: BinaryCopyWriter.Unrepresentable.self) {
            try connection.copyIn(binary: "COPY binary_refused FROM STDIN (FORMAT binary)") { writer in
                try writer.beginRow(fields: 2)
                try writer.append(int32: Int(Int32.max) + 1)
                try writer.appendNull()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM binary_refused").scalar == "0")
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
