import Bodies
import Logging
import Postgres
import Synchronization
import UsageAPI
import Warehouse

/// `usage-etl archive compact`: the bodies of closed windows compressed again at a high zstd level,
/// on worker threads of their own, one body a statement. Bodies are archived at a fast level while
/// a run fetches them (the fetch must keep up with the API); months that no run refetches any more
/// can afford the CPU of a better ratio. Decompressed, a compacted body is the same bytes (its
/// SHA-256 is checked before it replaces the stored one), so replay reads old and new alike.
public struct ArchiveCompaction: Sendable {
    public let databaseURL: String
    public let logger: Logger

    public init(databaseURL: String, logger: Logger) {
        self.databaseURL = databaseURL
        self.logger = logger
    }

    /// What a compaction did.
    public struct Outcome: Sendable {
        public var bodies = 0
        public var failed = 0
        public var rawBytes = 0
        public var bytesBefore = 0
        public var bytesAfter = 0
        public var errors: [String] = []
        public var interrupted = false
    }

    /// Compresses again at `level` every body below it that only windows ending at or before
    /// `before` refer to, on `parallelism` threads.
    public func run(level: Int32, before: Int64, parallelism: Int, connection: PostgresConnection) throws -> Outcome {
        let queue = Mutex(try Archive(connection: connection).compactable(level: level, before: before).reversed() as [[UInt8]])
        let total = Mutex(Outcome())
        let count = queue.withLock { $0.count }
        logger.info("archive compact: \(count) bodies below level \(level)")
        _ = ConnectedWorkers.run(count: min(max(parallelism, 1), max(count, 1)), databaseURL: databaseURL,
                                 abandon: { queue.withLock { q in let n = q.count; q.removeAll(); return n } }) { connection, _, summary in
            let archive = Archive(connection: connection)
            while let digest = queue.withLock({ $0.popLast() }) {
                if StopSignal.isRequested {
                    total.withLock { $0.interrupted = true }
                    return
                }
                do {
                    guard let (stored, wasLevel) = try archive.body(digest) else { continue }
                    let again = try stored.recompressed(level: level)
                    // Never larger: a body that does not shrink keeps its bytes, marked as done.
                    let kept = again.zstd.count < stored.zstd.count ? again : stored
                    guard try archive.replace(kept, level: level, wasLevel: wasLevel) else { continue }
                    total.withLock {
                        $0.bodies += 1
                        $0.rawBytes += stored.rawBytes
                        $0.bytesBefore += stored.zstd.count
                        $0.bytesAfter += kept.zstd.count
                    }
                } catch {
                    let hex = digest.prefix(6).map { String(format: "%02x", $0) }.joined()
                    logger.error("archive compact: body \(hex)…: \(error)")
                    total.withLock {
                        $0.failed += 1
                        $0.errors.append("body \(hex)…: \(error)")
                    }
                }
            }
            _ = summary
        }
        return total.withLock { $0 }
    }
}
