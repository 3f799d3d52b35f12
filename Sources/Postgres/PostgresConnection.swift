import CLibPQ
import Foundation

/// One libpq connection. Not `Sendable`: a `PGconn` must stay on one thread at a time,
/// so each worker owns its own connection.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Connects with a libpq connection string or URI (`postgresql://…`, `host=… dbname=…`).
    /// An empty string makes libpq read the `PG*` environment variables itself.
    public init(_ conninfo: String) throws {
        guard let conn = PQconnectdb(conninfo) else {
            throw PostgresError(operation: .connect, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(operation: .connect, sqlState: SQLState.unableToConnect.rawValue, message: message)
        }
        handle = conn
        // Quiet NOTICEs (e.g. "schema already exists") instead of libpq printing them to stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// True while the server connection is usable.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// The server's process id for this session (useful for lock and lease diagnostics).
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Runs one statement with parameters bound by libpq (`$1`, `$2`, …); values never enter the SQL text.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) throws -> QueryResult {
        let result = try execParams(sql, parameters)
        defer { PQclear(result) }
        return Self.collect(result)
    }

    /// Runs one statement and returns each cell's bytes as the binary result format gives them:
    /// a `bytea` column's raw bytes (no hex text to decode), a `text` column's UTF-8. Cast other
    /// types to text in the SQL. For large binary values such as archived bodies.
    public func queryBytes(_ sql: String, _ parameters: [PostgresValue] = []) throws -> [[[UInt8]?]] {
        let result = try execParams(sql, parameters, binaryResults: true)
        defer { PQclear(result) }
        return (0..<PQntuples(result)).map { r in
            (0..<PQnfields(result)).map { c -> [UInt8]? in
                guard PQgetisnull(result, r, c) == 0, let value = PQgetvalue(result, r, c) else { return nil }
                return [UInt8](UnsafeRawBufferPointer(start: value, count: Int(PQgetlength(result, r, c))))
            }
        }
    }

    /// Runs a script of one or more statements with no parameters (migrations, DDL).
    public func execute(script sql: String) throws {
        guard let result = PQexec(handle, sql) else { throw connectionError(sql) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw resultError(result, statement: sql, operation: .query)
        }
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute(script: "BEGIN")
        do {
            let value = try body()
            try execute(script: "COMMIT")
            return value
        } catch {
            if isHealthy { try? execute(script: "ROLLBACK") }
            throw error
        }
    }

    /// Streams rows into `COPY … FROM STDIN`. `body` writes text-format rows through the writer.
    /// Returns the number of rows the server reports as copied.
    @discardableResult
    public func copyIn(_ sql: String, _ body: (inout CopyWriter) throws -> Void) throws -> Int {
        try copy(sql) {
            var writer = CopyWriter(connection: self)
            try body(&writer)
            try writer.flush()
        }
    }

    /// Streams rows into `COPY … FROM STDIN (FORMAT binary)` (`sql` says so). `body` writes each
    /// row's fields in their binary forms; the header and trailer are written here.
    @discardableResult
    public func copyIn(binary sql: String, _ body: (inout BinaryCopyWriter) throws -> Void) throws -> Int {
        try copy(sql) {
            var writer = BinaryCopyWriter(connection: self)
            try body(&writer)
            try writer.finish()
        }
    }

    /// Starts the COPY, lets `send` put the data, ends it (aborted when `send` throws) and returns
    /// the rows copied.
    private func copy(_ sql: String, send: () throws -> Void) throws -> Int {
        guard let start = PQexec(handle, sql) else { throw connectionError(sql) }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            throw resultError(start, statement: sql, operation: .copy)
        }
        PQclear(start)
        var failure: Error?
        do {
            try send()
        } catch {
            failure = error
        }
        let endStatus: Int32 = failure == nil ? PQputCopyEnd(handle, nil) : PQputCopyEnd(handle, "aborted by client")
        if endStatus != 1 && failure == nil { failure = connectionError(sql) }
        var copied = 0
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                failure = resultError(result, statement: sql, operation: .copy)
            } else if let tuples = PQcmdTuples(result), let n = Int(String(cString: tuples)) {
                copied = n
            }
        }
        if let failure { throw failure }
        return copied
    }

    /// Sends raw COPY bytes; used by the writers.
    func putCopyData(_ bytes: UnsafeRawBufferPointer, statement: String) throws {
        guard bytes.count > 0 else { return }
        let rc = PQputCopyData(handle, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard rc == 1 else { throw connectionError(statement, operation: .copy) }
    }

    // MARK: - libpq plumbing

    private func execParams(_ sql: String, _ parameters: [PostgresValue], binaryResults: Bool = false) throws -> OpaquePointer {
        // All parameter bytes live in `storage` for the whole PQexecParams call.
        var storage: [[UInt8]?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        storage.reserveCapacity(parameters.count)
        for parameter in parameters {
            switch parameter {
            case .null:
                storage.append(nil); lengths.append(0); formats.append(0)
            case .text(let text):
                // libpq reads a text parameter up to its first NUL, and PostgreSQL text cannot hold
                // U+0000: it becomes U+FFFD rather than cutting the value (an error message, a cursor) short.
                var bytes = Array(text.utf8)
                if bytes.contains(0) { bytes = Array(String(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) }).utf8) }
                storage.append(bytes + [0]); lengths.append(0); formats.append(0)
            case .bytea(let bytes):
                // Shares the caller's buffer; an empty value gets one ignored byte so its pointer is not NULL.
                storage.append(bytes.isEmpty ? [0] : bytes); lengths.append(Int32(bytes.count)); formats.append(1)
            }
        }
        let result: OpaquePointer? = withPointers(storage) { pointers in
            PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, lengths, formats, binaryResults ? 1 : 0)
        }
        guard let result else { throw connectionError(sql) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            defer { PQclear(result) }
            throw resultError(result, statement: sql, operation: .query)
        }
        return result
    }

    private func withPointers<R>(_ storage: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        pointers.reserveCapacity(storage.count)
        func recurse(_ index: Int) -> R {
            if index == storage.count { return body(pointers) }
            guard let bytes = storage[index] else {
                pointers.append(nil)
                return recurse(index + 1)
            }
            return bytes.withUnsafeBytes { buffer in
                pointers.append(buffer.baseAddress?.assumingMemoryBound(to: CChar.self))
                return recurse(index + 1)
            }
        }
        return recurse(0)
    }

    private static func collect(_ result: OpaquePointer) -> QueryResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for c in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(c)))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var row: [String?] = []
            row.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    row.append(nil)
                } else {
                    row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            rows.append(row)
        }
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return QueryResult(columns: columns, rows: rows, affectedRows: affected)
    }

    private func connectionError(_ statement: String, operation: PostgresError.Operation = .query) -> PostgresError {
        PostgresError(operation: operation, sqlState: isHealthy ? nil : SQLState.connectionFailure.rawValue,
                      message: Self.trimmed(PQerrorMessage(handle)), statement: statement)
    }

    private func resultError(_ result: OpaquePointer, statement: String, operation: PostgresError.Operation) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let raw = PQresultErrorField(result, code) else { return nil }
            return String(cString: raw)
        }
        let primary = field(Int32(UInt8(ascii: "M"))) ?? Self.trimmed(PQresultErrorMessage(result))
        var sqlState = field(Int32(UInt8(ascii: "C")))
        if sqlState == nil && !isHealthy { sqlState = SQLState.connectionFailure.rawValue }
        return PostgresError(operation: operation, sqlState: sqlState,
                             message: primary.isEmpty ? Self.trimmed(PQerrorMessage(handle)) : primary,
                             detail: field(Int32(UInt8(ascii: "D"))), hint: field(Int32(UInt8(ascii: "H"))),
                             statement: statement)
    }

    private static func trimmed(_ raw: UnsafePointer<CChar>?) -> String {
        guard let raw else { return "unknown libpq error" }
        return String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
