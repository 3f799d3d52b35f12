import Bodies
import Postgres
import UsageAPI

/// A stored page whose bytes no longer match their recorded SHA-256, or do not decompress.
public struct ArchiveError: Error, CustomStringConvertible {
    public var windowID: Int64
    public var pageIndex: Int
    public var reason: String
    public var description: String { "archived page \(pageIndex) of window \(windowID) is unusable: \(reason)" }

    public init(windowID: Int64, pageIndex: Int, reason: String) {
        self.windowID = windowID
        self.pageIndex = pageIndex
        self.reason = reason
    }
}

/// The raw response archive in schema `raw`: bodies compressed once per distinct content.
public struct Archive {
    public let connection: PostgresConnection
    public init(connection: PostgresConnection) { self.connection = connection }

    /// Stores a page (its body once per distinct content) under its window, generation and index.
    /// Only `WindowStore.recordPage` calls this, in the transaction that advances the checkpoint.
    func store(windowID: Int64, generation: Int, pageIndex: Int, endpoint: String, requestQuery: String,
               status: Int, body: CompressedBody, nextPage: String?) throws {
        let digest = body.sha256
        let known = try connection.query("SELECT 1 FROM raw.bodies WHERE body_sha256 = $1", [.bytea(digest)]).count > 0
        if !known { try insert(body) }
        try connection.query("""
            INSERT INTO raw.pages (window_id, generation, page_index, endpoint, request_query, http_status, body_sha256, next_page)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (window_id, generation, page_index) DO UPDATE
            SET request_query = excluded.request_query, http_status = excluded.http_status,
                body_sha256 = excluded.body_sha256, next_page = excluded.next_page, fetched_at = now()
            """, [.int64(windowID), .int(generation), .int(pageIndex), .text(endpoint), .text(requestQuery),
                  .int(status), .bytea(digest), .optionalText(nextPage)])
    }

    /// Bodies that `compact` would compress again: below `level`, and only pages of windows that
    /// end at or before `before` (Unix seconds) refer to them; largest first, at most `limit`.
    public func compactable(level: Int32, before: Int64, limit: Int = 1_000_000) throws -> [[UInt8]] {
        try connection.queryBytes("""
            SELECT b.body_sha256 FROM raw.bodies b
            WHERE b.zstd_level < $1
              AND NOT EXISTS (SELECT 1 FROM raw.pages p JOIN etl.windows w USING (window_id)
                              WHERE p.body_sha256 = b.body_sha256 AND w.window_end > to_timestamp($2))
            ORDER BY b.raw_bytes DESC LIMIT $3
            """, [.int(Int(level)), .int64(before), .int(limit)]).compactMap { $0.first ?? nil }
    }

    /// One body with its level, by digest (nil when it is gone).
    public func body(_ digest: [UInt8]) throws -> (body: CompressedBody, level: Int)? {
        guard let row = try connection.queryBytes("""
            SELECT body_zstd, raw_bytes::text, zstd_level::text FROM raw.bodies WHERE body_sha256 = $1
            """, [.bytea(digest)]).first, let compressed = row[0],
              let rawBytes = row[1].flatMap({ Int(String(decoding: $0, as: UTF8.self)) }),
              let level = row[2].flatMap({ Int(String(decoding: $0, as: UTF8.self)) }) else { return nil }
        return (CompressedBody(zstd: compressed, sha256: digest, rawBytes: rawBytes), level)
    }

    /// Puts `body` (the same bytes, compressed again at `level`) in place of the stored one, in one
    /// statement; false when the stored body changed meanwhile (another compaction).
    public func replace(_ body: CompressedBody, level: Int32, wasLevel: Int) throws -> Bool {
        try connection.query("""
            UPDATE raw.bodies SET body_zstd = $2, compressed_bytes = $3, zstd_level = $4
            WHERE body_sha256 = $1 AND zstd_level = $5 AND raw_bytes = $6
            """, [.bytea(body.sha256), .bytea(body.zstd), .int(body.zstd.count), .int(Int(level)), .int(wasLevel), .int(body.rawBytes)]).affectedRows == 1
    }

    /// Adds a body to `raw.bodies` (unless a concurrent run just did). The body goes through a
    /// binary COPY in chunks, not as one statement parameter: libpq keeps the largest message it
    /// ever sent in its output buffer for the life of the connection, which for a page of several
    /// megabytes would stay resident in every worker.
    func insert(_ body: CompressedBody) throws {
        try connection.execute(script: """
            CREATE TEMP TABLE IF NOT EXISTS stage_body (body_sha256 bytea, raw_bytes integer, compressed_bytes integer, body_zstd bytea)
                ON COMMIT DELETE ROWS;
            TRUNCATE stage_body;
            """)
        try connection.copyIn(binary: "COPY stage_body FROM STDIN (FORMAT binary)") { writer in
            try writer.beginRow(fields: 4)
            try body.sha256.withUnsafeBytes { try writer.append(bytes: $0) }
            try writer.append(int32: body.rawBytes)
            try writer.append(int32: body.zstd.count)
            try body.zstd.withUnsafeBytes { try writer.append(bytes: $0) }
        }
        try connection.query("INSERT INTO raw.bodies SELECT * FROM stage_body ON CONFLICT DO NOTHING")
    }

    /// The compressed bodies of one fetch generation of a window, in page order. They are
    /// decompressed (and verified) piece by piece when read, see `CompressedBody.stream`.
    public func bodies(windowID: Int64, generation: Int) throws -> [CompressedBody] {
        let rows = try connection.queryBytes("""
            SELECT p.page_index::text, b.body_zstd, b.body_sha256, b.raw_bytes::text FROM raw.pages p JOIN raw.bodies b USING (body_sha256)
            WHERE p.window_id = $1 AND p.generation = $2 ORDER BY p.page_index
            """, [.int64(windowID), .int(generation)])
        return try rows.enumerated().map { position, row in
            let index = row[0].flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? -1
            guard index == position else { throw ArchiveError(windowID: windowID, pageIndex: position, reason: "missing from the archive") }
            guard let compressed = row[1], let digest = row[2], let rawBytes = row[3].flatMap({ Int(String(decoding: $0, as: UTF8.self)) }) else {
                throw ArchiveError(windowID: windowID, pageIndex: index, reason: "missing body")
            }
            return CompressedBody(zstd: compressed, sha256: digest, rawBytes: rawBytes)
        }
    }
}
