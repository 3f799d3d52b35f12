import Foundation
import Logging
import Synchronization

/// The one writer of standard error when it is a terminal: log records are printed above a live
/// status line, which is cleared first and drawn again after, so nothing is ever glued to it. The
/// status line is cut to the terminal's width (it never wraps). Not used when stderr is not a
/// terminal or logs are JSON: then there is no status line and no escape code at all.
final class Terminal: Sendable {
    /// The terminal on stderr, when stderr is one that understands escape codes (not TERM=dumb,
    /// an Emacs shell for one: there, as off a terminal, plain lines and no escape code).
    static let shared: Terminal? = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb" ? Terminal() : nil

    /// Colour for level names, unless `NO_COLOR` is set (https://no-color.org) or TERM is dumb.
    let colour: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["NO_COLOR"].map { $0.isEmpty } ?? true && environment["TERM"] != "dumb"
    }()

    private struct State {
        var status: String?
        /// Columns of the status line drawn last, and the width it was drawn at.
        var drawnColumns = 0
        var drawnWidth = 0
    }
    private let state = Mutex(State())

    /// Prints `line` (one or more lines of text) above the status line.
    func print(_ line: String) {
        state.withLock { s in
            var out = s.status == nil ? "" : clear(&s)
            out += line.hasSuffix("\n") ? line : line + "\n"
            if let status = s.status { out += draw(status, &s) }
            write(out)
        }
    }

    /// Shows `text` as the status line (nil removes it, leaving the line empty).
    func status(_ text: String?) {
        state.withLock { s in
            s.status = text
            write(clear(&s) + (text.map { draw($0, &s) } ?? ""))
        }
    }

    /// Clears the status line drawn last: the row the cursor is on, and the rows above it that a
    /// terminal made narrower since has wrapped it onto.
    private func clear(_ s: inout State) -> String {
        let now = width
        let rows = now < s.drawnWidth && s.drawnColumns > now ? (s.drawnColumns + now - 1) / now : 1
        s.drawnColumns = 0
        return "\r\u{1B}[2K" + String(repeating: "\u{1B}[1A\u{1B}[2K", count: max(rows - 1, 0))
    }

    private func draw(_ text: String, _ s: inout State) -> String {
        let line = fitted(text)
        (s.drawnColumns, s.drawnWidth) = (line.count, width)
        return line
    }

    /// The terminal's width in columns (80 when it cannot be told).
    var width: Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 80
    }

    /// `text` cut to three columns less than the width: the cursor never wraps to a new line, even
    /// when the terminal echoes `^C` after it.
    private func fitted(_ text: String) -> String {
        let room = max(width - 3, 8)
        return text.count <= room ? text : String(text.prefix(room - 1)) + "…"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Log records on a terminal, printed through `Terminal` above the status line: UTC time, level (in
/// colour unless NO_COLOR), message and metadata. Records below `minimum` are dropped: on a
/// terminal the progress line says what the per-window info lines would (they stay in
/// `--log-format json` and in plain stderr), and `--quiet` keeps warnings and errors only.
struct TerminalLogHandler: LogHandler {
    let terminal: Terminal
    let minimum: Logger.Level
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= minimum else { return }
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let seconds = Int(Date().timeIntervalSince1970) % 86_400
        let time = String(format: "%02d:%02d:%02dZ", seconds / 3600, seconds % 3600 / 60, seconds % 60)
        terminal.print("\(time) \(label(event.level)) \(event.message)\(fields)")
    }

    private func label(_ level: Logger.Level) -> String {
        guard terminal.colour else { return level.rawValue }
        switch level {
        case .warning: return "\u{1B}[33m\(level.rawValue)\u{1B}[0m"
        case .error, .critical: return "\u{1B}[31m\(level.rawValue)\u{1B}[0m"
        case .notice: return "\u{1B}[36m\(level.rawValue)\u{1B}[0m"
        default: return level.rawValue
        }
    }
}
