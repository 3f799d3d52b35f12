/// An error a command reports with its own message and exit code.
public struct CommandFailure: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    /// Exit code 2: invalid arguments or configuration, detected before any work.
    public static func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 2) }

    /// Exit code 1: the run happened but something in it failed.
    public static func failed(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 1) }

    public var description: String { message }
}
