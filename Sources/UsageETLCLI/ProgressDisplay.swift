import Foundation
import Pipeline
import Synchronization

/// One self-rewriting status line on a terminal: windows and pages done of total, rows, rate, ETA.
final class ProgressDisplay: Sendable {
    private struct State {
        var lastDraw = Date.distantPast
        var drawn = false
    }

    let command: String
    let started = Date()
    private let state = Mutex(State())

    init(command: String) { self.command = command }

    /// `update` as a runner's progress callback.
    var callback: @Sendable (RunProgress) -> Void { { [self] progress in update(progress) } }

    /// Redraws at most four times a second, and always when the last window finishes.
    func update(_ progress: RunProgress) {
        let now = Date()
        let finished = progress.windowsFinished == progress.windowsTotal
        let draw = state.withLock { s -> Bool in
            guard finished || now.timeIntervalSince(s.lastDraw) >= 0.25 else { return false }
            s.lastDraw = now
            s.drawn = true
            return true
        }
        guard draw else { return }
        let elapsed = max(0.001, now.timeIntervalSince(started))
        let rate = Double(progress.rows) / elapsed
        var eta = "--:--:--"
        if progress.windowsFinished > 0, progress.windowsTotal > progress.windowsFinished {
            let remaining = elapsed / Double(progress.windowsFinished) * Double(progress.windowsTotal - progress.windowsFinished)
            eta = Self.clock(remaining)
        } else if finished {
            eta = "00:00:00"
        }
        let failed = progress.windowsFailed > 0 ? " (\(progress.windowsFailed) failed)" : ""
        let line = "\(command): windows \(progress.windowsFinished)/\(progress.windowsTotal)\(failed), pages \(progress.pages), rows \(progress.rows), \(Int(rate)) rows/s, ETA \(eta)"
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    /// Ends the status line so the summary starts on its own line.
    func end() {
        if state.withLock({ $0.drawn }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%02d:%02d:%02d", total / 3600, total % 3600 / 60, total % 60)
    }
}
