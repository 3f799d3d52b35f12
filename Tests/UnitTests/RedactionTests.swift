import Logging
import Synchronization
import Testing
@testable import UsageETLCLI

@Suite("Key redaction in log records")
struct RedactionTests {
    /// Where the capturing handler keeps the records it is given.
    final class Records: Sendable {
        let lines = Mutex<[String]>([])
    }

    /// Keeps the records it is given, as the handler behind the redacting one.
    struct Capture: LogHandler {
        let records: Records
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            let error = event.error.map { " error=\($0)" } ?? ""
            records.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)\(error)") }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String { "refused: Authorization: Bearer sk-admin-abcdef123456" }
    }

    @Test func messageMetadataAndErrorsLoseTheKeyAtEveryLevel() {
        let records = Records()
        let key = "sk-admin-abcdef123456"
        var logger = Logger(label: "test") { _ in RedactingLogHandler(inner: Capture(records: records)) }
        logger.logLevel = .trace
        logger[metadataKey: "config"] = "key=\(key)"
        for level in Logger.Level.allCases {
            logger.log(level: level, "using \(key)", error: Failure(), metadata: ["header": "Bearer \(key)"])
        }
        let written = records.lines.withLock { $0 }
        #expect(written.count == Logger.Level.allCases.count)
        for record in written {
            #expect(!record.contains("abcdef123456"), "\(record)")
            #expect(record.contains("[redacted key]"))
            #expect(record.contains("error=refused"))
        }
    }

    @Test func textWithoutKeysIsLeftAlone() {
        #expect(Redaction.apply("completions 1h 2026-11-01T00:00:00Z: 12 pages") == "completions 1h 2026-11-01T00:00:00Z: 12 pages")
        #expect(Redaction.looksLikeKey("sk-proj-abcdefgh"))
        #expect(!Redaction.looksLikeKey("--since"))
    }
}
