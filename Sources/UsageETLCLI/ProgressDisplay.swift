import APIClient
import Foundation
import Pipeline
import Synchronization

/// The live status line of a run on a terminal (drawn through `Terminal`, so log records print
/// above it): windows done of total, pages, rows, rows/s, requests in flight, ETA, and what the run
/// waits for when it waits (the rate cap, a `Retry-After`). Redrawn four times a second by a
/// thread of its own, so a wait shows while no page arrives.
final class ProgressDisplay: Sendable {
    private struct State {
        var progress: RunProgress?
        var activity: RequestActivity?
        var running = true
    }

    let command: String
    let started = Date()
    private let terminal: Terminal
    private let state = Mutex(State())

    init(command: String, terminal: Terminal) {
        self.command = command
        self.terminal = terminal
        let thread = Thread { [self] in
            while state.withLock({ $0.running }) {
                draw()
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        thread.name = "usage-etl progress"
        thread.start()
    }

    /// `update` as a runner's progress callback.
    var callback: @Sendable (RunProgress) -> Void { { [self] progress in update(progress) } }

    /// The run's latest totals (drawn at the next tick).
    func update(_ progress: RunProgress) {
        state.withLock { $0.progress = progress }
    }

    /// Where the run's HTTP clients count requests in flight and waits.
    func attach(_ activity: RequestActivity) {
        state.withLock { $0.activity = activity }
    }

    /// Removes the status line (the summary then starts on a clean line) and stops redrawing.
    func end() {
        state.withLock { $0.running = false }
        terminal.status(nil)
    }

    private func draw() {
        // Checked and drawn under the one lock `end()` takes: no line is drawn after it.
        state.withLock { s in
            guard s.running, let progress = s.progress else { return }
            terminal.status(Self.line(command: command, progress: progress, activity: s.activity?.snapshot,
                                      elapsed: Date().timeIntervalSince(started)))
        }
    }

    /// The status line's text, what matters most first (a narrow terminal cuts it from the right):
    /// windows, ETA and what the run waits for, then requests in flight, pages, rows and rows/s.
    static func line(command: String, progress: RunProgress, activity: RequestActivity.Snapshot?, elapsed: Double) -> String {
        let elapsed = max(0.001, elapsed)
        var eta = "--:--:--"
        if progress.windowsFinished > 0, progress.windowsTotal > progress.windowsFinished {
            eta = clock(elapsed / Double(progress.windowsFinished) * Double(progress.windowsTotal - progress.windowsFinished))
        } else if progress.windowsTotal > 0, progress.windowsFinished == progress.windowsTotal {
            eta = "00:00:00"
        }
        let failed = progress.windowsFailed > 0 ? " (\(progress.windowsFailed) failed)" : ""
        var parts = ["\(command): windows \(progress.windowsFinished)/\(progress.windowsTotal)\(failed)", "ETA \(eta)"]
        if let activity {
            if activity.retryAfterSeconds > 0 {
                parts.append("waiting \(Int(activity.retryAfterSeconds.rounded(.up))) s (Retry-After)")
            } else if activity.waitingForCap > 0 && activity.inFlight == 0 {
                parts.append("waiting for the rate cap (--requests-per-minute)")
            }
            parts.append("\(activity.inFlight) in flight")
        }
        parts += ["pages \(progress.pages)", "rows \(progress.rows)", "\(Int(Double(progress.rows) / elapsed)) rows/s"]
        return parts.joined(separator: ", ")
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 360_000 else { return "99:59:59" }
        let total = Int(seconds.rounded())
        return String(format: "%02d:%02d:%02d", total / 3600, total % 3600 / 60, total % 60)
    }
}
