import Foundation

/// What many integration suites start from besides the harness: a fresh scratch directory, and the
/// start of today (UTC): whole days before it are stable under the simulator's real clock.
public enum Scratch {
    /// A new, empty directory under the system's temporary directory, named `prefix-UUID`.
    public static func directory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The start of the current UTC day, Unix seconds.
    public static var today: Int64 { Int64(Date().timeIntervalSince1970) / 86_400 * 86_400 }

    /// The repository's root (for scripts/ and Pipelines/).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
