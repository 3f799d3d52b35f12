import Digest
import Foundation
import JSON
import Postgres
import UsageAPI

/// Loads applications' own usage logs (NDJSON: one request a line) into `warehouse.local_usage`,
/// idempotently: a line already imported (same content, same occurrence in its file) adds nothing.
///
/// A line is `{"timestamp": "2026-01-05T10:00:00Z" | 1767607200, "model": "gpt-4o", "input_tokens": 120,
/// "output_tokens": 30, "project": "proj_…", "user": "user-…", "cost": 0.00042}`; `project_id` and
/// `user_id` are accepted for `project` and `user`; project, user and cost are optional.
public struct LocalUsageImporter {
    /// A line that was not imported, with where and why.
    public struct Rejection: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var reason: String
        public var description: String { "\(file):\(line): \(reason)" }
    }

    /// What one file contributed.
    public struct Outcome: Sendable {
        public var lines = 0
        public var inserted = 0
        public var rejected: [Rejection] = []
    }

    /// One accepted line, as it is stored.
    public struct Entry: Sendable {
        var digest: [UInt8]
        var occurrence: Int
        var line: Int
        public internal(set) var timestamp: Int64
        public internal(set) var model: String
        /// Token counts as decimal digits of a non-negative 64-bit integer.
        public internal(set) var input: String
        public internal(set) var output: String
        public internal(set) var project: String?
        public internal(set) var user: String?
        /// Exact number text a PostgreSQL numeric holds.
        public internal(set) var cost: String?
    }

    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Imports one file in one transaction: its good lines, whatever the bad ones.
    public func importFile(path: String, contents: [UInt8]) throws -> Outcome {
        var outcome = Outcome()
        var entries: [Entry] = []
        var seen: [[UInt8]: Int] = [:]
        var lineNumber = 0
        for raw in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Array(raw)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            outcome.lines += 1
            do {
                var entry = try Self.parse(line)
                entry.digest = SHA256.hash(line)
                entry.occurrence = seen[entry.digest, default: 0]
                seen[entry.digest] = entry.occurrence + 1
                entry.line = lineNumber
                entries.append(entry)
            } catch let reason as Reason {
                outcome.rejected.append(Rejection(file: path, line: lineNumber, reason: reason.text))
            }
        }
        guard !entries.isEmpty else { return outcome }
        outcome.inserted = try connection.transaction {
            try connection.execute(script: """
                CREATE TEMP TABLE IF NOT EXISTS stage_local_usage ON COMMIT DELETE ROWS AS
                SELECT line_sha256, occurrence, source_file, line_number, occurred_at, model, input_tokens, output_tokens,
                       project_id, user_id, cost
                FROM warehouse.local_usage WITH NO DATA;
                """)
            try connection.copyIn("""
                COPY stage_local_usage (line_sha256, occurrence, source_file, line_number, occurred_at, model, input_tokens,
                                        output_tokens, project_id, user_id, cost) FROM STDIN
                """) { writer in
                for entry in entries {
                    try writer.writeRow(["\\x" + entry.digest.map { String(format: "%02x", $0) }.joined(), String(entry.occurrence), path,
                                         String(entry.line), PostgresTimestamp.formatUnix(entry.timestamp), entry.model, entry.input,
                                         entry.output, entry.project, entry.user, entry.cost])
                }
            }
            let inserted = try connection.query("""
                WITH added AS (
                    INSERT INTO warehouse.local_usage (line_sha256, occurrence, source_file, line_number, occurred_at, model,
                                                       input_tokens, output_tokens, project_id, user_id, cost)
                    SELECT line_sha256, occurrence, source_file, line_number, occurred_at, model, input_tokens, output_tokens,
                           project_id, user_id, cost FROM stage_local_usage
                    ON CONFLICT (line_sha256, occurrence) DO NOTHING
                    RETURNING 1)
                SELECT count(*) FROM added
                """)
            return Int(inserted.scalar ?? "0") ?? 0
        }
        return outcome
    }

    /// Why a line was not imported.
    public struct Reason: Error, Sendable { public var text: String }

    /// Parses one line (without its newline); throws `Reason`.
    public static func parse(_ line: [UInt8]) throws -> Entry {
        let document: JSONValue
        do { document = try JSONParser.parse(line) } catch { throw Reason(text: "not JSON: \(error)") }
        guard case .object = document else { throw Reason(text: "expected a JSON object, found \(document.typeName)") }
        func text(_ keys: String...) throws -> String? {
            for key in keys {
                switch document[key] {
                case nil, .null?: continue
                case .string(let value)?:
                    // PostgreSQL text cannot hold U+0000; the line is refused rather than altered.
                    guard !value.utf8.contains(0) else { throw Reason(text: "'\(key)' contains U+0000") }
                    return value
                case let other?: throw Reason(text: "'\(key)' must be a string, found \(other.typeName)")
                }
            }
            return nil
        }
        func count(_ key: String) throws -> String {
            guard case .number(let value)? = document[key] else {
                throw Reason(text: document[key] == nil ? "missing '\(key)'" : "'\(key)' must be a number")
            }
            guard let parsed = Int64(value), parsed >= 0 else { throw Reason(text: "'\(key)' must be a non-negative integer, found \(value.prefix(40))") }
            return String(parsed)
        }
        let timestamp: Int64
        switch document["timestamp"] {
        case .string(let value)?:
            guard let parsed = UTCTime.parse(value) else {
                throw Reason(text: "'timestamp' \(value.prefix(40)) is not an RFC 3339 time between the years 1 and 9999")
            }
            timestamp = parsed
        case .number(let value)?:
            guard let parsed = Int64(value), UTCTime.supported.contains(parsed) else {
                throw Reason(text: "'timestamp' \(value.prefix(40)) is not whole Unix seconds between the years 1 and 9999")
            }
            timestamp = parsed
        case nil: throw Reason(text: "missing 'timestamp'")
        case let other?: throw Reason(text: "'timestamp' must be a string or a number, found \(other.typeName)")
        }
        guard let model = try text("model"), !model.isEmpty else { throw Reason(text: "missing 'model'") }
        var cost: String? = nil
        switch document["cost"] {
        case nil, .null?: break
        case .number(let value)?:
            guard DecimalText(value) != nil else { throw Reason(text: "'cost' \(value.prefix(40)) is beyond what a PostgreSQL numeric holds") }
            cost = value
        case .string(let value)?:
            // Decimal text is accepted when it is a JSON number PostgreSQL's numeric holds.
            guard case .number(let number)? = try? JSONParser.parse(Array(value.utf8)), DecimalText(number) != nil else {
                throw Reason(text: "'cost' must be a number, found the string '\(value.prefix(40))'")
            }
            cost = number
        case let other?: throw Reason(text: "'cost' must be a number, found \(other.typeName)")
        }
        return Entry(digest: [], occurrence: 0, line: 0, timestamp: timestamp, model: model, input: try count("input_tokens"),
                     output: try count("output_tokens"), project: try text("project", "project_id"), user: try text("user", "user_id"),
                     cost: cost)
    }
}
