import Foundation

/// A file the commands write (the report, a FOCUS export, the metrics file) whole or not at all:
/// to a temporary file beside it, renamed over it by `commit()`, so a reader never sees half of
/// it; a path that is there and is not a regular file (a FIFO, `/dev/stdout`, a symlink) is
/// written in place. Dropped without `commit()`, the temporary file is removed.
final class OutputFile {
    /// Why the file could not be written: the system's reason.
    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    private let path: String
    private let temporary: String
    private let inPlace: Bool
    private var file: UnsafeMutablePointer<FILE>?

    init(_ path: String) throws {
        var status = stat()
        inPlace = lstat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG
        self.path = path
        temporary = inPlace ? path : path + ".tmp.\(getpid())"
        guard let file = fopen(temporary, "w") else { throw Self.failure() }
        self.file = file
    }

    deinit {
        if let file {
            fclose(file)
            if !inPlace { unlink(temporary) }
        }
    }

    func write(_ text: String) throws {
        guard let file else { throw Failure(reason: "already closed") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw Self.failure() }
    }

    /// Closes the file and puts it in place.
    func commit() throws {
        guard let file else { return }
        self.file = nil
        guard fflush(file) == 0, fclose(file) == 0, inPlace || rename(temporary, path) == 0 else {
            let failure = Self.failure()
            if !inPlace { unlink(temporary) }
            throw failure
        }
    }

    /// Writes `text` to `path` whole.
    static func write(_ text: String, to path: String) throws {
        let output = try OutputFile(path)
        try output.write(text)
        try output.commit()
    }

    private static func failure() -> Failure { Failure(reason: String(cString: strerror(errno))) }
}
