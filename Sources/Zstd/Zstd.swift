import CZstd

/// A failure from libzstd: corrupt or truncated input, or an invalid parameter.
public struct ZstdError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { "zstd: \(message)" }
}

/// zstd compression of whole byte buffers (frames written with a known content size; reading
/// accepts any frame, including streamed ones of unknown size).
public enum Zstd {
    /// The level used for the raw archive: a good ratio for JSON at high speed.
    public static let defaultLevel: Int32 = 3

    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
            }
        }
        try check(written)
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one or more concatenated frames. Throws on corrupt or truncated input.
    public static func decompress(_ input: [UInt8], maxOutput: Int = 1 << 31) throws -> [UInt8] {
        guard !input.isEmpty else { throw ZstdError(message: "empty input is not a zstd frame") }
        guard let stream = ZSTD_createDStream() else { throw ZstdError(message: "could not allocate a decompression stream") }
        defer { ZSTD_freeDStream(stream) }
        try check(ZSTD_initDStream(stream))
        var output: [UInt8] = []
        let chunk = ZSTD_DStreamOutSize()
        var scratch = [UInt8](repeating: 0, count: chunk)
        var lastHint: Int = 1
        try input.withUnsafeBytes { src in
            var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while true {
                let progressBefore = inBuffer.pos
                var produced = 0
                lastHint = try scratch.withUnsafeMutableBytes { dst -> Int in
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let hint = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    try check(hint)
                    produced = outBuffer.pos
                    return hint
                }
                output.append(contentsOf: scratch[0..<produced])
                if output.count > maxOutput { throw ZstdError(message: "decompressed size exceeds \(maxOutput) bytes") }
                if inBuffer.pos == inBuffer.size && produced < chunk { break }
                if produced == 0 && inBuffer.pos == progressBefore { break }
            }
        }
        // A non-zero hint at the end means the last frame is incomplete.
        guard lastHint == 0 else { throw ZstdError(message: "truncated input: the frame is incomplete") }
        return output
    }

    static func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 {
            throw ZstdError(message: String(cString: ZSTD_getErrorName(code)))
        }
    }
}
