import Foundation

/// Writes to standard output and standard error, with keys redacted.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((Redaction.apply(line) + "\n").utf8))
    }

    static func error(_ line: String) {
        let text = "usage-etl: " + Redaction.apply(line) + "\n"
        // On a terminal, above the status line (if one is showing), never glued to it.
        if let terminal = Terminal.shared { terminal.print(text) } else { FileHandle.standardError.write(Data(text.utf8)) }
    }
}
