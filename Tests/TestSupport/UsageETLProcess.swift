import Foundation

/// A started `usage-etl` binary, as operators run it. Its output goes to a temporary file (no pipe
/// to fill up while it runs), read back when it ends.
public final class UsageETLProcess {
    /// The binary beside the test bundle (tests run from .build/<triple>/debug).
    public static var binary: URL {
        var url = Bundle.main.bundleURL
        while url.pathComponents.count > 1 && !FileManager.default.fileExists(atPath: url.appendingPathComponent("usage-etl").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("usage-etl")
    }

    public let process = Process()
    private let output: URL

    public init(_ arguments: [String], environment: [String: String]) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("usage-etl-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits for the exit; returns the status and everything it printed (stdout and stderr).
    public func wait() -> (Int32, String) {
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: output) }
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// The environment operators give the binary: the simulator, the key and the warehouse, plus `extra`.
    public static func environment(baseURL: String, databaseURL: String, key: String = "sk-admin-simulator-key",
                            _ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["PATH": "/usr/bin:/bin", "OPENAI_BASE_URL": baseURL, "OPENAI_ADMIN_KEY": key, "DATABASE_URL": databaseURL]
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs to the end.
    public static func run(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        try UsageETLProcess(arguments, environment: environment).wait()
    }
}
