import ArgumentParser
import Foundation
import Logging

/// The process logger: lines on stderr, plain text or JSON (`--log-format`), level from
/// `USAGE_ETL_LOG_LEVEL` (default info). Bootstrapped once, when a command starts running.
enum Logging {
    /// How log lines are written.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    static let logger: Logger = {
        var logger = Logger(label: "usage-etl")
        let level = ProcessInfo.processInfo.environment["USAGE_ETL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .info
        return logger
    }()

    /// Chooses the line format; call once, before the first log line.
    static func bootstrap(_ format: Format) {
        LoggingSystem.bootstrap { label in
            switch format {
            case .text: RedactingLogHandler(inner: StreamLogHandler.standardError(label: label))
            case .json: RedactingLogHandler(inner: JSONLogHandler(label: label))
            }
        }
    }
}
