import Digest
import Zstd

/// A response body as the archive keeps it: one zstd frame, with the SHA-256 and size of the raw
/// bytes. Large pages live only in this form; their raw bytes are streamed, never held whole.
public struct CompressedBody: Sendable {
    public var zstd: [UInt8]
    public var sha256: [UInt8]
    public var rawBytes: Int

    public init(zstd: [UInt8], sha256: [UInt8], rawBytes: Int) {
        self.zstd = zstd
        self.sha256 = sha256
        self.rawBytes = rawBytes
    }

    /// A body that does not decompress, or whose raw bytes do not hash to the recorded digest.
    public struct Unreadable: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The raw bytes, whole: for small bodies only.
    public func decompressed() throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rawBytes)
        let source = try stream(verify: true)
        while try source(&out) {}
        return out
    }

    /// A source of the raw bytes in pieces, in the form `PageDecoder.reader(streaming:)` takes: each
    /// call appends the next piece and returns false at the end. With `verify`, the end checks the
    /// digest. Both throw `Unreadable` for a damaged body.
    public func stream(verify: Bool) throws -> (inout [UInt8]) throws -> Bool {
        let decompressor: ZstdDecompressor
        do { decompressor = try ZstdDecompressor(zstd) } catch { throw Unreadable(reason: "\(error)") }
        let hasher: SHA256.Hasher? = verify ? SHA256.Hasher() : nil
        let expected = sha256
        return { buffer in
            let more: Bool
            do {
                more = try decompressor.next { piece in
                    hasher?.update(piece)
                    buffer.append(contentsOf: piece.bindMemory(to: UInt8.self))
                }
            } catch let error as ZstdError {
                throw Unreadable(reason: "\(error)")
            }
            if !more, let digest = hasher?.finalize(), digest != expected {
                throw Unreadable(reason: "SHA-256 does not match the stored digest")
            }
            return more
        }
    }
}

extension CompressedBody {
    /// The same bytes compressed again at `level` (`usage-etl archive compact`): decompressed piece
    /// by piece, the digest verified, compressed anew; the result decompresses to the very same
    /// bytes, so replay and verification read it as they read the original.
    public func recompressed(level: Int32) throws -> CompressedBody {
        let writer = try CompressedBodyWriter(level: level)
        let decompressor: ZstdDecompressor
        do { decompressor = try ZstdDecompressor(zstd) } catch { throw Unreadable(reason: "\(error)") }
        do {
            while try decompressor.next({ piece in try writer.append(piece) }) {}
        } catch let error as ZstdError {
            throw Unreadable(reason: "\(error)")
        }
        let again = try writer.finish()
        guard again.sha256 == sha256, again.rawBytes == rawBytes else {
            throw Unreadable(reason: "SHA-256 does not match the stored digest")
        }
        return again
    }
}

/// Builds a `CompressedBody` from bytes that arrive in pieces (an HTTP response as it is received).
/// Not `Sendable`: it owns a compression context.
public final class CompressedBodyWriter {
    private let hasher = SHA256.Hasher()
    private let compressor: ZstdCompressor

    /// At the fetch's fast default level the window is 1 MiB (each worker compresses while it
    /// fetches: memory matters more than the last percent, which `archive compact` wins back).
    public init(level: Int32 = Zstd.defaultLevel) throws {
        compressor = try ZstdCompressor(level: level, windowLog: level <= Zstd.defaultLevel ? 20 : nil)
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        try compressor.append(bytes)
    }

    /// Ends the frame; call once.
    public func finish() throws -> CompressedBody {
        CompressedBody(zstd: try compressor.finish(), sha256: hasher.finalize(), rawBytes: compressor.inputBytes)
    }
}
