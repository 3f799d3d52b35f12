import ArgumentParser
import UsageAPI

/// An instant given on the command line: a date (`2026-01-01`, UTC midnight) or an RFC 3339
/// timestamp, parsed once when the arguments are (`UTCTime.parse`), so commands use the Unix
/// seconds and never parse again.
struct Moment: ExpressibleByArgument, Sendable {
    var seconds: Int64
    var text: String

    init?(argument: String) {
        guard let seconds = UTCTime.parse(argument) else { return nil }
        self.seconds = seconds
        self.text = argument
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
