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

    /// Chooses the line format; call once, before the first log line. Text on a terminal goes
    /// through `Terminal` (above the progress line; info records only when USAGE_ETL_LOG_LEVEL asks
    /// for them, the progress line says the rest); `quiet` keeps warnings and errors only.
    static func bootstrap(_ format: Format, quiet: Bool = false, progressLine: Bool = true) {
        let asked = ProcessInfo.processInfo.environment["USAGE_ETL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        let minimum: Logger.Level = quiet ? .warning : .trace
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                if let terminal = Terminal.shared {
                    return RedactingLogHandler(inner: TerminalLogHandler(terminal: terminal,
                                                                         minimum: quiet ? .warning : asked ?? (progressLine ? .notice : .info)))
                }
                return RedactingLogHandler(inner: StreamLogHandler.standardError(label: label), minimum: minimum)
            case .json: return RedactingLogHandler(inner: JSONLogHandler(label: label), minimum: minimum)
            }
        }
    }
}
