import CZstd

/// Decompresses zstd frames held in memory piece by piece, so the output never exists whole.
/// Not `Sendable`: it owns a `ZSTD_DStream`, which must stay on one thread.
public final class ZstdDecompressor {
    private let stream: OpaquePointer
    private let input: [UInt8]
    private var position = 0
    private var scratch: [UInt8]
    private var lastHint = 1
    private var finished = false
    /// How many decompressed bytes came out so far.
    public private(set) var outputBytes = 0

    public init(_ compressed: [UInt8]) throws {
        guard !compressed.isEmpty else { throw ZstdError(message: "empty input is not a zstd frame") }
        guard let stream = ZSTD_createDStream() else { throw ZstdError(message: "could not allocate a decompression stream") }
        self.stream = stream
        input = compressed
        scratch = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        try Zstd.check(ZSTD_initDStream(stream))
    }

    deinit { ZSTD_freeDStream(stream) }

    /// Passes the next decompressed piece to `body`; returns false, having passed nothing, at the
    /// end. Throws on corrupt input or a truncated last frame.
    public func next(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        while !finished {
            let (hint, consumed, produced) = try input.withUnsafeBytes { src in
                try scratch.withUnsafeMutableBytes { dst -> (Int, Int, Int) in
                    var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: position)
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let hint = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    try Zstd.check(hint)
                    return (hint, inBuffer.pos - position, outBuffer.pos)
                }
            }
            position += consumed
            lastHint = hint
            if produced == 0 && consumed == 0 || position == input.count && produced < scratch.count {
                finished = true
                // A non-zero hint at the end means the last frame is incomplete.
                guard lastHint == 0 else { throw ZstdError(message: "truncated input: the frame is incomplete") }
            }
            if produced > 0 {
                outputBytes += produced
                try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
                return true
            }
        }
        return false
    }
}
