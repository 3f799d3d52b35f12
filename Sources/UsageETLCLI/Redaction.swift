import Foundation
import Logging

/// Keeps API keys out of everything the process writes: anything shaped like an OpenAI key
/// (`sk-…`) or a bearer credential is masked in console lines and log records, whatever their
/// level. The key is never logged on purpose; this is the net under that rule, for messages that
/// quote input back (argument errors, API error bodies).
enum Redaction {
    private static let pattern = try! NSRegularExpression(pattern: #"(sk-[A-Za-z0-9_\-]{6,}|(?i:bearer)\s+[A-Za-z0-9_\-.~+/]+=*)"#)

    /// `text` with every key-shaped token replaced by `[redacted key]`.
    static func apply(_ text: String) -> String {
        guard text.contains("sk-") || text.range(of: "bearer", options: .caseInsensitive) != nil else { return text }
        let range = NSRange(text.startIndex..., in: text)
        return pattern.stringByReplacingMatches(in: text, range: range, withTemplate: "[redacted key]")
    }

    /// Whether an argument looks like a key (operators must not pass keys on the command line).
    static func looksLikeKey(_ argument: String) -> Bool {
        let range = NSRange(argument.startIndex..., in: argument)
        return pattern.firstMatch(in: argument, range: range) != nil
    }
}

/// A log handler that redacts message and metadata before another handler writes them.
struct RedactingLogHandler: LogHandler {
    var inner: any LogHandler
    /// Records below this level are dropped (`--quiet`: warnings and errors only).
    var minimum: Logger.Level = .trace

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue.mapValues(Self.redacted) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map(Self.redacted) }
    }

    /// A metadata value as its redacted text.
    static func redacted(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        .string(Redaction.apply(value.description))
    }

    func log(event: LogEvent) {
        guard event.level >= minimum else { return }
        var event = event
        event.message = Logger.Message(stringLiteral: Redaction.apply(event.message.description))
        event.metadata = event.metadata?.mapValues(Self.redacted)
        if let error = event.error { event.error = RedactedError(description: Redaction.apply("\(error)")) }
        inner.log(event: event)
    }
}

/// An error passed to a log call, reduced to its redacted text.
struct RedactedError: Error, CustomStringConvertible {
    let description: String
}
