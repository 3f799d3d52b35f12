import Foundation
import Logging

/// The process logger: plain lines on stderr (level from USAGE_ETL_LOG_LEVEL, default info).
enum Logging {
    static let logger: Logger = {
        var logger = Logger(label: "usage-etl") { label in StreamLogHandler.standardError(label: label) }
        let level = ProcessInfo.processInfo.environment["USAGE_ETL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .info
        return logger
    }()
}
