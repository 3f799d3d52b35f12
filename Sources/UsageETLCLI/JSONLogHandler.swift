import Foundation
import Logging

/// One JSON object per line on stderr, for log shippers: `ts`, `level`, `logger`, `message`, and
/// the metadata as string fields.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [("ts", Self.timestamp()), ("level", event.level.rawValue), ("logger", label),
                                          ("message", event.message.description)]
        if let error = event.error { fields.append(("error", "\(error)")) }
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() where !["ts", "level", "logger", "message", "error"].contains(key) {
            fields.append((key, merged[key]!.description))
        }
        var line = "{"
        for (i, (key, value)) in fields.enumerated() {
            if i > 0 { line += "," }
            line += Self.quote(key) + ":" + Self.quote(value)
        }
        line += "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
