import Foundation

/// Writes to standard output and standard error, with keys redacted.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((Redaction.apply(line) + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("usage-etl: " + Redaction.apply(line) + "\n").utf8))
    }
}
