import CZstd

/// Compresses a body that arrives in pieces into one zstd frame, never holding it uncompressed.
/// Not `Sendable`: it owns a `ZSTD_CCtx`, which must stay on one thread.
public final class ZstdCompressor {
    private let context: OpaquePointer
    private var scratch: [UInt8]
    /// The frame so far; complete after `finish()`.
    public private(set) var compressed: [UInt8] = []
    /// How many uncompressed bytes went in.
    public private(set) var inputBytes = 0

    /// `windowLog`: the match window as a power of two (nil: the level's own); a smaller one
    /// needs less memory to compress and to decompress, for a little ratio.
    public init(level: Int32 = Zstd.defaultLevel, windowLog: Int32? = nil) throws {
        guard let context = ZSTD_createCCtx() else { throw ZstdError(message: "could not allocate a compression context") }
        self.context = context
        scratch = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        try Zstd.check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level))
        if let windowLog { try Zstd.check(ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, windowLog)) }
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Compresses more input.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        inputBytes += bytes.count
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size { _ = try step(&input, ZSTD_e_continue) }
    }

    /// Ends the frame and returns it.
    public func finish() throws -> [UInt8] {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end) != 0 {}
        return compressed
    }

    /// One call of `ZSTD_compressStream2`; returns its hint (0 when a flush or end is complete).
    private func step(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective) throws -> Int {
        let (remaining, produced) = try scratch.withUnsafeMutableBytes { dst -> (Int, Int) in
            var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
            let remaining = ZSTD_compressStream2(context, &output, &input, directive)
            try Zstd.check(remaining)
            return (remaining, output.pos)
        }
        compressed.append(contentsOf: scratch[0..<produced])
        return remaining
    }
}
