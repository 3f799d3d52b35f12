import Postgres

/// `etl.runs`: one row a command run, from start (`running`) to its outcome. The one writer of
/// that table.
public struct RunLog {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// What a finished run did, as recorded.
    public struct Totals: Sendable {
        public var outcome: String
        public var windowsDone: Int
        public var windowsFailed: Int
        public var pages: Int
        public var rows: Int
        public var bytes: Int
        /// At most 50 are kept.
        public var errors: [String]

        public init(outcome: String, windowsDone: Int, windowsFailed: Int, pages: Int, rows: Int, bytes: Int, errors: [String]) {
            self.outcome = outcome
            self.windowsDone = windowsDone
            self.windowsFailed = windowsFailed
            self.pages = pages
            self.rows = rows
            self.bytes = bytes
            self.errors = errors
        }
    }

    /// The latest run of any command.
    public struct LastRun: Sendable {
        public var command: String
        public var outcome: String?
        /// RFC 3339, UTC.
        public var startedAt: String
    }

    /// Records a run starting now; returns its id.
    public func begin(command: String, pid: Int, host: String) throws -> Int64 {
        try connection.query("""
            INSERT INTO etl.runs (command, outcome, pid, host) VALUES ($1, 'running', $2, $3) RETURNING run_id
            """, [.text(command), .int(pid), .text(host)]).single("etl.runs.run_id").decode(Int64.self)
    }

    /// The runs recorded as running by processes of `host`, with their process ids.
    public func running(onHost host: String) throws -> [(runID: Int64, pid: Int)] {
        try connection.query("SELECT run_id, pid FROM etl.runs WHERE outcome = 'running' AND host = $1", [.text(host)])
            .typedRows.compactMap { row in
                let (runID, pid) = try row.decode(Int64.self, Int?.self)
                return pid.map { (runID, $0) }
            }
    }

    /// Marks runs whose process ended without recording an outcome as `interrupted`.
    public func markInterrupted(_ runIDs: [Int64]) throws {
        guard !runIDs.isEmpty else { return }
        try connection.query("""
            UPDATE etl.runs SET outcome = 'interrupted', finished_at = coalesce(finished_at, now()),
                   errors = errors || ARRAY['the process ended without recording its outcome (killed?)']
            WHERE run_id = ANY($1::bigint[]) AND outcome = 'running'
            """, [PostgresArray.integers(runIDs)])
    }

    public func finish(_ runID: Int64, _ totals: Totals) throws {
        try connection.query("""
            UPDATE etl.runs SET finished_at = now(), outcome = $2, windows_done = $3, windows_failed = $4, pages = $5,
                   rows_loaded = $6, bytes_fetched = $7, errors = $8::text[]
            WHERE run_id = $1
            """, [.int64(runID), .text(totals.outcome), .int(totals.windowsDone), .int(totals.windowsFailed),
                  .int(totals.pages), .int(totals.rows), .int(totals.bytes), PostgresArray.text(Array(totals.errors.prefix(50)))])
    }

    /// When a run of `command` last succeeded (Unix seconds), 0 when never.
    public func lastSuccess(of command: String) throws -> Int64 {
        try connection.query("""
            SELECT coalesce(extract(epoch FROM max(finished_at)), 0)::bigint FROM etl.runs WHERE command = $1 AND outcome = 'succeeded'
            """, [.text(command)]).single("last success").decode(Int64.self)
    }

    public func lastRun() throws -> LastRun? {
        guard let row = try connection.query("""
            SELECT command, outcome, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM etl.runs ORDER BY run_id DESC LIMIT 1
            """).typedRows.first else { return nil }
        let (command, outcome, startedAt) = try row.decode(String.self, String?.self, String.self)
        return LastRun(command: command, outcome: outcome, startedAt: startedAt)
    }
}
